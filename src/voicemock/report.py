"""One renderer for the debrief: the model becomes sections of lines that Markdown and the app both draw.

``document(debrief)`` decides what is said and in what order (the summary, then one section per question
with its attempts side by side, the evidence quoted once, and what was asked and answered). ``to_markdown``
writes those lines as ``debrief.md``; the app's debrief screen draws the same lines as a list the user can
move through (a quote or a recording is something to play). Neither medium adds or drops content of its own,
except the recordings, which only the app can play.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from voicemock.compare import MISSING, SHOWN, changed_line, table
from voicemock.debrief import AttemptReport, Debrief, QuestionReport, TurnReport
from voicemock.slots import describe


@dataclass(frozen=True)
class Clip:
    """Audio a line can play: a whole recording, or the part of an answer between ``start`` and ``end``."""

    path: str
    """Relative to the session directory."""
    start: float | None = None
    end: float | None = None


@dataclass(frozen=True)
class Line:
    """One block of the debrief.

    ``kind`` is one of: "title", "heading", "subheading", "text", "item", "quote", "prompt", "answer", "meta",
    "table", "audio" (a recording: drawn only by the app).
    """

    kind: str
    text: str = ""
    marker: str = ""
    """Drawn before the text, which wraps with a hanging indent past it ("1.", "\u2713", "4/5", "You:")."""
    indent: int = 0
    clip: Clip | None = None
    question: int | None = None
    """The question this line belongs to (the app's retry key uses it)."""
    rows: tuple[tuple[str, ...], ...] = ()
    """For tables: the header row first."""


@dataclass
class Section:
    key: str
    """"summary" or "q<n>"."""
    tab: str
    """A short name ("Summary", "Q1")."""
    lines: list[Line] = field(default_factory=list)


def _score(score: int | None) -> str:
    return "n/a" if score is None else f"{score}/5"


def _clock(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 60}:{s % 60:02d}"


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
        if stats.get("thinking_pauses"):
            n = stats["thinking_pauses"]
            parts.append(f"{n} thinking pause{'s' if n > 1 else ''} (3 s or more)")
        if stats.get("wpm") is None and stats.get("longest_pause") is None:
            parts.append("pace and pauses not measured (no word timings)")
    else:
        parts.append(f"{stats.get('fillers', 0)} fillers")
    parts.append(f"{stats.get('hedges', 0)} hedges")
    parts.append(f"{stats.get('jargon', 0)} jargon")
    return ", ".join(parts)


def turn_label(kind: str, follow_up_index: int = 0, origin: str = "") -> str:
    """Who asked, in words: "Question", "Follow-up 1 (asked by scripted)", "Re-ask"."""
    if kind == "follow_up":
        who = f"Follow-up {follow_up_index}" if follow_up_index else "Follow-up"
        return f"{who} (asked by {origin})" if origin else who
    return {"repeat": "Re-ask", "intro": "Introduction", "outro": "Closing"}.get(kind, "Question")


# ---------------------------------------------------------------------------------------------------------
# What the debrief says


def document(debrief: Debrief) -> list[Section]:
    """The whole debrief as sections: the summary first, then one per question."""
    return [_summary(debrief)] + [_question(debrief, q) for q in debrief.questions]


def _summary(d: Debrief) -> Section:
    s = Section("summary", "Summary")
    add = s.lines.append
    add(Line("title", f"Debrief: {d.scenario.get('title', '?')}"))
    when = d.started_at[:16].replace("T", " ")
    add(
        Line(
            "text",
            f"Interviewer: {d.persona.get('name', '?')} ({d.persona.get('role', '?')}). "
            f"Session {d.session}, started {when}, {d.ended}.",
        )
    )
    add(Line("heading", "Scores"))
    if d.retried:
        add(Line("meta", "Scores use your latest attempt at each question; earlier ones are compared below."))
    rows = [("Dimension", "Score", "Basis")]
    for key, dim in d.scores.items():
        basis = dim.basis
        # Delivery's "missing" are the figures that cost points; a content dimension's are its missing
        # signals, which each question's section names with advice (not repeated here).
        if dim.missing and key == "delivery":
            basis += ". Cost: " + "; ".join(dim.missing)
        rows.append((dim.label, _score(dim.score), basis))
    add(Line("table", rows=tuple(rows)))
    add(Line("heading", "Top improvements"))
    for i, text in enumerate(d.improvements, start=1):
        add(Line("item", text, marker=f"{i}."))
    if d.overall:
        add(Line("heading", "Speech overall"))
        add(Line("text", stats_line(d.overall)))
        if d.overall.get("jargon_terms"):
            terms = ", ".join(f"{k} ({v})" for k, v in d.overall["jargon_terms"].items())
            add(Line("text", f"Jargon used: {terms}"))
    add(Line("heading", "Questions"))
    for q in d.questions:
        add(Line("item", _question_index(q), marker=f"Q{q.number}.", question=q.number))
    if d.coach_notes:
        add(Line("heading", "Coach notes"))
        for n in d.coach_notes:
            quotes = " ".join(f"\u201c{x}\u201d" for x in n.get("evidence", []))
            add(
                Line(
                    "item",
                    f"({n.get('prompt_id', '?')}, {n.get('origin', '?')}) {n.get('text', '')} {quotes}".rstrip(),
                    marker="-",
                )
            )
    if d.notes:
        add(Line("heading", "Notes"))
        for note in d.notes:
            add(Line("item", note, marker="-"))
    add(Line("text", "Inputs: " + "; ".join(f"{k}: {v}" for k, v in d.inputs.items())))
    add(Line("meta", "Filler counts are estimates: Whisper drops many \u201cum\u201ds and \u201cuh\u201ds."))
    return s


def _question_index(q: QuestionReport) -> str:
    """One line per question for the summary: how it went, and what changed if it was tried again."""
    if not q.attempts:
        return "not reached"
    shown = sum(1 for s in q.signals if s.get("shown"))
    line = f"{shown} of {len(q.signals)} signals shown"
    if len(q.attempts) > 1:
        line += f" on attempt {len(q.attempts)}; what changed: {changed_line(q.attempts[-1])}"
    return line


def _question(d: Debrief, q: QuestionReport) -> Section:
    s = Section(f"q{q.number}", f"Q{q.number}")
    add = s.lines.append
    add(Line("heading", f"Q{q.number}. {q.text}", question=q.number))
    for entry in q.tailored_from:
        add(Line("meta", describe(entry), question=q.number))
    if not q.attempts:
        add(Line("meta", "Not reached.", question=q.number))
        return s
    several = len(q.attempts) > 1
    if several:
        add(Line("subheading", "Side by side", question=q.number))
        header = ("", *tuple(f"Attempt {a.attempt}" for a in q.attempts))
        body = tuple((label, *cells) for label, cells in table(q.attempts))
        add(Line("table", rows=(header, *body), question=q.number))
        for prev, a in zip(q.attempts, q.attempts[1:], strict=False):
            against = "" if len(q.attempts) == 2 else f" (attempt {a.attempt} against {prev.attempt})"
            add(Line("text", f"What changed{against}: {changed_line(a)}", question=q.number))
    for a in q.attempts:
        if several:
            latest = " (latest)" if a is q.attempts[-1] else ""
            when = f", {a.started_at[:16].replace('T', ' ')}" if a.started_at else ""
            add(Line("subheading", f"Attempt {a.attempt}{latest}{when}", question=q.number))
        s.lines += _attempt(q, a)
    return s


def _clip_for(turns: Sequence[TurnReport], evidence: dict[str, Any]) -> Clip | None:
    if evidence.get("start") is None or evidence.get("end") is None:
        return None
    turn = next((t for t in turns if t.prompt_id == evidence.get("prompt_id")), None)
    if turn is None or not turn.audio:
        return None
    return Clip(turn.audio, float(evidence["start"]), float(evidence["end"]))


def level_text(sig: dict[str, Any]) -> str:
    """A shown signal's place on its ladder (debriefs before the graded judgement have no levels)."""
    # What the next level needs is in the dimension's "missing" and the improvements; the line stays short.
    return f"level {sig.get('level')} of {sig.get('top')}"


def _attempt(q: QuestionReport, a: AttemptReport) -> list[Line]:
    """An attempt's verdicts (each quoted sentence once), then what was asked and answered."""
    n = q.number
    turns = q.attempt_turns(a.attempt)
    lines: list[Line] = []
    judged = sorted((v for v in a.scores.values() if v.get("score") is not None), key=lambda v: v["score"])
    if judged:  # this answer's scores, weakest first: which answer was weak on what
        rows = [("Dimension", "Score", "Why")]
        rows += [(str(v.get("label", "")), f"{v['score']}/5", str(v.get("basis", ""))) for v in judged]
        lines.append(Line("table", rows=tuple(rows), question=n))
    quoted: dict[str, str] = {}
    """Each sentence already quoted in this attempt (said again in a follow-up, it is still quoted once)."""
    for sig in a.signals:
        label = str(sig.get("label", sig.get("id", "?")))
        shown = bool(sig.get("shown"))
        fresh: list[dict[str, Any]] = []
        again: list[str] = []
        for e in sig.get("evidence", []):
            key = " ".join(str(e.get("quote", "")).lower().split())
            if key in quoted:
                if quoted[key] != label:  # said twice (answer and follow-up): quoted once, named once
                    again.append(quoted[key])
            else:
                quoted[key] = label
                fresh.append(e)
        text = label
        if not shown:
            text += ": " + (sig.get("advice") or f"a strong answer {sig.get('strong', '')}.")
        elif sig.get("top"):
            text += ": " + level_text(sig)
        if again:
            text += f" (the same sentence as {', '.join(dict.fromkeys(again))})"
        lines.append(Line("item", text, marker=SHOWN if shown else MISSING, question=n))
        for e in fresh:
            clip = _clip_for(turns, e)
            where = f"  {_clock(clip.start or 0)}\u2013{_clock(clip.end or 0)}" if clip else ""
            cost = "" if shown else "cost: "
            lines.append(
                Line(
                    "quote", f"{cost}\u201c{e.get('quote', '')}\u201d{where}", indent=1, clip=clip, question=n
                )
            )
        # A missing plain-language signal's advice already translates the jargon; the detail lists it all.
        if sig.get("detail") and sig.get("id") == "plain_language" and (shown or not sig.get("advice")):
            lines.append(Line("meta", str(sig["detail"]), indent=1, question=n))
    for t in turns:
        # The main question is the section's heading: only follow-ups and re-asks are written out again.
        if t.kind != "question" or t.text != q.text:
            origin = t.origin if t.kind == "follow_up" else ""
            label = turn_label(t.kind, t.follow_up_index, origin)
            lines.append(Line("prompt", t.text, marker=label + ":", question=n))
        if t.question_audio:
            lines.append(
                Line(
                    "audio",
                    "Play the question"
                    if t.kind == "question"
                    else f"Play {turn_label(t.kind, t.follow_up_index).lower()}",
                    indent=1,
                    clip=Clip(t.question_audio),
                    question=n,
                )
            )
        if t.answered:
            lines.append(Line("answer", t.answer or "", marker="You:", question=n))
            meta = [f"source: {t.source}"] if t.source else []
            if t.stats:
                meta.append(stats_line(t.stats))
            if meta:
                lines.append(Line("meta", "; ".join(meta), question=n))
            if t.audio:
                length = f", {_clock(t.stats['seconds'])}" if t.stats and t.stats.get("seconds") else ""
                lines.append(
                    Line("audio", f"Play your answer{length}", indent=1, clip=Clip(t.audio), question=n)
                )
        else:
            notes = "; ".join(t.notes)
            lines.append(Line("meta", f"({t.status}{': ' + notes if notes else ''})", question=n))
    return lines


# ---------------------------------------------------------------------------------------------------------
# Markdown


def _md_escape_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(debrief: Debrief) -> str:
    """``debrief.md``: the same sections and lines the app shows, as Markdown."""
    blocks: list[list[str]] = []
    for section in document(debrief):
        if section.key == "q1":
            blocks.append(["## Answers", ""])
        blocks += [_md(line, section.key != "summary") for line in section.lines]
    return _join(blocks)


def _join(blocks: list[list[str]]) -> str:
    """Markdown blocks joined: anything but a list item starts after a blank line, never two in a row."""
    out: list[str] = []
    for block in blocks:
        if block and block[0] and not block[0].lstrip().startswith("- ") and out and out[-1]:
            out.append("")
        out += block
    text = "\n".join(out).strip("\n")
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text + "\n"


def _md(line: Line, in_question: bool) -> list[str]:
    pad = "  " * line.indent
    kind = line.kind
    if kind == "title":
        return [f"# {line.text}", ""]
    if kind == "heading":
        return [f"{'###' if in_question else '##'} {line.text}", ""]
    if kind == "subheading":
        return [f"#### {line.text}", ""]
    if kind == "text":
        return [line.text, ""]
    if kind == "meta":
        return [f"{pad}_{line.text}_", ""] if not line.indent else [f"{pad}- _{line.text}_"]
    if kind == "item":
        marker = line.marker if line.marker.endswith(".") and line.marker[:-1].isdigit() else "-"
        mark = f"**{line.marker}** " if marker == "-" and line.marker not in ("", "-") else ""
        return [f"{pad}{marker} {mark}{line.text}"]
    if kind == "quote":
        return [f"{pad}- {line.text}"]
    if kind == "prompt":
        return [f"**{line.marker}** {line.text}", ""]
    if kind == "answer":
        return [f"> {line.text}", ""]
    if kind == "table":
        header, *body = line.rows
        rows = [
            "| " + " | ".join(_md_escape_cell(c) for c in header) + " |",
            "|" + "---|" * len(header),
        ]
        rows += ["| " + " | ".join(_md_escape_cell(c) for c in row) + " |" for row in body]
        return [*rows, ""]
    return []  # "audio": recordings are played in the app


def question_markdown(debrief: Debrief, number: int) -> str:
    """One question's section as Markdown (``voicemock retry`` prints the question it just redid)."""
    section = _question(debrief, debrief.question(number))
    return _join([_md(line, True) for line in section.lines])
