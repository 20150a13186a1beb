"""Shared fixtures: every test gets its own VOICEMOCK_HOME; Whisper is loaded once per run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from voicemock import paths

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = paths.shipped_scenarios_dir()


VOICEMOCK = [sys.executable, "-m", "voicemock"]


def run_voicemock(
    *args: str, home: Path, env: dict[str, str] | None = None, input: str | None = None, timeout: float = 240
) -> subprocess.CompletedProcess[str]:
    """Run the real `voicemock` command to completion, as a user would, with its own VOICEMOCK_HOME."""
    return subprocess.run(
        [*VOICEMOCK, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "VOICEMOCK_HOME": str(home), **(env or {})},
        input=input,
        timeout=timeout,
        cwd=ROOT,
    )


def start_voicemock(
    *args: str, home: Path, env: dict[str, str] | None = None, stdin: int = subprocess.PIPE
) -> subprocess.Popen[str]:
    """Start the real `voicemock` command in the background (to type into it, signal or kill it)."""
    return subprocess.Popen(
        [*VOICEMOCK, *args],
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "VOICEMOCK_HOME": str(home), **(env or {})},
        cwd=ROOT,
    )


@pytest.fixture(autouse=True)
def voicemock_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "vmhome"
    home.mkdir()
    monkeypatch.setenv("VOICEMOCK_HOME", str(home))
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture(scope="session")
def transcriber() -> Iterator[object]:
    from voicemock.backends.whisper import WhisperTranscriber

    t = WhisperTranscriber()
    t.load()
    yield t


def speak_to_wav(text: str, dest: Path, voice: str = "en-us+m2", rate: int = 160) -> Path:
    """Synthesize speech with espeak-ng (the test's stand-in for a candidate)."""
    assert shutil.which("espeak-ng"), "espeak-ng is required (make setup-test installs it)"
    dest.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(rate), "-w", str(dest), text], check=True)
    return dest


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate after lower-casing and stripping punctuation."""
    import re

    def norm(s: str) -> list[str]:
        return re.sub(r"[^a-z0-9' ]", " ", s.lower().replace("-", " ")).split()

    r, h = norm(reference), norm(hypothesis)
    d = list(range(len(h) + 1))
    for i in range(1, len(r) + 1):
        prev, d[0] = d[0], i
        for j in range(1, len(h) + 1):
            cur = d[j]
            d[j] = min(d[j] + 1, d[j - 1] + 1, prev + (r[i - 1] != h[j - 1]))
            prev = cur
    return d[len(h)] / max(1, len(r))


@pytest.fixture(scope="module")
def pulse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A private PulseAudio null sink for the module's tests (see tests/pulse.py)."""
    from pulse import pulse_session

    with pulse_session(tmp_path_factory.mktemp("pulse")) as server:
        yield server
