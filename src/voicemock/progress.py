"""Progress over the user's sessions: the trend per dimension, what to practise next, and every attempt at
one question over time.

Pure functions of finished sessions' debriefs (read through ``SessionDir.debrief()``) and the scenario
catalogue, so the CLI (``voicemock progress``) and the app call the same code and show the same thing.
Nothing here scores an answer: it only reads what the deterministic debrief already wrote.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from voicemock.compare import changed_line
from voicemock.errors import VoicemockError
from voicemock.scenario import Scenario
from voicemock.scoring import DIMENSION_LABELS
from voicemock.signals import Dimension
from voicemock.store import SessionStore, SessionSummary

#: How many recent sessions decide "where you are now" for the weakest dimension.
RECENT = 3
#: A change in average score smaller than this is "steady", not a trend.
STEADY = 0.5


@dataclass(frozen=True)
class Point:
    """One session's score on one dimension."""

    session: str
    scenario_id: str
    started_at: str
    score: float


@dataclass(frozen=True)
class Trend:
    """A dimension's scores over time, oldest first."""

    dimension: Dimension
    label: str
    points: tuple[Point, ...]

    @property
    def latest(self) -> float | None:
        return self.points[-1].score if self.points else None

    @property
    def recent(self) -> float | None:
        """Mean of the last ``RECENT`` scores: one bad day should not decide what to practise."""
        tail = self.points[-RECENT:]
        return sum(p.score for p in tail) / len(tail) if tail else None

    @property
    def direction(self) -> str:
        """ "improving", "slipping", "steady", "one session" or "no data": recent half against earlier half."""
        n = len(self.points)
        if n == 0:
            return "no data"
        if n == 1:
            return "one session"
        half = n // 2
        before = sum(p.score for p in self.points[:half]) / half
        after = sum(p.score for p in self.points[half:]) / (n - half)
        if after - before >= STEADY:
            return "improving"
        if before - after >= STEADY:
            return "slipping"
        return "steady"


@dataclass(frozen=True)
class Suggestion:
    """The scenario to practise next and why."""

    scenario_id: str
    title: str
    dimension: Dimension
    reason: str


@dataclass(frozen=True)
class Progress:
    """Everything ``voicemock progress`` and the TUI's progress view show."""

    sessions: int
    """Finished sessions with at least one score."""
    trends: tuple[Trend, ...]
    weakest: Dimension | None
    suggestion: Suggestion | None
    notes: tuple[str, ...] = field(default=())


def exercise(scenario: Scenario, dim: Dimension) -> float:
    """How much a scenario exercises ``dim``: the share of its rubric signals in that dimension.

    Delivery is exercised by every answer, so it counts the answer time in minutes instead.
    """
    if dim is Dimension.DELIVERY:
        return sum(scenario.budget(q) for q in scenario.questions) / 60
    refs = [ref for q in scenario.questions for ref in q.signals]
    return sum(1 for ref in refs if ref.spec.dimension is dim) / len(refs) if refs else 0.0


def compute(summaries: Sequence[SessionSummary], scenarios: Iterable[Scenario]) -> Progress:
    """Trends per dimension over finished sessions (oldest first) and a "practise next" suggestion.

    The weakest dimension is the one with the lowest recent average; the suggestion is the scenario that
    exercises it most, preferring one practised fewer times (ties: the catalogue's order).
    """
    catalogue = list(scenarios)
    finished = [s for s in summaries if s.finished and s.scores]
    finished.sort(key=lambda s: (s.started_at, s.id))
    trends: list[Trend] = []
    for dim in Dimension:
        points = tuple(
            Point(s.id, s.scenario_id, s.started_at, float(s.scores[str(dim)]))
            for s in finished
            if s.scores.get(str(dim)) is not None
        )
        trends.append(Trend(dim, DIMENSION_LABELS[dim], points))
    notes: list[str] = []
    if not finished:
        notes.append(
            "No finished sessions yet: run 'voicemock demo' or practise a scenario to start a record."
        )
    scored = [t for t in trends if t.recent is not None]
    weakest = (
        min(scored, key=lambda t: (t.recent or 0.0, list(Dimension).index(t.dimension))) if scored else None
    )
    suggestion = _suggest(weakest, catalogue, finished) if weakest else _first_steps(catalogue)
    return Progress(
        sessions=len(finished),
        trends=tuple(trends),
        weakest=weakest.dimension if weakest else None,
        suggestion=suggestion,
        notes=tuple(notes),
    )


def _suggest(
    weakest: Trend, catalogue: Sequence[Scenario], finished: Sequence[SessionSummary]
) -> Suggestion | None:
    dim = weakest.dimension
    candidates = [s for s in catalogue if exercise(s, dim) > 0]
    if not candidates:
        return None
    times = {s.id: sum(1 for f in finished if f.scenario_id == s.id) for s in candidates}
    order = {s.id: i for i, s in enumerate(catalogue)}
    # Most exercise first, then the least practised; a scenario done many times teaches less.
    best = max(candidates, key=lambda s: (round(exercise(s, dim), 2) - 0.05 * times[s.id], -order[s.id]))
    recent = f"{weakest.recent:.1f}" if weakest.recent is not None else "?"
    practised = f"practised {times[best.id]} time(s)" if times[best.id] else "not practised yet"
    reason = (
        f"{weakest.label} is your lowest dimension (recent average {recent}/5, {weakest.direction}); "
        f"this scenario exercises it most ({practised})."
    )
    return Suggestion(best.id, best.title, dim, reason)


def _first_steps(catalogue: Sequence[Scenario]) -> Suggestion | None:
    if not catalogue:
        return None
    first = catalogue[0]
    return Suggestion(
        first.id, first.title, Dimension.PRODUCT_SENSE, "a short first session to set a baseline."
    )


def progress(store: SessionStore, scenarios: Iterable[Scenario]) -> Progress:
    """Progress from a session store (the CLI and the TUI entry point)."""
    return compute(store.summaries(), scenarios)


def to_text(p: Progress) -> str:
    """Plain text for the terminal: one line per dimension, then the suggestion."""
    lines = [f"Progress over {p.sessions} finished session(s)", ""]
    width = max(len(t.label) for t in p.trends)
    for t in p.trends:
        if not t.points:
            lines.append(f"  {t.label:<{width}}  -")
            continue
        history = " ".join(f"{pt.score:.0f}" for pt in t.points[-8:])
        more = "... " if len(t.points) > 8 else ""
        lines.append(f"  {t.label:<{width}}  {more}{history}  ({t.direction}, recent {t.recent:.1f}/5)")
    lines += ["", *p.notes]
    if p.suggestion:
        s = p.suggestion
        lines.append(f"Practise next: {s.title} [{s.scenario_id}]: {s.reason}")
        lines.append(f"  voicemock run --scenario {s.scenario_id}")
    return "\n".join(lines).rstrip() + "\n"


# ---------------------------------------------------------------------------------------------------------
# Every attempt at one question, across sessions


@dataclass(frozen=True)
class AttemptPoint:
    """One attempt at a question in one session."""

    session: str
    started_at: str
    attempt: int
    shown: int
    """Signals shown (of ``signals``)."""
    signals: int
    scores: dict[str, int]
    """Per-question scores by dimension, when the debrief has them."""
    stats: dict[str, Any] | None
    changes: str
    """What changed against the attempt before it in the same session ("" for a session's first)."""


@dataclass(frozen=True)
class QuestionHistory:
    """A question's attempts over time, oldest first."""

    scenario_id: str
    question_id: str
    text: str
    points: tuple[AttemptPoint, ...]
    skipped: int = 0
    """Sessions of this scenario left out: unfinished, or a debrief that could not be read."""

    @property
    def key(self) -> str:
        return f"{self.scenario_id}/{self.question_id}"


def question_histories(store: SessionStore) -> list[QuestionHistory]:
    """Every question with at least one attempt in a finished session, in the order first practised."""
    found: dict[tuple[str, str], list[AttemptPoint]] = {}
    texts: dict[tuple[str, str], str] = {}
    skipped: dict[str, int] = {}
    for session in store:
        scenario_id = session.started.get("scenario", "?")
        try:
            report = session.debrief() if session.finished else None
        except VoicemockError:
            report = None
        if report is None:
            skipped[scenario_id] = skipped.get(scenario_id, 0) + 1
            continue
        for q in report.questions:
            key = (scenario_id, q.id)
            texts.setdefault(key, q.text)
            for a in q.attempts:
                scores = {dim: v["score"] for dim, v in a.scores.items() if isinstance(v.get("score"), int)}
                found.setdefault(key, []).append(
                    AttemptPoint(
                        session=session.id,
                        started_at=a.started_at or report.started_at,
                        attempt=a.attempt,
                        shown=sum(1 for s in a.signals if s.get("shown")),
                        signals=len(a.signals),
                        scores=scores,
                        stats=a.stats,
                        changes=changed_line(a) if a.attempt > 1 else "",
                    )
                )
    return [
        QuestionHistory(
            sid,
            qid,
            texts[(sid, qid)],
            tuple(sorted(points, key=lambda p: (p.started_at, p.session, p.attempt))),
            skipped.get(sid, 0),
        )
        for (sid, qid), points in found.items()
    ]


def find_question(scenarios: Iterable[Scenario], wanted: str) -> tuple[Scenario, str]:
    """Resolve "ID", "SCENARIO/ID" or "SCENARIO/N" to (scenario, question id); a clear error otherwise."""
    catalogue = list(scenarios)
    scenario_part, _, question_part = wanted.rpartition("/")
    matches: list[tuple[Scenario, str]] = []
    for s in catalogue:
        if scenario_part and s.id != scenario_part:
            continue
        for n, q in enumerate(s.questions, start=1):
            if question_part in (q.id, str(n) if scenario_part else None):
                matches.append((s, q.id))
    if len(matches) == 1:
        return matches[0]
    if not matches:
        ids = ", ".join(f"{s.id}/{q.id}" for s in catalogue[:3] for q in s.questions[:1])
        raise VoicemockError(
            f"no question {wanted!r} in the scenarios",
            fix=f"give a question id or SCENARIO/ID, e.g. {ids} ('voicemock scenarios' lists the scenarios)",
        )
    names = ", ".join(f"{s.id}/{qid}" for s, qid in matches)
    raise VoicemockError(f"{wanted!r} is a question of several scenarios: {names}", fix="give SCENARIO/ID")


def question_history(store: SessionStore, scenarios: Iterable[Scenario], wanted: str) -> QuestionHistory:
    """Every attempt at one question (see ``find_question`` for how it may be named)."""
    scenario, question_id = find_question(scenarios, wanted)
    for history in question_histories(store):
        if history.scenario_id == scenario.id and history.question_id == question_id:
            return history
    return QuestionHistory(scenario.id, question_id, scenario.question(question_id).text, ())


def _cell(stats: dict[str, Any] | None, key: str) -> str:
    if stats is None or stats.get(key) is None:
        return "-"
    value = stats[key]
    if key == "fillers_per_min":
        return f"{value:.0f}/min"
    if key == "longest_pause":
        return f"{value:.1f} s"
    return f"{value:.0f}" if isinstance(value, float) else str(value)


#: One letter per dimension for compact score columns: the labels' initials are all different.
INITIALS = {str(d): DIMENSION_LABELS[d][0] for d in Dimension}
ATTEMPT_HEADER = ("date", "try", "signals", "scores", "words", "pace", "fillers", "hedges", "pause")


def attempt_row(p: AttemptPoint) -> tuple[str, ...]:
    """One attempt as a table row (``ATTEMPT_HEADER``): the CLI and the app show the same columns."""
    stats = p.stats
    fillers = (
        _cell(stats, "fillers_per_min")
        if stats and stats.get("fillers_per_min") is not None
        else _cell(stats, "fillers")
    )
    scores = " ".join(f"{INITIALS.get(d, d[:1].upper())}{v}" for d, v in p.scores.items()) or "-"
    return (
        p.started_at[:16].replace("T", " "),
        str(p.attempt),
        f"{p.shown} of {p.signals}",
        scores,
        _cell(stats, "words"),
        _cell(stats, "wpm"),
        fillers,
        _cell(stats, "hedges"),
        _cell(stats, "longest_pause"),
    )


def question_text(history: QuestionHistory) -> str:
    """Plain text for ``voicemock progress --question``: each session's attempts, what changed under a retry."""
    lines = [f"Every attempt at {history.key}:", f"  {history.text}", ""]
    if not history.points:
        lines.append("No finished session has answered this question yet.")
        return "\n".join(lines) + "\n"
    rows = [ATTEMPT_HEADER, *(attempt_row(p) for p in history.points)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(ATTEMPT_HEADER))]

    def fmt(row: tuple[str, ...]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()

    lines.append(fmt(ATTEMPT_HEADER))
    session = ""
    for p, row in zip(history.points, rows[1:], strict=True):
        if p.session != session:
            session = p.session
            lines.append(f"session {session}")
        lines.append(fmt(row))
        if p.changes:
            lines.append(" " * (widths[0] + 2) + "what changed: " + p.changes)
    if any(p.scores for p in history.points):
        legend = ", ".join(f"{INITIALS[str(d)]} {DIMENSION_LABELS[d].lower()}" for d in Dimension)
        lines += ["", f"scores: {legend}"]
    if history.skipped:
        lines += ["", f"{history.skipped} unfinished session(s) of this scenario are not included."]
    return "\n".join(lines) + "\n"
