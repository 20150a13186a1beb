"""Scores per dimension and the top improvements, from deterministic rubric verdicts and speech figures.

The anchors for each 1-5 score are written down in docs/rubric.md. Nothing the candidate says can change a
score except by showing (or not showing) the signals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from voicemock.analysis import SpeechStats
from voicemock.rubric import SignalResult
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
    score: int | None
    label: str
    basis: str
    evidence: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def score_content(results: Sequence[SignalResult], dim: Dimension) -> DimensionScore:
    mine = [r for r in results if r.dimension is dim]
    if not mine:
        return DimensionScore(None, DIMENSION_LABELS[dim], "not assessed in this scenario")
    shown = [r for r in mine if r.shown]
    fraction = len(shown) / len(mine)
    score = 1 + round(4 * fraction)
    return DimensionScore(
        score=score,
        label=DIMENSION_LABELS[dim],
        basis=f"{len(shown)} of {len(mine)} signals shown",
        evidence=[f"{r.label}: \u201c{r.evidence[0].quote}\u201d" for r in shown if r.evidence],
        missing=[r.label for r in mine if not r.shown],
    )


def score_delivery(stats: SpeechStats, over_budget: int, answered: int) -> DimensionScore:
    if answered == 0:
        return DimensionScore(None, DIMENSION_LABELS[Dimension.DELIVERY], "no answers to judge")
    score = 5
    reasons: list[str] = []
    if stats.fillers_per_min is not None and stats.fillers_per_min > 4:
        score -= 1
        reasons.append(f"{stats.fillers_per_min:.1f} fillers per minute (estimate)")
    if stats.wpm is not None and not 110 <= stats.wpm <= 185:
        score -= 1
        reasons.append(f"pace {stats.wpm:.0f} words per minute (aim for 120-170)")
    if stats.words and stats.hedges * 100 / stats.words > 2.5:
        score -= 1
        reasons.append(
            f"{stats.hedges} hedges (\u201cI think\u201d, \u201cmaybe\u201d) in {stats.words} words"
        )
    if stats.longest_pause is not None and stats.longest_pause > 6:
        score -= 1
        reasons.append(f"a {stats.longest_pause:.0f} s pause")
    if over_budget:
        score -= 1
        reasons.append(f"{over_budget} answer(s) over the time budget")
    basis = "timed audio" if stats.seconds is not None else "text answers: pace and pauses not measured"
    return DimensionScore(
        max(1, score), DIMENSION_LABELS[Dimension.DELIVERY], basis, evidence=[], missing=reasons
    )


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
                extra = f" ({s['detail']})" if s["detail"] and s["id"] == "plain_language" else ""
                out.append(
                    f"{s['label']} on Q{q.number} (\u201c{short}\u201d): a strong answer {s['strong']}.{extra}"
                )
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
