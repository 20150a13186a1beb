"""The LLM fault matrix: the real ``openai`` client against a local server that misbehaves in every way we
know, each failure with its own honest reason, plus a hung server at the default timeouts through the real
command (notes that show progress and are skipped with Ctrl-C, and a debrief that says so).
"""

from __future__ import annotations

import json
import queue
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from conftest import run_voicemock, start_voicemock
from llm_server import FakeLLMServer, closed_port
from test_llm_coach import GOOD, KEY, make_coach, make_request
from voicemock import paths
from voicemock.errors import CoachError
from voicemock.llm_guard import clean_note, follow_up_problem
from voicemock.protocols import NotesRequest
from voicemock.scenario import Scenario, load_scenario

TIMEOUT = 0.6

#: mode -> the reason the user is given, streamed and not (timeouts name the configured seconds)
MATRIX = {
    "500": (r"HTTP 500: internal error", r"HTTP 500: internal error"),
    "429": (r"rate limited \(HTTP 429\)", r"rate limited \(HTTP 429\)"),
    "malformed": (r"invalid reply \(", r"invalid reply \("),
    "truncated": (r"stream ended before the reply was complete", r"broken reply from http://127\.0\.0\.1:\d+/v1"),
    "reset": (r"broken reply from .* \(ReadError\)", r"broken reply from .* \(ReadError\)"),
    "eof": (r"broken reply from .* \(RemoteProtocolError\)", r"broken reply from .* \(RemoteProtocolError\)"),
    "garbage": (r"broken reply from .* \(RemoteProtocolError\)", r"broken reply from .* \(RemoteProtocolError\)"),
    "hang": (rf"no reply within {TIMEOUT:g} s", rf"no reply within {TIMEOUT:g} s"),
    "drip": (rf"no complete reply within {TIMEOUT:g} s", rf"no complete reply within {TIMEOUT:g} s"),
    "huge": (r"reply longer than [\d,]+ characters; stopped reading", r"reply larger than 2 MB; stopped reading"),
}


@pytest.fixture()
def scenario() -> Scenario:
    return load_scenario(paths.shipped_scenarios_dir() / "fraud-success-metrics.toml")


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "plain"])
@pytest.mark.parametrize("mode", sorted(MATRIX))
def test_each_fault_has_its_own_reason(scenario: Scenario, mode: str, stream: bool) -> None:
    with FakeLLMServer(reply=GOOD, mode=mode) as server:
        server.drip_interval = 0.15
        if mode == "drip":
            server.reply = GOOD * 3
        coach = make_coach(server.url, timeout=TIMEOUT, stream=stream)
        request = make_request(scenario)
        started = time.monotonic()
        follow_up = coach.follow_up(request)
        elapsed = time.monotonic() - started
    assert follow_up is not None and follow_up.origin.startswith("scripted (fallback: ")
    expected = MATRIX[mode][0 if stream else 1]
    assert re.search(expected, coach.last_error or ""), coach.last_error
    assert elapsed < TIMEOUT + 1.5, f"{mode}: {elapsed:.2f} s"
    assert KEY not in (coach.last_error or "")


def test_unreachable_is_not_called_a_timeout(scenario: Scenario) -> None:
    coach = make_coach(f"http://127.0.0.1:{closed_port()}/v1", timeout=TIMEOUT)
    coach.follow_up(make_request(scenario))
    assert re.fullmatch(r"cannot reach http://127\.0\.0\.1:\d+/v1 \(ConnectError\)", coach.last_error or "")


def test_hung_notes_name_the_notes_timeout_and_can_be_cancelled(scenario: Scenario) -> None:
    request = make_request(scenario)
    turns = ((request.prompt, request.answer),)
    with FakeLLMServer(reply=GOOD, mode="hang") as server:
        coach = make_coach(server.url, timeout=TIMEOUT, notes_timeout=1.5)
        with pytest.raises(CoachError, match=r"^no reply within 1.5 s$"):  # not the follow-up's 0.6 s
            coach.notes(NotesRequest(scenario, turns))
        skip = NotesRequest(scenario, turns)
        threading.Timer(0.3, skip.cancel.set).start()
        started = time.monotonic()
        with pytest.raises(CoachError, match="skipped by the user"):
            coach.notes(skip)
        assert time.monotonic() - started < 1.0


@pytest.mark.parametrize(
    ("question", "problem"),
    [
        ("What would [bold red]you[/] measure first, and why?", "markup"),
        ("Which metric would you show? See [link=file:///etc/passwd]the doc[/link].", "a link"),
        ("Which metric would you show on https://example.com first?", "a link"),
        ("Which number would you watch, and why? <script>x</script>", "markup"),
        ("Which number would you watch\x1b]0;owned\x07 first?", "control characters"),
        ("Which number would you watch\u202e first?", "control characters"),
    ],
)
def test_markup_links_and_control_characters_are_rejected(
    scenario: Scenario, question: str, problem: str
) -> None:
    assert follow_up_problem(question, scenario.questions[0].text, scenario.persona) == problem
    reply = json.dumps({"action": "ask", "signal": "success_metric", "question": question})
    with FakeLLMServer(reply=reply) as server:
        coach = make_coach(server.url)
        follow_up = coach.follow_up(make_request(scenario))
    assert follow_up is not None and follow_up.origin == f"scripted (fallback: rejected reply ({problem}))"


def test_notes_with_links_or_markup_are_dropped() -> None:
    assert clean_note("Say the number first.  Then the trade-off.") == "Say the number first. Then the trade-off."
    assert clean_note("Read [link=https://x.io]this[/link] first.") == ""
    assert clean_note("Tip:\x1b[2J start with the user.") == ""


def _read_lines(stream: object, into: queue.Queue[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        into.put(line)


def test_hung_server_at_default_timeouts_through_the_command(tmp_path: Path, voicemock_home: Path) -> None:
    """Default settings (8 s follow-ups, 60 s notes) against a server that never answers: each follow-up
    falls back at 8 s with the right reason, said once; the notes wait shows progress and Ctrl-C skips it;
    the debrief records why it has no notes; no raw log line reaches stderr."""
    answers = tmp_path / "answers"
    answers.mkdir()
    (answers / "1.txt").write_text("I'd look at fraud caught.")
    (answers / "2.txt").write_text("An A/B test with a holdout group for four weeks, comparing losses.")
    env = {
        "VOICEMOCK_LLM__COACH": "openai",
        "VOICEMOCK_LLM__MODEL": "test-model",
        "OPENAI_API_KEY": KEY,
    }
    with FakeLLMServer(reply=GOOD, mode="hang") as server:
        env["VOICEMOCK_LLM__BASE_URL"] = server.url
        args = ("run", "-s", "fraud-success-metrics", "--answers", str(answers), "--json", "--no-speech")
        proc = start_voicemock(*args, home=voicemock_home, env=env, stdin=subprocess.DEVNULL)
        lines: queue.Queue[str] = queue.Queue()
        assert proc.stderr is not None
        threading.Thread(target=_read_lines, args=(proc.stderr, lines), daemon=True).start()
        seen: list[str] = []
        started = time.monotonic()
        asked_at = None
        while time.monotonic() - started < 120:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                continue
            seen.append(line)
            if "for debrief notes" in line:
                asked_at = time.monotonic()
                break
        assert asked_at is not None, "".join(seen)
        time.sleep(1.5)
        proc.send_signal(signal.SIGINT)  # skip the notes: the interview itself is over and saved
        out, _rest = proc.communicate(timeout=30)
        skipped_in = time.monotonic() - asked_at
        while not lines.empty():
            seen.append(lines.get())
    err = "".join(seen)
    assert proc.returncode == 0, err
    assert skipped_in < 6, f"notes took {skipped_in:.1f} s after Ctrl-C"
    assert "Ctrl-C skips them" in err
    assert err.count("did not answer in time or well (no reply within 8 s)") == 1, err
    assert "llm:test-model follow-up failed" not in err and "Traceback" not in err
    report = json.loads(out)
    follow = report["questions"][0]["turns"][1]
    assert follow["origin"] == "scripted (fallback: no reply within 8 s)"
    skipped = r"No notes from the llm:test-model coach: skipped after \d+ s \(you pressed Ctrl-C\)\."
    assert any(re.match(skipped, n) for n in report["notes"]), report["notes"]
    (session,) = (voicemock_home / "sessions").iterdir()
    assert re.search(skipped, (session / "debrief.md").read_text())


def test_notes_failure_reason_reaches_the_debrief(tmp_path: Path, voicemock_home: Path) -> None:
    answers = tmp_path / "answers"
    answers.mkdir()
    (answers / "1.txt").write_text("I'd look at fraud caught.")
    env = {
        "VOICEMOCK_LLM__COACH": "openai",
        "VOICEMOCK_LLM__MODEL": "test-model",
        "VOICEMOCK_LLM__TIMEOUT": "1",
        "OPENAI_API_KEY": KEY,
    }
    with FakeLLMServer(reply=GOOD, mode="500") as server:
        env["VOICEMOCK_LLM__BASE_URL"] = server.url
        args = ("run", "-s", "fraud-success-metrics", "--answers", str(answers), "--json", "--no-speech")
        done = run_voicemock(*args, home=voicemock_home, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    notes = json.loads(done.stdout)["notes"]
    assert any(n.startswith("No notes from the llm:test-model coach: HTTP 500") for n in notes), notes
    assert done.stderr.count("did not answer in time or well (HTTP 500") == 1, done.stderr  # said once
    assert "follow-up failed" not in done.stderr  # and no log line of its own
