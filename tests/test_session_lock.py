"""One writer per session: real `voicemock` processes resuming the same session at once.

Before the lock, two resumes of one session wrote duplicate answers and two debriefs into its journal. Now
the second is refused, naming the first one's pid, and a lock left by a killed process is taken over.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from conftest import run_voicemock, speak_to_wav, start_voicemock
from voicemock.store import SessionDir

FIRST = (
    "The people hurt are cardholders who find charges they never made, and honest shoppers we decline. "
    "Success means fraud losses fall by a fifth while the approval rate stays above ninety eight percent."
)
SECOND = "I would run an experiment with a holdout group for four weeks and compare losses and complaints."


def _wait_for(condition: Callable[[], object], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


def _journal(home: Path) -> Path:
    (journal,) = (home / "sessions").glob("*/journal.jsonl")
    return journal


def _unfinished(home: Path) -> SessionDir:
    """A session with question 1 answered (typed), its process killed before question 2."""
    proc = start_voicemock("run", "-s", "fraud-success-metrics", "--typed", "--no-speech", home=home)
    assert proc.stdin is not None
    proc.stdin.write(FIRST + "\n\n")
    proc.stdin.flush()
    _wait_for(lambda: list((home / "sessions").glob("*/journal.jsonl")) and '"answer"' in _journal(home).read_text())
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    return SessionDir(_journal(home).parent)


def _answers(tmp_path: Path) -> Path:
    answers = tmp_path / "answers"
    answers.mkdir()
    (answers / "1-1.txt").write_text("Honest shoppers are hurt; they call support and stop using the card.")
    speak_to_wav(SECOND, answers / "2.wav")  # audio: transcribing it keeps the winner busy for a while
    return answers


def _events(session: SessionDir) -> list[dict[str, object]]:
    return [json.loads(line) for line in (session.path / "journal.jsonl").read_text().splitlines()]


def test_second_resume_is_refused_and_a_killed_holder_leaves_no_lock(tmp_path: Path, voicemock_home: Path) -> None:
    session = _unfinished(voicemock_home)
    # the killed run's lock file is still there, with its pid: resuming takes it over
    assert (session.path / ".lock").is_file()
    holder = start_voicemock("resume", session.id, "--typed", "--no-speech", home=voicemock_home)
    try:
        _wait_for(lambda: any(e["event"] == "resumed" for e in _events(session)))
        refused = run_voicemock(
            "resume", session.id, "--answers", str(_answers(tmp_path)), "--json", home=voicemock_home
        )
        assert refused.returncode == 2, refused.stderr
        assert f"is open in another voicemock (pid {holder.pid})" in refused.stderr
        assert "Traceback" not in refused.stderr
        listed = run_voicemock("sessions", home=voicemock_home).stdout
        assert f"(open in pid {holder.pid})" in listed
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
    assert (session.path / ".lock").read_text().strip() == str(holder.pid)  # stale: its owner is dead
    done = run_voicemock(
        "resume", session.id, "--answers", str(tmp_path / "answers"), "--json", "--no-speech", home=voicemock_home
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["questions"][0]["turns"][0]["answer"] == FIRST


def test_two_resumes_at_once_one_writes_and_the_other_is_refused(tmp_path: Path, voicemock_home: Path) -> None:
    session = _unfinished(voicemock_home)
    answers = _answers(tmp_path)
    args = ("resume", session.id, "--answers", str(answers), "--json", "--no-speech")
    procs = [start_voicemock(*args, home=voicemock_home, stdin=subprocess.DEVNULL) for _ in range(2)]
    results = [(p, *p.communicate(timeout=240)) for p in procs]
    winners = [r for r in results if r[0].returncode == 0]
    losers = [r for r in results if r[0].returncode != 0]
    assert len(winners) == 1 and len(losers) == 1, [(p.returncode, err) for p, _out, err in results]
    (winner, _out, _err), (loser, _lout, lerr) = winners[0], losers[0]
    assert loser.returncode == 2 and f"is open in another voicemock (pid {winner.pid})" in lerr, lerr
    events = _events(session)
    answers_per_prompt = Counter(str(e["prompt_id"]) for e in events if e["event"] == "answer")
    assert max(answers_per_prompt.values()) == 1, answers_per_prompt
    assert sum(1 for e in events if e["event"] == "debrief") == 1
    assert sum(1 for e in events if e["event"] == "resumed") == 1


def test_lock_is_per_process_and_reentrant(tmp_path: Path) -> None:
    from voicemock.store import SessionStore

    store = SessionStore(tmp_path / "sessions")
    session = store.create("fraud-success-metrics")
    session.lock()  # already held by this process (create took it): no error
    other = subprocess.run(
        [
            sys.executable,
            "-c",
            "from pathlib import Path; from voicemock.store import SessionDir, SessionLocked\n"
            f"try:\n    SessionDir(Path({str(session.path)!r})).lock()\nexcept SessionLocked as e:\n    print(e.message)",
        ],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert "open in another voicemock" in other.stdout, other.stderr
    assert SessionDir(session.path).holder() is None  # this process is the holder, not "another"
    session.unlock()
    SessionDir(session.path).lock()  # released: taken again at once
    SessionDir(session.path).unlock()
