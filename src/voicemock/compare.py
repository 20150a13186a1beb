"""Attempts side by side: what changed between two tries at the same question.

Pure functions over the debrief's ``AttemptReport``s, so the debrief, ``voicemock show``, the app and
``voicemock progress --question`` say the same thing. Nothing here judges an answer: it compares verdicts,
scores and figures the rubric, the scoring and the speech analysis already produced.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from voicemock.scoring import DIMENSION_LABELS
from voicemock.signals import Dimension

if TYPE_CHECKING:
    from voicemock.debrief import AttemptReport

#: Smallest differences worth a word (smaller ones are noise between two tellings of the same answer).
FILLERS_PER_MIN_STEP = 1.0
PACE_STEP = 10.0
PAUSE_STEP = 1.0
LENGTH_RATIO = 0.2

SHOWN, MISSING, NOT_ASKED = "\u2713", "\u2717", "\u00b7"


def _dim_label(dim: str) -> str:
    try:
        return DIMENSION_LABELS[Dimension(dim)]
    except ValueError:
        return dim.replace("_", " ")


def signal_mark(signal: dict[str, Any]) -> str:
    """A signal's verdict in a word or mark: its graded level when the rubric gives one, else shown/missing."""
    level = signal.get("level_label") or signal.get("level")
    if isinstance(level, str) and level:
        return level
    return SHOWN if signal.get("shown") else MISSING


def _score(scores: dict[str, dict[str, Any]], dim: str) -> int | None:
    value = (scores.get(dim) or {}).get("score")
    return value if isinstance(value, int) else None


def changes(before: AttemptReport, after: AttemptReport) -> list[str]:
    """Short phrases for what changed from ``before`` to ``after``: signals, then scores, then delivery.

    e.g. ["now names a measurable success metric", "fillers 9/min \u2192 3/min"]. Empty when nothing moved.
    """
    out: list[str] = []
    old = {s["id"]: s for s in before.signals}
    for s in after.signals:
        was = old.get(s["id"])
        if was is None:
            continue
        # Signal labels are verb phrases ("Names a measurable success metric"): "now names ...".
        label = str(s.get("label", s["id"]))
        label = label[:1].lower() + label[1:]
        if s.get("shown") and not was.get("shown"):
            out.append(f"now {label}")
        elif was.get("shown") and not s.get("shown"):
            out.append(f"no longer {label}")
        elif signal_mark(s) != signal_mark(was):
            out.append(f"{label}: {signal_mark(was)} \u2192 {signal_mark(s)}")
    for dim in after.scores:
        a, b = _score(before.scores, dim), _score(after.scores, dim)
        if a is not None and b is not None and a != b:
            out.append(f"{_dim_label(dim).lower()} {a} \u2192 {b}")
    out += _delivery_changes(before.stats, after.stats)
    return out


def _delivery_changes(a: dict[str, Any] | None, b: dict[str, Any] | None) -> list[str]:
    if a is None and b is not None:
        return ["answered this time"]
    if a is None or b is None:
        return [] if a is None else ["no answer this time"]
    out: list[str] = []
    fa, fb = a.get("fillers_per_min"), b.get("fillers_per_min")
    if fa is not None and fb is not None:
        if abs(fa - fb) >= FILLERS_PER_MIN_STEP:
            out.append(f"fillers {fa:.0f}/min \u2192 {fb:.0f}/min")
    elif a.get("fillers", 0) != b.get("fillers", 0):
        out.append(f"fillers {a.get('fillers', 0)} \u2192 {b.get('fillers', 0)}")
    wa, wb = a.get("wpm"), b.get("wpm")
    if wa is not None and wb is not None and abs(wa - wb) >= PACE_STEP:
        out.append(f"pace {wa:.0f} \u2192 {wb:.0f} wpm")
    if a.get("hedges", 0) != b.get("hedges", 0):
        out.append(f"hedges {a.get('hedges', 0)} \u2192 {b.get('hedges', 0)}")
    na, nb = a.get("words", 0), b.get("words", 0)
    if max(na, nb) and abs(na - nb) / max(na, nb) >= LENGTH_RATIO:
        out.append(f"length {na} \u2192 {nb} words")
    pa, pb = a.get("longest_pause"), b.get("longest_pause")
    if pa is not None and pb is not None and abs(pa - pb) >= PAUSE_STEP:
        out.append(f"longest pause {pa:.1f} s \u2192 {pb:.1f} s")
    return out


def changed_line(attempt: AttemptReport) -> str:
    """The "what changed" line for an attempt against the one before it."""
    return "; ".join(attempt.changes) if attempt.changes else "no clear change"


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return NOT_ASKED
    s = round(seconds)
    return f"{s // 60}:{s % 60:02d}"


def _stat(stats: dict[str, Any] | None, key: str) -> str:
    if stats is None:
        return NOT_ASKED
    value = stats.get(key)
    if key == "fillers":
        rate = stats.get("fillers_per_min")
        return f"{rate:.0f}/min" if rate is not None else str(stats.get("fillers", 0))
    if value is None:
        return NOT_ASKED
    if key == "wpm":
        return f"{value:.0f}"
    if key == "longest_pause":
        return f"{value:.1f} s"
    if key == "seconds":
        return _clock(value)
    return str(value)


#: Delivery rows of the side-by-side table: (label, key in the attempt's speech figures).
DELIVERY_ROWS = (
    ("Words", "words"),
    ("Length", "seconds"),
    ("Pace (wpm)", "wpm"),
    ("Fillers", "fillers"),
    ("Hedges", "hedges"),
    ("Longest pause", "longest_pause"),
)


def table(attempts: Sequence[AttemptReport]) -> list[tuple[str, list[str]]]:
    """The side-by-side rows: each signal's verdict, each per-question score, then the delivery figures."""
    rows: list[tuple[str, list[str]]] = []
    order: dict[str, str] = {}
    for a in attempts:
        for s in a.signals:
            order.setdefault(s["id"], str(s.get("label", s["id"])))
    for sid, label in order.items():
        marks = []
        for a in attempts:
            found = next((s for s in a.signals if s["id"] == sid), None)
            marks.append(signal_mark(found) if found else NOT_ASKED)
        rows.append((label, marks))
    dims = list(dict.fromkeys(d for a in attempts for d in a.scores))
    for dim in dims:
        cells = []
        for a in attempts:
            value = _score(a.scores, dim)
            cells.append(f"{value}/5" if value is not None else "n/a")
        if any(c != "n/a" for c in cells):
            rows.append((_dim_label(dim), cells))
    for label, key in DELIVERY_ROWS:
        cells = [_stat(a.stats, key) for a in attempts]
        if any(c != NOT_ASKED for c in cells):  # typed answers have no length, pace or pauses
            rows.append((label, cells))
    return rows
