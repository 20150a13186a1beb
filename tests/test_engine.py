"""The headless engine: follow-ups, budgets, skip, end early, silence, coach failures, resume."""

from __future__ import annotations

import pytest

from conftest import SCENARIOS
from voicemock.backends.scripted_coach import ScriptedCoach
from voicemock.interview import DIDNT_CATCH, Interview
from voicemock.models import AnswerStatus, PromptKind, Transcript
from voicemock.protocols import FollowUpRequest
from voicemock.scenario import Scenario, load_scenario


@pytest.fixture
def fraud() -> Scenario:
    return load_scenario(SCENARIOS / "fraud-success-metrics.toml")


NO_USER = "I'd track the approval rate and fraud losses in basis points, and a false decline costs us the sale. We trade off recall against precision because false declines churn customers."
USER = "The cardholder suffers when fraud slips through: they find charges they never made and lose trust, which is a real pain for them."


class RaisingCoach:
    name = "llm:broken"

    def follow_up(self, request: FollowUpRequest) -> None:
        raise TimeoutError("endpoint timed out")

    def notes(self, request: object) -> list[object]:
        return []


def test_follow_up_targets_the_first_missing_signal(fraud: Scenario) -> None:
    iv = Interview(fraud, ScriptedCoach())
    first = iv.start()
    assert first.kind is PromptKind.QUESTION and first.number == 1
    nxt = iv.answer(Transcript(NO_USER))
    assert nxt is not None and nxt.kind is PromptKind.FOLLOW_UP
    assert nxt.signal == "user_problem"
    assert nxt.text == fraud.questions[0].signals[0].follow_up
    assert nxt.origin == "scripted"


#: Every signal of question 1 at the top of its ladder: the coach has nothing deeper to ask.
COMPLETE = (
    "I'd track fraud losses: about eleven basis points of card volume today, and I'd want eight within a "
    "quarter, while the approval rate must not drop below ninety-six percent. A false decline costs us the sale, "
    "roughly sixty dollars, while a missed fraud costs a hundred and fifty dollar chargeback. So I'd trade a "
    "little more fraud for fewer false declines, because declined customers churn."
)


def test_complete_answer_moves_on_without_follow_up(fraud: Scenario) -> None:
    iv = Interview(fraud, ScriptedCoach())
    iv.start()
    nxt = iv.answer(Transcript(USER + " " + COMPLETE))
    assert nxt is not None and nxt.kind is PromptKind.QUESTION and nxt.number == 2


def test_follow_up_budget_is_respected(fraud: Scenario) -> None:
    iv = Interview(fraud, ScriptedCoach())
    iv.start()
    asked = 0
    prompt = iv.answer(Transcript("I don't know."))
    while prompt is not None and prompt.kind is PromptKind.FOLLOW_UP:
        asked += 1
        prompt = iv.answer(Transcript("I don't know."))
    assert asked == fraud.follow_up_limit(fraud.questions[0])
    assert prompt is not None and prompt.number == 2
    # never the same follow-up twice
    texts = [t.prompt.text for t in iv.turns if t.prompt.kind is PromptKind.FOLLOW_UP]
    assert len(texts) == len(set(texts))


def test_skip_goes_to_next_question_and_end_keeps_answers(fraud: Scenario) -> None:
    iv = Interview(fraud, ScriptedCoach())
    iv.start()
    nxt = iv.skip()
    assert nxt is not None and nxt.number == 2
    iv.answer(Transcript(NO_USER))
    iv.end()
    assert iv.finished and iv.ended == "ended early"
    statuses = [t.status for t in iv.turns]
    assert statuses[0] is AnswerStatus.SKIPPED
    assert AnswerStatus.ANSWERED in statuses


def test_repeat_returns_the_same_prompt(fraud: Scenario) -> None:
    iv = Interview(fraud, ScriptedCoach())
    first = iv.start()
    assert iv.repeat() == first


def test_silence_reasks_once_then_moves_on(fraud: Scenario) -> None:
    iv = Interview(fraud, ScriptedCoach())
    iv.start()
    again = iv.no_speech()
    assert again is not None and again.kind is PromptKind.REPEAT and again.text.startswith(DIDNT_CATCH)
    assert again.text.count(DIDNT_CATCH) == 1
    after = iv.no_speech()
    assert after is not None and after.number == 2


def test_whole_interview_completes(fraud: Scenario) -> None:
    iv = Interview(fraud, ScriptedCoach())
    prompt = iv.start()
    n = 0
    while prompt is not None:
        prompt = iv.answer(Transcript(USER + " " + NO_USER))
        n += 1
        assert n < 20
    assert iv.ended == "completed"


def test_over_budget_answer_is_noted(fraud: Scenario) -> None:
    iv = Interview(fraud, ScriptedCoach())
    prompt = iv.start()
    iv.answer(Transcript(USER, duration=prompt.budget_seconds + 30.0, source="whisper:tiny.en"))
    assert any("over the" in n for n in iv.turns[0].notes)


def test_failing_coach_falls_back_to_scripted(fraud: Scenario) -> None:
    iv = Interview(fraud, RaisingCoach(), ScriptedCoach())
    iv.start()
    nxt = iv.answer(Transcript(NO_USER))
    assert nxt is not None and nxt.origin == "scripted" and nxt.signal == "user_problem"
    assert any("llm:broken" in n for n in iv.notices)


def test_resume_rebuilds_position(fraud: Scenario) -> None:
    iv = Interview(fraud, ScriptedCoach())
    iv.start()
    pending = iv.answer(Transcript(NO_USER))
    again = Interview.resume(fraud, ScriptedCoach(), iv.turns, pending)
    assert again.current == pending
    nxt = again.answer(Transcript(USER))
    assert nxt is not None
