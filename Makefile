# voicemock: `make run` sets everything up and opens the app; `make test` sets up and runs the tests.
.PHONY: setup setup-test run demo test lint bench clean
VENV := .venv
PY := $(VENV)/bin/python

setup:
	@scripts/setup.sh

setup-test:
	@scripts/setup.sh --test

run: setup
	@$(VENV)/bin/voicemock

demo: setup
	@$(VENV)/bin/voicemock demo

lint: setup-test
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy

test: setup-test lint
	$(PY) -m pytest -q

bench: setup-test
	@for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done
	@echo "== rubric on the blind set (never tuned against)"; $(PY) bench/bench_rubric.py --set bench/eval/blind.jsonl --text-only

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
