"""The real ``voicemock`` console script in a real terminal (tmux), driven with keys like a user would.

Answers come from text files (``voicemock app --answers DIR``), so no microphone or Whisper run is needed;
the test presses space on every turn until the debrief is on screen, then checks history shows the session.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VOICEMOCK = ROOT / ".venv" / "bin" / "voicemock"

pytestmark = pytest.mark.skipif(
    not shutil.which("tmux") or not VOICEMOCK.exists(), reason="needs tmux and the venv"
)


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture
def session(voicemock_home: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    answers = tmp_path / "answers"
    answers.mkdir()
    (answers / "1.txt").write_text(
        "I would look at how many [bold]fraud[/] cases we catch.", encoding="utf-8"
    )
    (answers / "1-1.txt").write_text(
        "A stolen card hurts the cardholder; a declined card hurts a good customer."
    )
    (answers / "2.txt").write_text(
        "We would run an A/B test with a holdout and monitor the decline rate weekly."
    )
    name = f"vm-{uuid.uuid4().hex[:8]}"
    command = f"env VOICEMOCK_HOME={voicemock_home} TERM=xterm-256color {VOICEMOCK} app --answers {answers} --no-speech"
    tmux("new-session", "-d", "-x", "100", "-y", "30", "-s", name, command)
    try:
        yield name, voicemock_home
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)


def screen(name: str) -> str:
    return tmux("capture-pane", "-p", "-t", name)


def wait_for(name: str, found: Callable[[str], bool], timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = screen(name)
        if found(text):
            return text
        time.sleep(0.1)
    raise AssertionError(f"timed out; screen was:\n{text}")


def test_interview_from_answer_files_to_debrief_in_tmux(session: tuple[str, Path]) -> None:
    name, home = session
    wait_for(name, lambda s: "scenarios" in s and "Enter to start" in s)
    # Keys sent before Textual switches the terminal to its input mode are lost: press Down (harmless)
    # until the highlighted scenario visibly changes, then type for real.
    first = screen(name)
    for _ in range(50):
        tmux("send-keys", "-t", name, "Down")
        try:
            wait_for(name, lambda s: s != first, timeout=0.5)
            break
        except AssertionError:
            continue
    # The second entry (first Product sense scenario) is now highlighted: the fraud scenario.
    wait_for(name, lambda s: "▏ Defining success for a" in s)
    tmux("send-keys", "-t", name, "Enter")
    for _ in range(8):
        text = wait_for(name, lambda s: "your turn" in s or "Debrief saved" in s)
        if "Debrief saved" in text:
            break
        tmux("send-keys", "-t", name, "Space")
        wait_for(name, lambda s, before=text: s != before)
    text = wait_for(name, lambda s: "Debrief saved" in s and "SCORES" in s)
    assert "Defining success for a fraud-detection model" in text
    assert len(list((home / "sessions").glob("*/debrief.md"))) == 1
    tmux("send-keys", "-t", name, "h")
    text = wait_for(name, lambda s: "History" in s and "done" in s)
    tmux("send-keys", "-t", name, "C-q")
