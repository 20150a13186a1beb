"""The real `voicemock` command, as a user runs it: full interviews from answer files, bad input, kill and resume."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import run_voicemock, speak_to_wav, start_voicemock
from voicemock.debrief import SCHEMA

run = run_voicemock

STRONG_1 = (
    "The people hurt today are cardholders who find charges they never made, and honest shoppers whose "
    "payments we wrongly decline. Success means fraud losses fall by twenty percent while the approval rate "
    "stays above ninety eight percent. A false decline costs us the sale and the customer's trust, which is "
    "worth more than the average fraud loss. So we trade off a little recall for precision, because blocking "
    "good customers churns them."
)
WEAK_1 = (
    "I would use a gradient boosted model with lots of features and tune the hyperparameters until the AUC is "
    "as high as possible, then ship it."
)


def run_answers(answers: Path, home: Path) -> subprocess.CompletedProcess[str]:
    """A headless run of the fraud scenario from answer files, JSON on stdout, no speech."""
    return run(
        "run", "-s", "fraud-success-metrics", "--answers", str(answers), "--json", "--no-speech", home=home
    )


def silent_wav(path: Path, seconds: int) -> Path:
    subprocess.run(["sox", "-n", "-r", "16000", "-c", "1", str(path), "trim", "0", str(seconds)], check=True)
    return path


def session_dirs(home: Path) -> list[Path]:
    return sorted((home / "sessions").iterdir())


def test_full_run_on_answer_files_writes_session_and_debrief(tmp_path: Path, voicemock_home: Path) -> None:
    answers = tmp_path / "answers"
    answers.mkdir()
    (answers / "1.txt").write_text(STRONG_1)
    speak_to_wav(
        "I would run an experiment for four weeks and compare fraud losses with the current rules.",
        answers / "2.wav",
    )
    done = run("run", "-s", "fraud-success-metrics", "--answers", str(answers), "--json", home=voicemock_home)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    report = json.loads(done.stdout)
    assert report["schema"] == SCHEMA and report["scenario"]["id"] == "fraud-success-metrics"
    assert report["inputs"]["transcriber"] == "whisper:tiny.en"
    assert report["inputs"]["answers"].startswith("answer files")
    q1, q2 = report["questions"]
    assert all(s["shown"] for s in q1["signals"]), q1["signals"]
    assert q1["turns"][0]["source"] == "text file 1.txt"
    # the audio answer was transcribed by Whisper, with timings and analytics
    q2_main = q2["turns"][0]
    assert q2_main["source"] == "audio file 2.wav" and "experiment" in q2_main["answer"].lower()
    assert q2_main["stats"]["wpm"] and q2_main["stats"]["seconds"] > 3
    # per-question scores, with the top level's dimension ids: delivery only for the spoken answer
    for q in (q1, q2):
        assert set(q["scores"]) == set(report["scores"])
        for dim in q["scores"].values():
            assert {"score", "basis", "evidence"} <= set(dim)
    assert q1["scores"]["delivery"]["score"] is None and "typed" in q1["scores"]["delivery"]["basis"]
    assert q2["scores"]["delivery"]["score"] in range(1, 6)
    # graded: each signal's place on its ladder, and the same scores inside the question's attempt
    for s in q1["signals"]:
        assert 1 <= s["level"] <= s["top"] and s["anchor"], s
    assert q1["attempts"][-1]["scores"] == q1["scores"]
    # the scripted follow-up probes what the Q2 answer missed
    follow = q2["turns"][1]
    assert follow["kind"] == "follow_up" and follow["origin"] == "scripted"
    assert follow["status"] == "unavailable"  # no 2-1 file
    (session,) = session_dirs(voicemock_home)
    for name in [
        "journal.jsonl",
        "debrief.json",
        "debrief.md",
        "audio/prove-it.answer.wav",
        "audio/define-success.question.wav",
        "transcripts/prove-it.json",
    ]:
        assert (session / name).is_file(), name
    transcript = json.loads((session / "transcripts/prove-it.json").read_text())
    assert transcript["words"] and transcript["words"][0]["start"] >= 0
    md = (session / "debrief.md").read_text()
    assert "## Scores" in md and "Top improvements" in md


def test_strong_and_weak_answers_score_differently_on_the_right_signal(
    tmp_path: Path, voicemock_home: Path
) -> None:
    reports = {}
    for label, text in [("strong", STRONG_1), ("weak", WEAK_1)]:
        answers = tmp_path / label
        answers.mkdir()
        (answers / "1.txt").write_text(text)
        done = run_answers(answers, voicemock_home)
        assert done.returncode == 0, done.stderr
        reports[label] = json.loads(done.stdout)
    # typed answers only: delivery is not judged (no score rather than an invented 5/5)
    assert reports["strong"]["scores"]["delivery"]["score"] is None
    strong = {s["id"]: s["shown"] for s in reports["strong"]["questions"][0]["signals"]}
    weak = {s["id"]: s["shown"] for s in reports["weak"]["questions"][0]["signals"]}
    assert strong["user_problem"] and not weak["user_problem"]
    assert strong["success_metric"] and not weak["success_metric"]
    assert (
        reports["strong"]["scores"]["product_sense"]["score"]
        > reports["weak"]["scores"]["product_sense"]["score"]
    )
    # the weak answer's follow-up asks about the user problem, in the persona's words
    follow = reports["weak"]["questions"][0]["turns"][1]
    assert follow["kind"] == "follow_up" and "who is hurt" in follow["text"]


def test_scenarios_command_lists_and_validates(tmp_path: Path, voicemock_home: Path) -> None:
    done = run("scenarios", home=voicemock_home)
    assert done.returncode == 0, done.stderr
    assert "fraud-success-metrics" in done.stdout
    bad = tmp_path / "mine"
    bad.mkdir()
    (bad / "broken.toml").write_text('title = "x"\nround = "nope"\n')
    done = run("--scenarios", str(bad), "scenarios", home=voicemock_home)
    assert done.returncode == 1
    assert "broken.toml:2" in done.stderr and "round" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "-s", "no-such-scenario", "--typed"], "no scenario called 'no-such-scenario'"),
        (
            ["run", "-s", "fraud-success-metrics", "--answers", "/nonexistent/dir"],
            "answer directory not found",
        ),
        (["show", "nope"], "no session 'nope'"),
        (["resume", "nope"], "no session 'nope'"),
    ],
)
def test_bad_input_gives_clear_errors(args: list[str], message: str, voicemock_home: Path) -> None:
    done = run(*args, home=voicemock_home)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_corrupt_silent_and_markup_answers_do_not_stop_the_interview(
    tmp_path: Path, voicemock_home: Path
) -> None:
    answers = tmp_path / "answers"
    answers.mkdir()
    (answers / "1.wav").write_bytes(b"RIFF\x00\x00garbage" * 50)
    silent_wav(answers / "1-1.wav", 3)
    (answers / "2.txt").write_text("[bold]I would run an experiment[/] with a holdout [red]group[/red].")
    done = run_answers(answers, voicemock_home)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    # one clear line, once: no errno, no library exception name
    assert done.stderr.count("1.wav: cannot decode this file (damaged, or not really WAV)") == 1, done.stderr
    assert "Errno" not in done.stderr and "InvalidDataError" not in done.stderr
    report = json.loads(done.stdout)
    turns = report["questions"][0]["turns"]
    assert turns[0]["status"] == "unavailable"
    q2 = report["questions"][1]["turns"][0]
    assert q2["answer"] == "[bold]I would run an experiment[/] with a holdout [red]group[/red]."
    assert (
        "[bold]I would run an experiment[/]" in (session_dirs(voicemock_home)[0] / "debrief.md").read_text()
    )


def test_silent_audio_answer_is_reported_as_no_speech(tmp_path: Path, voicemock_home: Path) -> None:
    answers = tmp_path / "answers"
    answers.mkdir()
    silent_wav(answers / "1.wav", 4)
    (answers / "2.txt").write_text("We would run an A/B test.")
    done = run_answers(answers, voicemock_home)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["questions"][0]["turns"][0]["status"] == "no_speech"


def _wait_for(predicate: object, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


def test_kill_mid_interview_leaves_a_resumable_session(tmp_path: Path, voicemock_home: Path) -> None:
    proc = start_voicemock(
        "run", "-s", "fraud-success-metrics", "--typed", "--no-speech", home=voicemock_home
    )
    assert proc.stdin is not None
    proc.stdin.write(STRONG_1 + "\n\n")
    proc.stdin.flush()

    def answered() -> bool:
        dirs = list((voicemock_home / "sessions").glob("*/journal.jsonl"))
        return bool(dirs) and '"event": "answer"' in dirs[0].read_text()

    _wait_for(answered)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    (session,) = session_dirs(voicemock_home)
    listed = run("sessions", home=voicemock_home)
    assert "unfinished" in listed.stdout and f"voicemock resume {session.name}" in listed.stdout
    # resume answers the rest from files and finishes
    answers = tmp_path / "answers"
    answers.mkdir()
    (answers / "2.txt").write_text("I would run an A/B test with a holdout group.")
    done = run(
        "resume", session.name, "--answers", str(answers), "--json", "--no-speech", home=voicemock_home
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    first = report["questions"][0]["turns"][0]
    assert first["answer"] == STRONG_1 and first["source"] == "typed"
    assert report["questions"][1]["turns"][0]["answer"].startswith("I would run an A/B test")
    assert "finished" in run("sessions", home=voicemock_home).stdout


def test_ctrl_c_says_how_to_resume(voicemock_home: Path) -> None:
    proc = start_voicemock(
        "run", "-s", "fraud-success-metrics", "--typed", "--no-speech", home=voicemock_home
    )
    _wait_for(lambda: list((voicemock_home / "sessions").glob("*/journal.jsonl")))
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=20)
    assert proc.returncode == 130
    assert "voicemock resume" in err and "Traceback" not in err


def test_doctor_reports_each_part(voicemock_home: Path) -> None:
    done = run("doctor", home=voicemock_home)
    assert "speech (espeak-ng)" in done.stdout and "speech-to-text (Whisper)" in done.stdout
    assert "[ok  ] speech-to-text (Whisper)" in done.stdout
    assert "Traceback" not in done.stderr


def test_missing_microphone_falls_back_to_typed_answers(voicemock_home: Path) -> None:
    done = run(
        "run",
        "-s",
        "fraud-success-metrics",
        "--no-speech",
        "--json",
        home=voicemock_home,
        env={"VOICEMOCK_AUDIO__INPUT_DEVICE": "no-such-mic"},
        input=STRONG_1 + "\n\nWe would run an A/B test.\n\n",
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Microphone unavailable" in done.stderr
    assert (
        "no-such-mic" in done.stderr or "no audio input device found" in done.stderr
    )  # no devices at all here
    assert "using typed answers" in done.stderr and "Traceback" not in done.stderr
    report = json.loads(done.stdout)
    assert report["inputs"]["answers"] == "typed answers"
    assert report["questions"][0]["turns"][0]["source"] == "typed"


def test_typed_commands_repeat_skip_and_end(voicemock_home: Path) -> None:
    done = run(
        "run",
        "-s",
        "fraud-success-metrics",
        "--typed",
        "--no-speech",
        "--json",
        input="/repeat\n/skip\nWe would run an A/B test with a holdout group.\n\n/end\n",
        home=voicemock_home,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["ended"] == "ended early"
    assert done.stderr.count("We're launching a new model") == 2  # asked again after /repeat
    q1, q2 = report["questions"]
    assert [t["status"] for t in q1["turns"]] == ["skipped"]
    assert q2["turns"][0]["status"] == "answered" and q2["turns"][0]["source"] == "typed"
    assert q2["turns"][-1]["status"] == "skipped" and q2["turns"][-1]["kind"] == "follow_up"
