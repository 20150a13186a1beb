"""Many clients, one server (issue 15): 8 headless voicemock interviews at once against one stub of the
transcription and chat APIs, with faults injected. Not a timing test: it checks that every interview
finishes, that no client retries (requests per client are bounded by its answers) and that each client's
figures are printed. The checks live in ``bench/bench_load.py``, which exits 1 when one fails."""

from __future__ import annotations

import re

import pytest
from bench.bench_load import main


@pytest.mark.slow
def test_eight_interviews_at_once_against_one_server(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["--clients", "8", "--slots", "4"])
    out = capsys.readouterr().out
    assert status == 0, out
    rows = [line for line in out.splitlines() if re.match(r"^\s+\d+\s+\d+\.\d\s+\d+\s", line)]
    assert len(rows) == 8, out  # one line of figures per client
    assert "all interviews finished, no retries" in out
    assert "faults injected: {'" in out and "transcription" in out  # the faults really happened
