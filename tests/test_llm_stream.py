"""Streamed plain-text follow-ups: the real ``openai`` client against a local server paced like a model.

What matters (issue 15): a follow-up is streamed plain text with no JSON mode or grammar; its first complete
sentence is handed on as soon as it arrives; reading stops at the question; at the deadline the connection
is closed so the server stops generating, and the next call does not queue behind an abandoned one; the
prompt stays inside its token budget; debrief notes never run alongside a follow-up.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from stream_server import PacedLLMServer, tokens
from test_llm_coach import ANSWER, make_coach, make_request
from voicemock import paths
from voicemock.interview import Interview
from voicemock.llm_guard import SentenceSplitter, sentence_problem
from voicemock.models import Prompt, PromptKind, Transcript
from voicemock.prompts import PROMPT_TOKEN_BUDGET, follow_up_text_messages, messages_tokens
from voicemock.protocols import FollowUpRequest, NotesRequest, StreamingCoach
from voicemock.rubric import assess
from voicemock.scenario import Scenario, ScenarioSet, load_scenario

LEAD = "Chargebacks are a good place to start."
QUESTION = "Which one number would you put on the launch dashboard, and what would good look like?"
#: more text after the question, which the coach must not wait for
CHATTER = " I am also curious about the approval rate, the false declines and the review queue. " * 8


@pytest.fixture()
def scenario() -> Scenario:
    return load_scenario(paths.shipped_scenarios_dir() / "fraud-success-metrics.toml")


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOICEMOCK_HOME", str(tmp_path))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


@pytest.fixture()
def hosted() -> Iterator[PacedLLMServer]:
    """Paced like a hosted model: the first token after 0.4 s, then 50 tokens a second."""
    with PacedLLMServer(f"{LEAD} {QUESTION}{CHATTER}", first_token=0.4, tokens_per_second=50) as server:
        yield server


def test_the_openai_coach_declares_streaming(hosted: PacedLLMServer) -> None:
    assert isinstance(make_coach(hosted.url), StreamingCoach)


def test_first_sentence_is_available_well_before_a_hosted_model_finishes(
    scenario: Scenario, hosted: PacedLLMServer
) -> None:
    coach = make_coach(hosted.url, timeout=8)
    heard: list[tuple[float, str]] = []
    request = make_request(scenario)
    started = time.monotonic()
    follow_up = coach.stream_follow_up(request, lambda s: heard.append((time.monotonic() - started, s)))
    done = time.monotonic() - started
    assert follow_up is not None and follow_up.origin == "llm:test-model"
    assert follow_up.text == f"{LEAD} {QUESTION}"
    assert [s for _, s in heard] == [LEAD, QUESTION]
    first = heard[0][0]
    # 0.4 s to the first token + 8 tokens at 50/s is about 0.56 s; the bound is generous for a loaded machine
    assert first < 1.5, f"first sentence after {first:.2f} s"
    assert first < done  # the lead-in was handed on before the question was complete
    body = hosted.served[0].body or {}
    assert body["stream"] is True and "response_format" not in body and "grammar" not in body
    # reading stopped at the question: the server saw the client leave long before its reply ended
    deadline = time.monotonic() + 2
    while hosted.served[0].ended is None and time.monotonic() < deadline:
        time.sleep(0.02)
    served = hosted.served[0]
    assert served.disconnected
    assert served.tokens_sent < len(tokens(hosted.reply)) // 2


def test_first_sentence_through_the_engine_after_the_transcript(
    scenario: Scenario, hosted: PacedLLMServer
) -> None:
    """The engine (rubric assessment, then the coach) hands the first sentence on within 1.5 s."""
    hosted.reply = QUESTION + CHATTER
    interview = Interview(scenario, make_coach(hosted.url, timeout=8))
    interview.start()
    interview.assessment(
        scenario.questions[0]
    )  # load the rubric's model first, as the session's preload does
    heard: list[float] = []
    started = time.monotonic()
    interview.on_sentence = lambda s: heard.append(time.monotonic() - started)
    nxt = interview.answer(Transcript(ANSWER))
    assert nxt is not None and nxt.text == QUESTION and nxt.origin == "llm:test-model"
    assert heard and heard[0] < 1.5, f"first sentence {heard[0]:.2f} s after the transcript"


def test_abandoned_at_the_deadline_closes_the_connection(scenario: Scenario) -> None:
    """A slow model (5 tokens/s, no question in sight) is abandoned at the deadline: the server sees the
    client leave at once and stops generating."""
    with PacedLLMServer(
        "Well. " + "So many things to say here " * 40, first_token=0.1, tokens_per_second=5
    ) as slow:
        coach = make_coach(slow.url, timeout=0.8)
        started = time.monotonic()
        follow_up = coach.follow_up(make_request(scenario))
        gave_up = time.monotonic() - started
        assert follow_up is not None and follow_up.origin.startswith("scripted (fallback: no complete reply")
        limit = time.monotonic() + 2
        while slow.served[0].ended is None and time.monotonic() < limit:
            time.sleep(0.02)
        served = slow.served[0]
        assert served.disconnected, "the server never saw the client leave"
        assert served.ended is not None and served.ended - started < gave_up + 0.5
        assert served.tokens_sent < 10  # generation stopped at the deadline, not at the end of the reply


def test_abandoned_before_the_first_token_closes_the_connection(scenario: Scenario) -> None:
    """Still processing the prompt at the deadline (no headers yet): the connection is closed too."""
    with PacedLLMServer(QUESTION, first_token=3.0) as slow:
        coach = make_coach(slow.url, timeout=0.6)
        started = time.monotonic()
        follow_up = coach.follow_up(make_request(scenario))
        assert follow_up is not None and follow_up.origin.startswith(
            "scripted (fallback: no reply within 0.6 s"
        )
        limit = time.monotonic() + 2
        while slow.served[0].ended is None and time.monotonic() < limit:
            time.sleep(0.02)
        assert slow.served[0].disconnected
        assert (slow.served[0].ended or 99) - started < 1.5


def test_the_next_call_does_not_queue_behind_an_abandoned_one(scenario: Scenario) -> None:
    """One slot, like llama.cpp's server: an abandoned request that kept generating would hold it."""
    long_reply = "Well. " + "So many things to say here " * 40
    with PacedLLMServer(long_reply, first_token=0.1, tokens_per_second=5) as server:
        coach = make_coach(server.url, timeout=0.8)
        first = coach.follow_up(make_request(scenario))
        assert first is not None and first.origin.startswith("scripted (fallback")
        server.reply, server.tokens_per_second = QUESTION, 50
        second = coach.follow_up(make_request(scenario))
        assert second is not None and second.origin == "llm:test-model", second.origin
        assert server.served[1].waited < 0.5


def test_notes_never_run_alongside_a_follow_up(scenario: Scenario) -> None:
    with PacedLLMServer(QUESTION, first_token=0.05, tokens_per_second=200) as server:
        coach = make_coach(server.url, timeout=4)
        interview = Interview(scenario, coach)
        prompt = interview.start()
        turns = []
        while prompt is not None and len(turns) < 4:
            turns.append((prompt, Transcript(ANSWER)))
            prompt = interview.answer(Transcript(ANSWER))
        coach.notes(NotesRequest(scenario, tuple(turns)))
        kinds = ["notes" if (s.body or {}).get("response_format") else "follow-up" for s in server.served]
        assert "notes" in kinds and kinds.index("notes") == len(kinds) - 1
        assert server.max_active == 1
        assert all(s.waited < 0.2 for s in server.served)


def test_the_prompt_stays_inside_its_token_budget(scenario: Scenario) -> None:
    long_answer = " ".join(["We shipped the checkout fraud model to shoppers in three markets."] * 300)
    request = make_request(scenario, answer=long_answer)
    messages = follow_up_text_messages(request)
    assert messages_tokens(messages) <= PROMPT_TOKEN_BUDGET
    assert "We shipped the checkout fraud model" in messages[1]["content"]
    short = follow_up_text_messages(make_request(scenario))
    assert ANSWER in short[1]["content"]  # an ordinary answer is sent whole
    assert messages_tokens(short) <= PROMPT_TOKEN_BUDGET


def test_every_shipped_question_fits_the_budget_even_for_a_skeptic() -> None:
    """The worst case: a skeptical persona (claims are quoted), two follow-ups already asked, a long answer."""
    claims = "It will cut fraud by 30% and lift approvals 12 points, a clear trade-off versus speed. " * 40
    for scenario in ScenarioSet([paths.shipped_scenarios_dir()]).scenarios.values():
        skeptic = scenario.persona.model_copy(update={"pushback": "hard", "temperament": "skeptical, blunt"})
        for question in scenario.questions:
            prompt = Prompt(question.id, question.id, PromptKind.QUESTION, question.text, 240, 1)
            assessment = assess(question, skeptic, [(prompt.id, claims)])
            asked = (
                "How would you know it worked, in one number, and what would good look like for you?",
            ) * 2
            request = FollowUpRequest(
                scenario,
                skeptic,
                question,
                prompt,
                Transcript(claims),
                assessment,
                tuple(s.id for s in question.signals),
                asked,
            )
            messages = follow_up_text_messages(request)
            assert messages_tokens(messages) <= PROMPT_TOKEN_BUDGET, (scenario.id, question.id)
            assert "It will cut fraud by 30%" in messages[1]["content"]


def test_sentences_are_split_as_they_stream() -> None:
    splitter = SentenceSplitter()
    got: list[str] = []
    for piece in tokens("It grew 3.5 percent. Great! Which metric, e.g. approval rate, matters? Rest"):
        got += splitter.feed(piece)
    assert got == ["It grew 3.5 percent.", "Great!", "Which metric, e.g.", "approval rate, matters?"]
    assert splitter.rest.strip() == "Rest"
    assert sentence_problem("As an AI, I think so.") == "meta talk"
    assert sentence_problem("Good [link=http://x]start[/link].") is not None
    assert sentence_problem("Chargebacks are a good place to start.") is None


def test_the_session_speaks_streamed_sentences_as_they_arrive_and_only_once(
    tmp_path: Path, hosted: PacedLLMServer
) -> None:
    """Through ``Rehearsal``: each sentence is spoken (real espeak-ng; the player is the boundary fake) as
    soon as it arrives, and speaking the follow-up afterwards does not say it again."""
    from tui_fakes import RecordingPlayer
    from voicemock.backends import build
    from voicemock.backends.tts_espeak import EspeakSpeaker
    from voicemock.config import LLMSettings, Settings
    from voicemock.session import Event, Rehearsal
    from voicemock.store import SessionStore

    answers = tmp_path / "answers"
    answers.mkdir()
    (answers / "1.txt").write_text(ANSWER, encoding="utf-8")
    settings = Settings()
    settings.llm = LLMSettings(coach="openai", base_url=hosted.url, model="paced", timeout=8)
    backends = build(settings, answers=answers, speech=False)
    backends.speaker = EspeakSpeaker()
    player = RecordingPlayer()
    backends.player = player
    events: list[Event] = []
    scenario = ScenarioSet([paths.shipped_scenarios_dir()]).get("fraud-success-metrics")
    rehearsal = Rehearsal.begin(scenario, backends, SessionStore(), listener=events.append)
    prompt = rehearsal.current
    assert prompt is not None
    follow_up = rehearsal.answer(prompt)
    assert follow_up is not None and follow_up.text == f"{LEAD} {QUESTION}"
    assert [e.text for e in events if e.kind == "sentence"] == [LEAD, QUESTION]
    rehearsal.speak(follow_up)
    assert len(player.played) == 2  # the lead-in and the question, each once, as they arrived
    lead, question = (len(samples) for samples in player.heard)
    assert lead < question  # the lead-in clip is the short sentence, not the whole follow-up
    kept = rehearsal.session.audio_path(follow_up.id, "question")
    assert kept.is_file()  # the whole follow-up is still rendered and kept for replay
    rehearsal.wait_loaded()
    rehearsal.close()
