"""A full disk, for real: ``VOICEMOCK_HOME`` on a small tmpfs, the real command, real audio.

What must hold: one clear message (what is saved, how much room the rest needs, the resume command), exit 2,
no traceback and no native abort; the journal stays parseable, no temporary file is left behind, and the
session resumes once there is room. A session that could not even start leaves nothing behind. Mounting a
tmpfs needs root: without it these tests are skipped, with the reason.
"""

from __future__ import annotations

import errno
import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import run_voicemock, speak_to_wav
from voicemock.diskspace import DiskFullError, estimate
from voicemock.scenario import load_scenario
from voicemock.store import SessionStore

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0, reason="mounting a small tmpfs to fill needs root (run the tests as root, as CI does)"
)

ANSWER = (
    "I would measure the fraud loss rate and the false decline rate, and run an experiment with a holdout "
    "group to compare them. The trade off is between customer friction and losses, so I would watch both."
)


@pytest.fixture()
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs, unmounted afterwards."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.fixture(scope="module")
def long_answers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three answers of about 30 s each: 0.9 MB apiece as the session's 16 kHz WAV, so 2 MB fills up."""
    d = tmp_path_factory.mktemp("answers")
    one = speak_to_wav(ANSWER, d / "one.wav")
    for n in (1, 2, 3):
        subprocess.run(["sox", str(one), str(one), str(one), str(d / f"{n}.wav")], check=True)
    one.unlink()
    return d


def _resize(mount: Path, size: str) -> None:
    subprocess.run(["mount", "-o", f"remount,size={size}", str(mount)], check=True)


def _assert_clean(home: Path) -> None:
    """Nothing half-written: every journal line parses, and no temporary file is left."""
    for journal in home.rglob("journal.jsonl"):
        for line in journal.read_text(encoding="utf-8").splitlines():
            json.loads(line)
    leftovers = [p for p in home.rglob("*") if p.name.endswith((".tmp", ".part"))]
    assert not leftovers, leftovers


def test_full_disk_mid_interview_says_what_is_saved_and_resumes(
    small_disk: Path, long_answers: Path
) -> None:
    home = small_disk / "home"
    args = ("run", "-s", "recruiter-screen", "--answers", str(long_answers))
    done = run_voicemock(*args, home=home, timeout=300)
    out = done.stdout + done.stderr
    assert done.returncode == 2, out
    assert "Traceback" not in out and "terminate called" not in out
    assert "Only 2.1 MB free" in done.stdout  # warned at the start: this interview needs more
    (session,) = (home / "sessions").iterdir()
    message = done.stderr.strip().splitlines()
    assert len(message) == 2, done.stderr  # one error, one fix: nothing else
    assert re.match(rf"error: the disk holding {home}/sessions is full \(\d+ KB free\)\.", message[0])
    assert f"saved in {session} (1 answer to 1 question" in message[0]
    assert re.search(r"fix: free at least [\d.]+ MB on that disk", message[1])
    assert message[1].endswith(f"then resume with: voicemock resume {session.name}")
    _assert_clean(home)
    listed = run_voicemock("sessions", home=home)
    assert f"{session.name}" in listed.stdout and "unfinished" in listed.stdout

    _resize(small_disk, "64m")  # the user frees space, then resumes as told
    resumed = run_voicemock("resume", session.name, "--answers", str(long_answers), "--json", home=home)
    assert resumed.returncode == 0, resumed.stderr
    report = json.loads(resumed.stdout)
    answered = [t for q in report["questions"] for t in q["turns"] if t["status"] == "answered"]
    assert len(answered) == 3
    _assert_clean(home)


def test_disk_too_full_to_start_leaves_nothing_behind(small_disk: Path, long_answers: Path) -> None:
    home = small_disk / "home"
    (home / "sessions").mkdir(parents=True)
    filler = small_disk / "filler"
    with open(filler, "wb") as f:  # fill the disk completely
        try:
            while True:
                f.write(b"\0" * 65536)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    done = run_voicemock("run", "-s", "recruiter-screen", "--answers", str(long_answers), home=home)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "terminate called" not in done.stderr
    assert "is full" in done.stderr and "Nothing was saved" in done.stderr
    assert "then run the command again" in done.stderr
    assert list((home / "sessions").iterdir()) == []  # no session without a readable journal
    assert "No sessions yet" in run_voicemock("sessions", home=home).stdout


def test_read_only_disk_is_named_as_such(small_disk: Path, long_answers: Path) -> None:
    home = small_disk / "home"
    home.mkdir()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    done = run_voicemock("run", "-s", "recruiter-screen", "--answers", str(long_answers), home=home)
    assert done.returncode == 2, done.stderr
    assert "read-only" in done.stderr and "Traceback" not in done.stderr


def test_a_journal_line_that_does_not_fit_is_taken_back(small_disk: Path) -> None:
    """Append until the disk is full: the failed append leaves the journal exactly as it was."""
    store = SessionStore(small_disk / "sessions")
    session = store.create("fraud-success-metrics", title="t")
    journal = session.path / "journal.jsonl"
    big = "x" * 50_000
    with pytest.raises(DiskFullError):
        for _ in range(100):
            before = journal.read_bytes()
            session.append("notice", text=big)
    assert journal.read_bytes() == before
    assert all(json.loads(line) for line in before.decode().splitlines())
    assert session.started["event"] == "started"


def test_estimate_counts_every_answer_at_its_budget() -> None:
    from voicemock import paths

    scenario = load_scenario(paths.shipped_scenarios_dir() / "recruiter-screen.toml")
    seconds = sum(
        scenario.budget(q) + scenario.follow_up_limit(q) * max(30, scenario.budget(q) // 2)
        for q in scenario.questions
    )
    assert estimate(scenario) >= seconds * 32_000
