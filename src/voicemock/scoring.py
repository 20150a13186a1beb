"""Scores per dimension and the top improvements, from deterministic rubric verdicts and speech figures.

The anchors for each 1-5 score are written down in docs/rubric.md. Nothing the candidate says can change a
score except by showing (or not showing) the signals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from voicemock.analysis import SpeechStats, analyse, combine
from voicemock.models import Transcript
from voicemock.rubric import Assessment, SignalResult
from voicemock.signals import Dimension

if TYPE_CHECKING:
    from voicemock.debrief import QuestionReport

DIMENSION_LABELS = {
    Dimension.PRODUCT_SENSE: "Product sense",
    Dimension.ANALYTICAL_RIGOR: "Analytical rigor",
    Dimension.COMMUNICATION: "Communication",
    Dimension.BEHAVIORAL: "Behavioral (STAR)",
    Dimension.DELIVERY: "Delivery",
}


@dataclass
class DimensionScore:
    """One dimension's 1-5 score (None when the scenario does not assess it), why, and the quotes behind it."""

    score: int | None
    label: str
    basis: str
    evidence: list[str] = field(default_factory=list)
    """Quotes that earned the score, and quotes that cost it (prefixed "cost:")."""
    missing: list[str] = field(default_factory=list)


#: Weight of a signal by its position in the question's list: the first signal matters most.
PRIORITY_WEIGHTS = (2.0, 1.5, 1.0)
#: Weighted share of signals shown needed for each score (docs/rubric.md, "How a content score is computed").
ANCHORS = ((0.9, 5), (0.65, 4), (0.4, 3), (0.0, 2))
#: Answers shorter than this many words cannot score above 3 on content: a one-liner can name a signal, not
#: develop it.
SHORT_ANSWER_WORDS = 40
SHORT_ANSWER_CAP = 3


def weight(priority: int) -> float:
    return PRIORITY_WEIGHTS[min(priority, len(PRIORITY_WEIGHTS) - 1)]


def anchor(fraction: float) -> int:
    """The 1-5 score for a weighted share of signals shown: 1 only when nothing at all was shown."""
    if fraction <= 0:
        return 1
    return next(score for floor, score in ANCHORS if fraction >= floor)


def score_content(results: Sequence[SignalResult], dim: Dimension) -> DimensionScore:
    """Score one content dimension from the signal verdicts of every question (anchors in docs/rubric.md).

    Weighted by priority (a question's first signal counts double), capped at 3 when every answer that
    contributes is shorter than ``SHORT_ANSWER_WORDS``; nothing shown (including a dodge or an empty answer)
    is a 1. Evidence quotes the sentences that earned each signal and those that cost one (jargon).
    """
    label = DIMENSION_LABELS[dim]
    mine = [r for r in results if r.dimension is dim]
    if not mine:
        return DimensionScore(None, label, "not assessed in this scenario")
    total = sum(weight(r.priority) for r in mine)
    got = sum(weight(r.priority) for r in mine if r.shown)
    fraction = got / total if total else 0.0
    score = anchor(fraction)
    shown = [r for r in mine if r.shown]
    basis = f"{len(shown)} of {len(mine)} signals shown ({fraction:.0%} by priority)"
    if max(r.words for r in mine) == 0:
        basis = "no answer to judge: nothing said yet, so nothing to score (this is a starting point, not a verdict)"
    elif score > SHORT_ANSWER_CAP and max(r.words for r in mine) < SHORT_ANSWER_WORDS:
        score = SHORT_ANSWER_CAP
        basis += f"; capped at {SHORT_ANSWER_CAP}: answers under {SHORT_ANSWER_WORDS} words"
    evidence = [f"{r.label}: \u201c{r.evidence[0].quote}\u201d" for r in shown if r.evidence]
    evidence += [
        f"cost: {r.label}: \u201c{e.quote}\u201d" for r in mine if not r.shown for e in r.evidence[:1]
    ]
    return DimensionScore(
        score=score,
        label=label,
        basis=basis,
        evidence=evidence,
        missing=[r.label for r in mine if not r.shown],
    )


#: Filler and hedge densities (per 100 words) that cost a delivery point; fillers per minute when timed.
FILLERS_PER_100 = (3.0, 6.0)
FILLERS_PER_MIN = (4.0, 8.0)
HEDGES_PER_100 = 2.5
PACE_WPM = (110, 185)
LONG_PAUSE_SECONDS = 6.0
MIN_DELIVERY_WORDS = 8


def score_delivery(stats: SpeechStats, over_budget: int, answered: int) -> DimensionScore:
    """Score delivery from speech figures (anchors in docs/rubric.md): start at 5, lose a point per problem.

    Fillers cost one point above the first threshold and two above the second, judged per 100 words (works
    for typed answers too) and per minute when timed, whichever is worse. Hedges, pace outside 110-185 wpm, a
    pause over 6 s and answers over the time budget cost one each.
    """
    label = DIMENSION_LABELS[Dimension.DELIVERY]
    if answered == 0:
        return DimensionScore(None, label, "no answers to judge")
    if stats.words < MIN_DELIVERY_WORDS:
        return DimensionScore(
            1,
            label,
            f"only {stats.words} word(s): too little to judge delivery. Try three or four sentences next time.",
        )
    score = 5
    reasons: list[str] = []
    per100 = stats.fillers * 100 / stats.words
    penalty = sum(1 for t in FILLERS_PER_100 if per100 > t)
    if stats.fillers_per_min is not None:
        penalty = max(penalty, sum(1 for t in FILLERS_PER_MIN if stats.fillers_per_min > t))
    if penalty:
        score -= penalty
        rate = (
            f"{stats.fillers_per_min:.1f} per minute (estimate)"
            if stats.fillers_per_min is not None
            else f"{per100:.1f} per 100 words"
        )
        reasons.append(f"{stats.fillers} fillers, {rate}")
    if stats.wpm is not None and not PACE_WPM[0] <= stats.wpm <= PACE_WPM[1]:
        score -= 1
        reasons.append(f"pace {stats.wpm:.0f} words per minute (aim for 120-170)")
    if stats.hedges * 100 / stats.words > HEDGES_PER_100:
        score -= 1
        reasons.append(
            f"{stats.hedges} hedges (\u201cI think\u201d, \u201cmaybe\u201d) in {stats.words} words"
        )
    if stats.longest_pause is not None and stats.longest_pause > LONG_PAUSE_SECONDS:
        score -= 1
        reasons.append(f"a {stats.longest_pause:.0f} s pause")
    if over_budget:
        score -= 1
        reasons.append(f"{over_budget} answer(s) over the time budget")
    basis = "timed audio" if stats.seconds is not None else "text answers: pace and pauses not measured"
    top = sorted(stats.filler_terms.items(), key=lambda kv: -kv[1])[:4]
    evidence = (
        ["cost: fillers: " + ", ".join(f"\u201c{k}\u201d \u00d7{v}" for k, v in top)] if penalty else []
    )
    return DimensionScore(max(1, score), label, basis, evidence=evidence, missing=reasons)


def score_answer_delivery(transcript: Transcript, budget: int | None = None) -> DimensionScore:
    """Delivery for one answer on its own (the benchmark and the TUI's per-answer view)."""
    stats = analyse(transcript)
    over = int(budget is not None and transcript.duration is not None and transcript.duration > budget)
    return score_delivery(stats, over, 1 if transcript.text.strip() else 0)


def typed_delivery() -> DimensionScore:
    """Delivery for typed answers: not judged. Fillers and hedges in typed text are still counted in the
    speech figures, but pace, pauses and how it sounded cannot be, so a score would be invented."""
    return DimensionScore(
        None,
        DIMENSION_LABELS[Dimension.DELIVERY],
        "typed answers: delivery is judged on spoken answers only",
    )


def score_question(
    assessment: Assessment, spoken: Sequence[SpeechStats], over_budget: int = 0
) -> dict[str, DimensionScore]:
    """One question's scores on every dimension, from its own verdicts (main and follow-up answers together)
    and the speech figures of its spoken answers (``spoken``; empty when every answer was typed)."""
    out = {
        str(dim): score_content(assessment.results, dim) for dim in Dimension if dim is not Dimension.DELIVERY
    }
    out[str(Dimension.DELIVERY)] = (
        score_delivery(combine(list(spoken)), over_budget, len(spoken)) if spoken else typed_delivery()
    )
    return out


def improvements(
    questions: Sequence[QuestionReport], overall: SpeechStats | None, over_budget: int, answered: int
) -> list[str]:
    """The top three things to change, most valuable first: missing signals, then delivery."""
    if answered == 0:
        return ["Answer at least one question out loud: there is nothing to coach yet."]
    out: list[str] = []
    seen: set[str] = set()
    # First pass: the most important missing signal of each question; second pass: the rest.
    for depth in range(5):
        for q in questions:
            missing = [s for s in q.signals if not s["shown"]]
            if depth < len(missing):
                s = missing[depth]
                if s["id"] in seen:
                    continue
                seen.add(s["id"])
                short = q.text if len(q.text) <= 70 else q.text[:67].rsplit(" ", 1)[0] + "..."
                # The advice is tied to the candidate's own words; older debriefs only have the generic line.
                tip = s.get("advice") or f"a strong answer {s['strong']}."
                out.append(f"{s['label']} on Q{q.number} (\u201c{short}\u201d): {tip}")
        if len(out) >= 3:
            break
    if overall is not None:
        if overall.fillers_per_min is not None and overall.fillers_per_min > 4:
            out.append(
                f"Cut fillers: about {overall.fillers_per_min:.1f} per minute (an estimate). Pause silently instead."
            )
        if overall.wpm is not None and overall.wpm > 185:
            out.append(f"Slow down: {overall.wpm:.0f} words per minute; aim for 130-170.")
        if overall.wpm is not None and overall.wpm < 110:
            out.append(f"Pick up the pace a little: {overall.wpm:.0f} words per minute; aim for 130-170.")
        if overall.words and overall.hedges * 100 / overall.words > 2.5:
            out.append(
                f"Commit to your claims: {overall.hedges} hedges such as \u201cI think\u201d and \u201cmaybe\u201d."
            )
    if over_budget:
        out.append(f"Tighten your answers: {over_budget} ran over the time budget. Lead with the conclusion.")
    return out[:3] if out else ["Strong across the rubric: try a harder scenario or a tougher persona next."]
