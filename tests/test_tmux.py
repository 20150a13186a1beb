"""The real ``voicemock`` console script in a real terminal (tmux), driven with keys like a user would.

One interview takes its answers from text files (``voicemock app --answers DIR``) and presses space on every
turn until the debrief is on screen; another is typed at 80x24, tries its first question again and reads the
attempts side by side. No microphone or Whisper run is needed.
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


def start(home: Path, args: str, size: tuple[int, int]) -> str:
    name = f"vm-{uuid.uuid4().hex[:8]}"
    command = f"env VOICEMOCK_HOME={home} TERM=xterm-256color {VOICEMOCK} app {args}"
    tmux("new-session", "-d", "-x", str(size[0]), "-y", str(size[1]), "-s", name, command)
    return name


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
    name = start(voicemock_home, f"--answers {answers} --no-speech", (100, 30))
    try:
        yield name, voicemock_home
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)


@pytest.fixture
def typed(voicemock_home: Path) -> Iterator[tuple[str, Path]]:
    name = start(voicemock_home, "--typed --no-speech", (80, 24))
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
    wait_for(name, lambda s: "9 scenarios" in s)
    tmux("send-keys", "-t", name, "Down")  # from the recruiter screen to the fraud scenario
    wait_for(name, lambda s: "define what success means" in s)
    tmux("send-keys", "-t", name, "Enter")
    for _ in range(8):
        text = wait_for(name, lambda s: "your turn" in s or "Debrief: " in s)
        if "Debrief: " in text:
            break
        tmux("send-keys", "-t", name, "Space")
        wait_for(name, lambda s, before=text: s != before)
    text = wait_for(name, lambda s: "Debrief: " in s and "Scores" in s)
    assert "Defining success for a fraud-detection model" in text
    assert len(list((home / "sessions").glob("*/debrief.md"))) == 1
    tmux("send-keys", "-t", name, "h")
    text = wait_for(name, lambda s: "History" in s and "completed" in s)
    tmux("send-keys", "-t", name, "C-q")


WEAK = "I would look at how many fraud cases we catch."
STRONG = (
    "The people hurt today are cardholders who find charges they never made, and honest shoppers whose "
    "payments we wrongly decline. Success means fraud losses fall by twenty percent while the approval "
    "rate stays above ninety eight percent. We trade off a little recall for precision, because blocking "
    "good customers churns them."
)


def type_answer(name: str, text: str) -> None:
    tmux("send-keys", "-t", name, "t")
    wait_for(name, lambda s: "Enter sends it" in s)
    tmux("send-keys", "-t", name, "-l", text)
    tmux("send-keys", "-t", name, "Enter")


def test_typed_interview_retry_and_comparison_at_80x24(typed: tuple[str, Path]) -> None:
    name, home = typed
    # typed at once, before the app has drawn anything: the filter and both Enters still arrive
    tmux("send-keys", "-t", name, "/fraud", "Enter", "Enter")
    wait_for(name, lambda s: "your turn" in s and "How would you define success" in s)
    type_answer(name, WEAK)
    text = wait_for(name, lambda s: "follow-up 1" in s and "a: Q1 again" in s)
    tmux("send-keys", "-t", name, "a")
    wait_for(name, lambda s: "(Q1 again, attempt 2)" in s and "your turn" in s)
    type_answer(name, STRONG)
    wait_for(name, lambda s: "You: The people hurt today" in s and "your turn" in s)
    tmux("send-keys", "-t", name, "e")
    wait_for(name, lambda s: "End the interview now?" in s)
    tmux("send-keys", "-t", name, "y")
    # the debrief opens on the question tried again: the attempts side by side, and what changed
    text = wait_for(name, lambda s: "Side by side" in s and "What changed" in s, timeout=60)
    assert "Attempt 1" in text and "Attempt 2" in text
    assert "What changed: now" in text
    for row in text.splitlines():
        assert len(row) <= 80
    journal = next((home / "sessions").glob("*/journal.jsonl")).read_text()
    assert '"event": "retry"' in journal
    tmux("send-keys", "-t", name, "C-q")
