"""A tailored scenario written by a language model: the real `openai` client against a local
OpenAI-compatible server (tests/llm_server.py), its checks, and every way it can fail back to offline."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import run_voicemock
from llm_server import FakeLLMServer, closed_port
from voicemock import paths
from voicemock.backends import build_scenario_writer
from voicemock.config import Settings
from voicemock.scenario import ScenarioSet, load_scenario
from voicemock.tailor_llm import CV_CLOSE, CV_OPEN, JOB_OPEN
from voicemock.tailoring import read_material, tailored_scenario

FIXTURES = Path(__file__).parent / "data" / "tailor"
CV = FIXTURES / "01-senior-fintech" / "cv.md"
JOB = FIXTURES / "01-senior-fintech" / "job.txt"
CLAIM = "cutting fraud losses 31% in the first two quarters while keeping false declines flat"
REQUIREMENT = "Run controlled experiments and shadow launches before any model change goes live"


def _draft(**changes: Any) -> dict[str, Any]:
    draft: dict[str, Any] = {
        "title": "Recruiter screen for Northwind's fraud ML role",
        "description": "A recruiter checks your fraud ML story against what Northwind asks for.",
        "intro": "Hi, I'm Sam from Northwind's talent team. Let's talk about your fraud work.",
        "outro": "Thanks, that's everything I needed.",
        "persona": {
            "name": "Sam Carter",
            "role": "Recruiter, Northwind Bank",
            "temperament": "friendly, brisk, wants specifics",
            "pushback": "gentle",
            "audience": "general",
        },
        "questions": [
            {
                "text": f'Your CV says you were "{CLAIM}". How did you know the model caused that?',
                "based_on": [CLAIM],
                "signals": [
                    {"id": "experiment", "follow_up": "What did you compare it against, and for how long?"},
                    {"id": "personal_ownership", "follow_up": "Which decisions in that were yours?"},
                    {"id": "nonsense_signal", "follow_up": "What is your favourite colour?"},
                ],
            },
            {
                "text": f'Northwind wants you to "{REQUIREMENT}". Tell me how you have done that.',
                "based_on": [REQUIREMENT],
                "signals": [{"id": "failure_mode", "follow_up": "What would make you stop a launch?"}],
            },
            {
                "text": "Why do you want to leave your current role?",
                "based_on": [],
                "signals": [{"id": "motivation", "follow_up": "What draws you to this team in particular?"}],
            },
        ],
    }
    draft.update(changes)
    return draft


def _settings(url: str, timeout: float = 10.0) -> Settings:
    settings = Settings()
    settings.llm.coach = "openai"
    settings.llm.base_url = url
    settings.llm.model = "test-model"
    settings.tailor.llm_timeout = timeout
    return settings


def _tailor(settings: Settings, said: list[str]) -> Any:
    material = read_material(CV, JOB)
    assert material is not None
    base = ScenarioSet([paths.shipped_scenarios_dir()]).get("recruiter-screen")
    return tailored_scenario(base, material, settings, build_scenario_writer(settings), said.append)


def test_the_model_writes_a_checked_scenario_file_the_user_can_edit(voicemock_home: Path) -> None:
    said: list[str] = []
    with FakeLLMServer(reply=json.dumps(_draft())) as server:
        result = _tailor(_settings(server.url), said)
        requests = list(server.requests)
    assert result.method == "llm:test-model"
    saved = next((voicemock_home / "scenarios").glob("recruiter-screen-tailored-*.toml"))
    assert saved.read_text().startswith("# Written by voicemock with test-model from cv.md and job.txt.")
    loaded = load_scenario(saved)  # an ordinary scenario file, validated by the same loader
    assert loaded.id == saved.stem == result.scenario.id
    assert loaded.round == "recruiter-screen" and loaded.persona.voice.espeak == "en-us+f2"
    q1, q2, q3 = loaded.questions
    assert q1.based_on[0].quote == CLAIM and q1.based_on[0].where == "line 15"
    assert q2.based_on[0].document == "job" and q2.based_on[0].file == "job.txt"
    assert not q3.based_on
    assert [r.id for r in q1.signals] == ["experiment", "personal_ownership"]  # unknown ids dropped
    assert result.questions == 2
    assert any("Saved the tailored scenario" in s for s in said)
    # The model was asked with the CV and job description as delimited data, on this machine.
    assert said[0].startswith("Writing a tailored scenario with test-model on this machine")
    body = requests[0]["body"]
    user = body["messages"][1]["content"]
    assert CV_OPEN in user and CV_CLOSE in user and JOB_OPEN in user and "Lumen Pay" in user
    assert body["response_format"]["type"] == "json_schema"
    # The user's edits are kept: the same files, round and model reuse the file without a new request.
    saved.write_text(saved.read_text().replace("Sam Carter", "Sam Edited"), encoding="utf-8")
    with FakeLLMServer(mode="500") as server:
        again = _tailor(_settings(server.url), said)
        assert not server.requests
    assert again.scenario.persona.name == "Sam Edited"
    shown = ScenarioSet([paths.shipped_scenarios_dir(), paths.user_scenarios_dir()])
    assert saved.stem in shown.scenarios  # listed with the user's scenarios from now on


def test_invented_facts_are_dropped(voicemock_home: Path) -> None:
    draft = _draft()
    draft["questions"][0]["text"] = 'Your CV says you "cut fraud losses 45% in a quarter". How?'
    draft["questions"][0]["based_on"] = ["cut fraud losses 45% in a quarter"]
    draft["questions"][2]["text"] = "You grew revenue 300% at Lumen Pay. What was your part?"
    said: list[str] = []
    with FakeLLMServer(reply=json.dumps(draft)) as server:
        result = _tailor(_settings(server.url), said)
    # two of three questions invented something: too few left, so the session is tailored offline
    assert result.method == "offline"
    assert any("tailoring offline instead" in s and "not in the CV" in s for s in said), said
    assert not list((voicemock_home / "scenarios").glob("*.toml"))

    draft["questions"][2]["text"] = "Why do you want to leave your current role?"
    with FakeLLMServer(reply=json.dumps(draft)) as server:
        result = _tailor(_settings(server.url), said)
    assert result.method == "llm:test-model" and len(result.scenario.questions) == 2
    assert any("Left out question 1" in s for s in said)
    assert all("45%" not in q.text for q in result.scenario.questions)


@pytest.mark.parametrize(
    ("mode", "reply", "reason"),
    [
        ("500", "", "HTTP 500"),
        ("429", "", "rate limited"),
        ("malformed", "", ""),
        ("truncated", json.dumps(_draft()), "stream ended before the reply was complete"),
        ("ok", "I'm sorry, I can't write that.", "the reply is not a scenario"),
        ("ok", json.dumps({"questions": []}), "the reply is not a scenario"),
        ("ok", json.dumps(_draft(questions=[])), "only 0 usable question(s)"),
    ],
)
def test_any_failure_falls_back_to_offline_tailoring(
    voicemock_home: Path, mode: str, reply: str, reason: str
) -> None:
    said: list[str] = []
    with FakeLLMServer(reply=reply, mode=mode) as server:
        result = _tailor(_settings(server.url), said)
        assert server.requests
    assert result.method == "offline" and result.questions == 3  # the offline slots still apply
    failure = next(s for s in said if "tailoring offline instead" in s)
    assert reason in failure
    assert not list((voicemock_home / "scenarios").glob("*.toml"))


def test_slow_and_unreachable_endpoints_fall_back_within_the_timeout(voicemock_home: Path) -> None:
    said: list[str] = []
    with FakeLLMServer(reply=json.dumps(_draft()), mode="drip") as server:
        server.drip_interval = 0.5
        started = time.monotonic()
        result = _tailor(_settings(server.url, timeout=1.5), said)
        elapsed = time.monotonic() - started
    assert result.method == "offline" and elapsed < 4
    assert any("no complete reply within 1.5 s" in s for s in said), said
    said.clear()
    result = _tailor(_settings(f"http://127.0.0.1:{closed_port()}/v1"), said)
    assert result.method == "offline" and any("cannot reach" in s for s in said)


def test_a_remote_endpoint_is_announced_before_the_cv_is_sent(voicemock_home: Path) -> None:
    said: list[str] = []
    seen_at_notice: list[int] = []
    with FakeLLMServer(reply=json.dumps(_draft())) as server:

        def say(text: str) -> None:
            said.append(text)
            seen_at_notice.append(len(server.requests))

        # 2130706433 is 127.0.0.1 written as one number: it reaches the local server, but the program
        # cannot tell it is local, which is exactly how a remote endpoint looks to it.
        settings = _settings(f"http://2130706433:{server.port}/v1")
        assert settings.llm.is_remote()
        material = read_material(CV, JOB)
        assert material is not None
        base = ScenarioSet([paths.shipped_scenarios_dir()]).get("recruiter-screen")
        result = tailored_scenario(base, material, settings, build_scenario_writer(settings), say)
        assert server.requests
    assert result.method == "llm:test-model"
    assert said[0] == (
        "Your CV cv.md and job description job.txt will be sent to 2130706433 (test-model) to write a "
        "tailored scenario (set tailor.llm = false to keep them on this machine)."
    )
    assert seen_at_notice[0] == 0  # said before the first request


def test_tailor_llm_off_keeps_the_cv_local_but_says_quotes_go_with_answers(voicemock_home: Path) -> None:
    said: list[str] = []
    with FakeLLMServer(reply=json.dumps(_draft())) as server:
        settings = _settings(f"http://2130706433:{server.port}/v1")
        settings.tailor.llm = False
        assert build_scenario_writer(settings) is None
        result = _tailor(settings, said)
        assert not server.requests
    assert result.method == "offline"
    assert any("quote your CV cv.md and job description job.txt" in s and "2130706433" in s for s in said)


def test_the_whole_command_with_an_llm_written_scenario(tmp_path: Path, voicemock_home: Path) -> None:
    answers = tmp_path / "answers"
    answers.mkdir()
    for n in (1, 2, 3):
        (answers / f"{n}.txt").write_text("I compared it with a holdout group for two quarters.")
    env = {
        "VOICEMOCK_LLM__COACH": "openai",
        "VOICEMOCK_LLM__MODEL": "test-model",
        "VOICEMOCK_LLM__TIMEOUT": "2",
        "VOICEMOCK_LLM__NOTES": "false",
    }
    with FakeLLMServer(reply=json.dumps(_draft())) as server:
        env["VOICEMOCK_LLM__BASE_URL"] = server.url
        args = ("run", "-s", "recruiter-screen", "--answers", str(answers), "--json", "--no-speech")
        done = run_voicemock(
            *args, "--cv", str(CV), "--job", str(JOB), home=voicemock_home, env=env, timeout=180
        )
    assert done.returncode == 0, done.stderr
    assert "Tailored: 2 of 3 questions from cv.md, job.txt (llm:test-model)." in done.stderr
    report = json.loads(done.stdout)
    assert report["scenario"]["id"].startswith("recruiter-screen-tailored-")
    assert report["questions"][0]["text"].startswith("Your CV says you were")
    assert report["questions"][0]["tailored_from"][0]["where"] == "line 15"
