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
	@echo "== rubric classifier, cross-validated on the development sets"; $(PY) bench/train_signals.py --cv --no-write
	@echo "== graded judgement, cross-validated on bench/eval/dev3.jsonl (a tuning set: development figures)"; \
		$(PY) bench/train_grades.py --cv --no-write
	@echo "== graded judgement on bench/eval/blind3.jsonl (frozen blind set: aggregate figures only), typed and spoken (Piper -> Whisper tiny.en)"; \
		$(PY) bench/bench_rubric.py --set bench/eval/blind3.jsonl --voice piper || exit 1
	@for s in blind blind2; do \
		echo "== older blind set bench/eval/$$s.jsonl (a regression: pairs differ in which signals are present), patterns alone"; \
		$(PY) bench/bench_rubric.py --set bench/eval/$$s.jsonl --text-only --patterns-only | grep -E "micro|pairwise"; \
		echo "== older blind set bench/eval/$$s.jsonl, as shipped, text and speech"; \
		$(PY) bench/bench_rubric.py --set bench/eval/$$s.jsonl || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
