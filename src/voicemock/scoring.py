"""Scores per question and per dimension, and the top improvements, from the graded rubric verdicts
(``rubric.assess``, ``grading.py``) and speech figures.

The anchors for each 1-5 score are written down in docs/rubric.md. Nothing the candidate says about the score
can change it; only what the answers show, and how specifically, does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from voicemock.advice import imperative
from voicemock.analysis import SpeechStats, analyse, combine
from voicemock.grading import Grade
from voicemock.models import Transcript
from voicemock.rubric import Assessment
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


#: In a dimension's total, a question that asks for the dimension counts fully; one that does not (product
#: sense judged on a technical question) counts this much.
UNASKED_WEIGHT = 0.5


def from_grade(grade: Grade) -> DimensionScore:
    """A question's graded verdict on one dimension, as the debrief shows it."""
    basis = grade.basis if grade.asked else f"{grade.basis} (not asked here: counts half)"
    return DimensionScore(grade.score, DIMENSION_LABELS[grade.dimension], basis, list(grade.evidence), list(grade.missing))


def not_judged(dim: Dimension, why: str) -> DimensionScore:
    return DimensionScore(None, DIMENSION_LABELS[dim], why)


def aggregate(per_question: Sequence[tuple[int, Assessment]], dim: Dimension) -> DimensionScore:
    """A dimension's session score: the mean of its per-question scores (``(question number, assessment)``),
    a question that does not ask for the dimension counting half, rounded half up. None when no question
    asks for it (communication is asked everywhere). Evidence comes from the best answer, costs and what is
    missing from the weakest."""
    label = DIMENSION_LABELS[dim]
    rows = [(n, a.grades[str(dim)]) for n, a in per_question if str(dim) in a.grades]
    rows = [(n, g) for n, g in rows if g.score is not None]
    if not any(g.asked for _n, g in rows):
        return DimensionScore(None, label, "not assessed in this scenario")
    weights = [1.0 if g.asked else UNASKED_WEIGHT for _n, g in rows]
    mean = sum(w * (g.score or 0) for w, (_n, g) in zip(weights, rows, strict=True)) / sum(weights)
    score = max(1, min(5, int(mean + 0.5)))
    best = max(rows, key=lambda r: (r[1].score or 0, -r[0]))
    worst = min(rows, key=lambda r: (r[1].score or 0, r[0]))
    basis = "per question: " + ", ".join(f"Q{n} {g.score}" + ("" if g.asked else " (half)") for n, g in rows)
    if len(rows) == 1:
        basis = rows[0][1].basis
    evidence = [f"Q{best[0]}: {e}" for e in best[1].evidence if not e.startswith("cost:")][:2]
    evidence += [f"Q{worst[0]}: {e}" for e in worst[1].evidence if e.startswith("cost:")][:2]
    missing = [f"Q{worst[0]}: {m}" for m in worst[1].missing][:3]
    return DimensionScore(score, label, basis, evidence, missing)


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
    """One question's scores on every dimension, from its graded verdicts (main and follow-up answers
    together) and the speech figures of its spoken answers (``spoken``; empty when every answer was typed)."""
    out: dict[str, DimensionScore] = {}
    for dim in Dimension:
        if dim is Dimension.DELIVERY:
            continue
        grade = assessment.grades.get(str(dim))
        out[str(dim)] = (
            from_grade(grade)
            if grade is not None
            else not_judged(dim, "not judged on this question: it asks for no story and the answer tells none")
        )
    out[str(Dimension.DELIVERY)] = (
        score_delivery(combine(list(spoken)), over_budget, len(spoken)) if spoken else typed_delivery()
    )
    return out


def _gaps(q: QuestionReport) -> list[tuple[float, str, str]]:
    """A question's gaps, most valuable first: (order, signal id, tip). A missing signal comes before a
    shown one that could climb; within each, the question's priority order."""
    out: list[tuple[float, str, str]] = []
    for i, s in enumerate(q.signals):
        if not s["shown"]:
            # The advice is tied to the candidate's own words; older debriefs only have the generic line.
            tip = s.get("advice") or f"a strong answer {s['strong']}."
            out.append((i, s["id"], tip))
        elif s.get("next") and s.get("level", 0) < s.get("top", 0):
            tip = f"{s['anchor']} so far (level {s['level']} of {s['top']}); next, {imperative(s['next'])}."
            out.append((100 + i, s["id"], tip))
    return sorted(out)


def improvements(
    questions: Sequence[QuestionReport], overall: SpeechStats | None, over_budget: int, answered: int
) -> list[str]:
    """The top three things to change, most valuable first: missing signals, then signals that could climb
    a level, weakest question first, then delivery."""
    if answered == 0:
        return ["Answer at least one question out loud: there is nothing to coach yet."]
    out: list[str] = []
    seen: set[str] = set()
    labels = {s["id"]: s["label"] for q in questions for s in q.signals}

    def weakest(q: QuestionReport) -> int:
        scores = [d.score for k, d in q.scores.items() if k != str(Dimension.DELIVERY) and d.score is not None]
        return min(scores, default=5)

    ordered = sorted(questions, key=lambda q: (weakest(q), q.number))
    gaps = {q.number: _gaps(q) for q in ordered}
    # First pass: the most valuable gap of each question, weakest question first; then the rest.
    for depth in range(5):
        for q in ordered:
            if depth < len(gaps[q.number]):
                _order, sid, tip = gaps[q.number][depth]
                if sid in seen:
                    continue
                seen.add(sid)
                short = q.text if len(q.text) <= 70 else q.text[:67].rsplit(" ", 1)[0] + "..."
                out.append(f"{labels[sid]} on Q{q.number} (\u201c{short}\u201d): {tip[0].upper()}{tip[1:]}")
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
