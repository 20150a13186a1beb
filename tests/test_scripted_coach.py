"""The offline coach listens: it probes the weakest graded point, quotes the candidate, moves on when the
answer is strong, and only stops a candidate for jargon when jargon dominates (issue 10)."""

from __future__ import annotations

import pytest

from test_grading import JARGON_SALES, METRIC_GUARDRAIL, PLAIN_SALES
from voicemock import paths
from voicemock.backends.scripted_coach import ScriptedCoach, short_quote
from voicemock.models import Prompt, PromptKind, Transcript
from voicemock.protocols import FollowUp, FollowUpRequest
from voicemock.rubric import assess
from voicemock.scenario import ScenarioSet


@pytest.fixture(scope="module")
def shipped() -> ScenarioSet:
    return ScenarioSet([paths.shipped_scenarios_dir()])


def ask(
    shipped: ScenarioSet, scenario_id: str, question_id: str, text: str, probed: tuple[str, ...] = ()
) -> FollowUp | None:
    scenario = shipped.get(scenario_id)
    question = scenario.question(question_id)
    a = assess(question, scenario.persona, [(question.id, text)])
    prompt = Prompt(question.id, question.id, PromptKind.QUESTION, question.text, 120, 1)
    request = FollowUpRequest(
        scenario=scenario,
        persona=scenario.persona,
        question=question,
        prompt=prompt,
        answer=Transcript(text),
        assessment=a,
        missing=tuple(s for s in a.missing if s not in probed),
        remaining=2,
        probed=probed,
    )
    return ScriptedCoach().follow_up(request)


def test_a_missing_signal_gets_the_personas_own_follow_up(shipped: ScenarioSet) -> None:
    f = ask(shipped, "fraud-success-metrics", "define-success", "We'd build a gradient boosted model on features.")
    assert f is not None and f.signal == "user_problem"
    authored = shipped.get("fraud-success-metrics").question("define-success").signals[0].follow_up
    assert f.text == authored


def test_a_shown_but_shallow_signal_gets_a_deeper_probe_in_the_candidates_words(shipped: ScenarioSet) -> None:
    text = (
        "The honest customer declined at the till is hurt, because many of them never come back, and so is "
        "the cardholder who finds a charge they never made. I'd track fraud losses and the approval rate, and I'd want losses to go down. A false "
        "decline costs us the sale, maybe sixty dollars of future spend, while a missed fraud costs a "
        "chargeback of about a hundred and fifty dollars, so I'd rather approve a bit more."
    )
    f = ask(shipped, "fraud-success-metrics", "define-success", text)
    assert f is not None and f.signal == "success_metric", f
    assert f.text.startswith("You said \u201c")
    quoted = f.text.split("\u201c", 1)[1].split("\u201d", 1)[0].removesuffix("...")
    assert quoted in text
    # It asks for the next level (a baseline or a target), not for the metric the answer already named.
    assert "today" in f.text or "where should it be" in f.text


def test_a_strong_answer_moves_on(shipped: ScenarioSet) -> None:
    text = (
        "Two people get hurt: the cardholder who finds a charge they never made and spends an afternoon on "
        "the phone, and the honest customer declined at the till, one in seventy of them today. "
        + METRIC_GUARDRAIL
        + " A missed fraud costs us a chargeback of about a hundred and fifty dollars; a false decline costs "
        "around sixty dollars of future spend, so I'd accept two more false declines per thousand to stop "
        "one more fraud, and if declines pass the limit we raise the threshold the same day."
    )
    assert ask(shipped, "fraud-success-metrics", "define-success", text) is None


def test_one_technical_word_does_not_stop_the_candidate(shipped: ScenarioSet) -> None:
    plain = ask(shipped, "sales-false-positives", "switch-it-off", PLAIN_SALES)
    assert plain is None or plain.signal != "plain_language"
    dense = ask(shipped, "sales-false-positives", "switch-it-off", JARGON_SALES)
    assert dense is not None and dense.signal == "plain_language" and "data science" in dense.text


def test_a_probed_signal_is_never_probed_again(shipped: ScenarioSet) -> None:
    text = "We'd build a gradient boosted model on features."
    first = ask(shipped, "fraud-success-metrics", "define-success", text)
    assert first is not None and first.signal
    second = ask(shipped, "fraud-success-metrics", "define-success", text, probed=(first.signal,))
    assert second is not None and second.signal != first.signal


def test_short_quote_is_verbatim_and_short() -> None:
    sentence = "So the trade-off is really where we set the cut-off score, and I'd lean towards approving more."
    q = short_quote(sentence)
    assert q.removesuffix("...") in sentence and len(q.split()) <= 12


def test_the_llm_coach_request_carries_the_graded_levels(shipped: ScenarioSet) -> None:
    from voicemock.prompts import follow_up_messages

    scenario = shipped.get("fraud-success-metrics")
    question = scenario.question("define-success")
    a = assess(question, scenario.persona, [(question.id, METRIC_GUARDRAIL)])
    prompt = Prompt(question.id, question.id, PromptKind.QUESTION, question.text, 120, 1)
    request = FollowUpRequest(
        scenario=scenario,
        persona=scenario.persona,
        question=question,
        prompt=prompt,
        answer=Transcript(METRIC_GUARDRAIL),
        assessment=a,
        missing=a.missing,
    )
    text = "\n".join(m["content"] for m in follow_up_messages(request))
    metric = a.result("success_metric")
    assert metric.shown and f"success_metric (shown, level {metric.level} of {metric.top}: {metric.anchor}" in text
    assert "push the weakest shown signal to its next level" in text
