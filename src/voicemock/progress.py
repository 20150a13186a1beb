"""Progress over the user's sessions: the trend per dimension and what to practise next.

A pure function of finished sessions' debriefs (``debrief.json`` "scores") and the scenario catalogue, so the
CLI (``voicemock progress``) and the TUI call the same code and show the same thing. Nothing here scores an
answer: it only reads scores the deterministic debrief already wrote.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

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
