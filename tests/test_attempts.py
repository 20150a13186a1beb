"""Trying a question again: the engine, the journal, the debrief's attempts side by side, and the commands
``retry``, ``show`` and ``progress --question`` run as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import SCENARIOS, run_voicemock, speak_to_wav
from voicemock.backends.scripted_coach import ScriptedCoach
from voicemock.compare import changes
from voicemock.debrief import SCHEMA, AttemptReport, Debrief, build, quote_times
from voicemock.interview import Interview
from voicemock.models import PromptKind, Transcript, Word
from voicemock.scenario import Scenario, load_scenario

WEAK_1 = "I would look at how many fraud cases we catch."
STRONG_1 = (
    "The people hurt today are cardholders who find charges they never made, and honest shoppers whose "
    "payments we wrongly decline. Success means fraud losses fall by twenty percent while the approval rate "
    "stays above ninety eight percent. We trade off a little recall for precision, because blocking good "
    "customers churns them, and a false decline costs us the sale."
)
ANSWER_2 = "We would run an A/B test with a holdout and monitor the decline rate weekly."


@pytest.fixture
def fraud() -> Scenario:
    return load_scenario(SCENARIOS / "fraud-success-metrics.toml")


def test_retry_mid_interview_is_a_new_attempt_and_the_interview_carries_on(fraud: Scenario) -> None:
    iv = Interview(fraud, ScriptedCoach())
    iv.start()
    follow_up = iv.answer(Transcript(WEAK_1))
    assert follow_up is not None and follow_up.kind is PromptKind.FOLLOW_UP
    assert iv.retry_target() == 1
    again = iv.retry(1)  # the pending follow-up is withdrawn
    assert again.id == "define-success.a2" and again.attempt == 2 and again.number == 1
    nxt = iv.answer(Transcript(WEAK_1))
    # the new attempt has its own follow-ups, judged on its own answers
    assert nxt is not None and nxt.id == "define-success.a2.f1" and nxt.attempt == 2
    while nxt is not None and nxt.number == 1:
        nxt = iv.answer(Transcript(STRONG_1))
    assert nxt is not None and nxt.number == 2 and nxt.attempt == 1  # on to the next question
    ids = [t.prompt.id for t in iv.turns]
    assert ids[0] == "define-success" and "define-success.a2" in ids
    assert "define-success.f1" not in ids  # withdrawn, never answered


def test_retry_after_the_end_ends_again_for_the_same_reason(fraud: Scenario) -> None:
    iv = Interview(fraud, ScriptedCoach())
    iv.start()
    iv.answer(Transcript(STRONG_1))
    iv.end()
    assert iv.ended == "ended early"
    iv.retry(1)
    assert iv.ended is None and iv.after_retry == "ended early"
    nxt = iv.answer(Transcript(STRONG_1))
    while nxt is not None:
        nxt = iv.answer(Transcript(STRONG_1))
    assert iv.ended == "ended early"  # not dragged on to question 2
    assert iv.outro() is None


def test_retry_rejects_a_question_that_does_not_exist(fraud: Scenario) -> None:
    iv = Interview(fraud, ScriptedCoach())
    iv.start()
    with pytest.raises(ValueError):
        iv.retry(3)


def test_quote_times_come_from_word_timings() -> None:
    words = (
        Word("Um,", 0.0, 0.3),
        Word("we", 0.4, 0.5),
        Word("run", 0.5, 0.7),
        Word("an", 0.7, 0.8),
        Word("A/B", 0.8, 1.2),
        Word("test.", 1.2, 1.6),
        Word("It's", 2.0, 2.2),
        Word("cheap.", 2.2, 2.6),
    )
    spoken = Transcript("Um, we run an A/B test. It's cheap.", words, 3.0, "whisper:tiny.en")
    assert quote_times("we run an A/B test.", spoken) == (0.4, 1.6)
    assert quote_times("It\u2019s cheap.", spoken) == (2.0, 2.6)
    assert quote_times("not said", spoken) is None
    assert quote_times("It's cheap.", Transcript("It's cheap.")) is None  # typed: no timings


def _attempt(signals: dict[str, bool], stats: dict[str, float] | None) -> AttemptReport:
    return AttemptReport(
        1,
        "",
        [{"id": k, "label": k.replace("_", " ").capitalize(), "shown": v} for k, v in signals.items()],
        stats,
    )


def test_what_changed_names_signals_and_delivery() -> None:
    before = _attempt(
        {"success_metric": False, "tradeoff": True},
        {"words": 40, "wpm": 190.0, "fillers_per_min": 9.0, "hedges": 3, "longest_pause": 7.0},
    )
    after = _attempt(
        {"success_metric": True, "tradeoff": False},
        {"words": 120, "wpm": 150.0, "fillers_per_min": 3.0, "hedges": 3, "longest_pause": 2.1},
    )
    assert changes(before, after) == [
        "now success metric",
        "no longer tradeoff",
        "fillers 9/min \u2192 3/min",
        "pace 190 \u2192 150 wpm",
        "length 40 \u2192 120 words",
        "longest pause 7.0 s \u2192 2.1 s",
    ]
    assert changes(after, after) == []


def test_debrief_keeps_every_attempt_and_scores_the_latest(fraud: Scenario) -> None:
    iv = Interview(fraud, ScriptedCoach())
    iv.start()
    iv.answer(Transcript(WEAK_1))
    iv.retry(1)
    prompt = iv.answer(Transcript(STRONG_1))
    while prompt is not None and prompt.number == 1:
        prompt = iv.answer(Transcript(STRONG_1))
    iv.end()
    report = build(
        fraud,
        iv.turns,
        session_id="s",
        started_at="2026-01-05T10:00:00+00:00",
        ended="ended early",
        inputs={},
    )
    q1 = report.questions[0]
    assert [a.attempt for a in q1.attempts] == [1, 2]
    assert q1.signals == q1.attempts[-1].signals  # the session's scores use the latest attempt
    assert sum(s["shown"] for s in q1.attempts[1].signals) > sum(s["shown"] for s in q1.attempts[0].signals)
    assert any(c.startswith("now ") for c in q1.attempts[1].changes)
    assert {t.attempt for t in q1.turns} == {1, 2}
    again = Debrief.from_dict(json.loads(report.to_json()))
    assert again.questions[0].attempts[1].changes == q1.attempts[1].changes


def test_a_schema_1_debrief_reads_as_one_attempt() -> None:
    old = {
        "session": "old",
        "schema": 1,
        "scores": {"delivery": {"score": 4, "label": "Delivery", "basis": "x"}},
        "questions": [
            {
                "id": "q",
                "number": 1,
                "text": "Why?",
                "signals": [{"id": "a", "label": "A", "shown": True, "evidence": []}],
                "turns": [
                    {
                        "prompt_id": "q",
                        "kind": "question",
                        "text": "Why?",
                        "origin": "scenario",
                        "status": "answered",
                        "answer": "Because.",
                        "source": "typed",
                        "audio": None,
                        "question_audio": None,
                        "stats": {
                            "words": 1,
                            "seconds": None,
                            "wpm": None,
                            "fillers": 0,
                            "fillers_per_min": None,
                        },
                    }
                ],
            }
        ],
    }
    report = Debrief.from_dict(old)
    (attempt,) = report.questions[0].attempts
    assert attempt.attempt == 1 and attempt.signals[0]["shown"] and attempt.stats["words"] == 1


def _answers(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


def test_retry_command_show_and_progress(tmp_path: Path, voicemock_home: Path) -> None:
    first = _answers(tmp_path / "first", {"1.txt": WEAK_1, "2.txt": ANSWER_2})
    done = run_voicemock(
        "run", "-s", "fraud-success-metrics", "--answers", str(first), "--no-speech", home=voicemock_home
    )
    assert done.returncode == 0, done.stderr
    (session,) = (voicemock_home / "sessions").iterdir()
    before = {p.name: p.read_bytes() for p in (session / "transcripts").iterdir()}

    # the new attempt is spoken: real Whisper, so its quotes carry times in its own audio file
    second = tmp_path / "second"
    speak_to_wav(STRONG_1, second / "1.wav")
    again = run_voicemock(
        "retry", session.name, "--question", "1", "--answers", str(second), "--no-speech", home=voicemock_home
    )
    assert again.returncode == 0, again.stderr
    assert "Traceback" not in again.stderr
    assert (
        "attempt 2" in again.stdout and "Side by side" in again.stdout and "What changed: now" in again.stdout
    )

    # nothing was overwritten, and the journal records the retry and the attempt's prompt
    for name, data in before.items():
        assert (session / "transcripts" / name).read_bytes() == data
    assert (session / "audio" / "define-success.a2.answer.wav").is_file()
    events = [json.loads(line) for line in (session / "journal.jsonl").read_text().splitlines()]
    retry = next(e for e in events if e["event"] == "retry")
    assert retry["question"] == 1 and retry["attempt"] == 2 and retry["after"] == "completed"
    assert events[-1]["event"] == "debrief"

    report = json.loads((session / "debrief.json").read_text())
    assert report["schema"] == SCHEMA
    q1 = report["questions"][0]
    first_attempt, second_attempt = q1["attempts"]
    # each attempt has its own per-question scores; the question's are the latest attempt's
    assert first_attempt["scores"]["product_sense"]["score"] < second_attempt["scores"]["product_sense"]["score"]
    assert q1["scores"] == second_attempt["scores"]
    assert "product sense" in " ".join(second_attempt["changes"])
    assert second_attempt["scores"]["delivery"]["score"] in range(1, 6)  # spoken: judged
    assert first_attempt["scores"]["delivery"]["score"] is None  # typed: not judged
    assert first_attempt["attempt"] == 1 and second_attempt["attempt"] == 2 and second_attempt["changes"]
    timed = [e for s in second_attempt["signals"] for e in s["evidence"]]
    assert timed and all(e["start"] is not None and e["end"] > e["start"] for e in timed)
    assert all(e["start"] is None for s in first_attempt["signals"] for e in s["evidence"])  # typed

    shown = run_voicemock("show", session.name, home=voicemock_home)
    assert "| Attempt 1 | Attempt 2 |" in shown.stdout and "What changed" in shown.stdout

    progress = run_voicemock("progress", "--question", "define-success", home=voicemock_home)
    assert progress.returncode == 0, progress.stderr
    lines = progress.stdout.splitlines()
    start = lines.index(f"session {session.name}")
    assert [line.split()[2] for line in lines[start + 1 : start + 3]] == ["1", "2"]  # the "try" column
    assert lines[start + 3].strip().startswith("what changed: now")

    sessions = run_voicemock("sessions", "--json", home=voicemock_home)
    assert json.loads(sessions.stdout)[0]["retries"] == 1


def test_retry_command_errors_are_plain(tmp_path: Path, voicemock_home: Path) -> None:
    first = _answers(tmp_path / "first", {"1.txt": WEAK_1, "2.txt": ANSWER_2})
    run_voicemock(
        "run", "-s", "fraud-success-metrics", "--answers", str(first), "--no-speech", home=voicemock_home
    )
    (session,) = (voicemock_home / "sessions").iterdir()
    no_source = run_voicemock("retry", session.name, "--question", "1", home=voicemock_home)
    assert no_source.returncode == 2 and "--answers DIR or --typed" in no_source.stderr
    bad = run_voicemock(
        "retry", session.name, "-q", "7", "--answers", str(first), "--no-speech", home=voicemock_home
    )
    assert bad.returncode == 2 and "has no question 7" in bad.stderr and "Traceback" not in bad.stderr
    unknown = run_voicemock("progress", "--question", "no-such-question", home=voicemock_home)
    assert unknown.returncode == 2 and "no question 'no-such-question'" in unknown.stderr


def test_typed_retry_command_on_stdin(tmp_path: Path, voicemock_home: Path) -> None:
    first = _answers(tmp_path / "first", {"1.txt": WEAK_1, "2.txt": ANSWER_2})
    run_voicemock(
        "run", "-s", "fraud-success-metrics", "--answers", str(first), "--no-speech", home=voicemock_home
    )
    (session,) = (voicemock_home / "sessions").iterdir()
    done = run_voicemock(
        "retry",
        session.name,
        "-q",
        "2",
        "--typed",
        "--no-speech",
        home=voicemock_home,
        input=ANSWER_2 + " The risk is false declines, so we roll back if approvals drop.\n\n/end\n",
    )
    assert done.returncode == 0, done.stderr
    report = json.loads((session / "debrief.json").read_text())
    assert len(report["questions"][1]["attempts"]) == 2 and report["ended"] == "completed"
