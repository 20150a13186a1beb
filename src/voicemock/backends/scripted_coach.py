"""The offline follow-up coach: it listens to the graded verdicts and probes the weakest point.

Deterministic and instant. It is the default and the fallback for every other coach: measured small local
models did worse than this at picking a real gap (docs/llm.md, "What small local models were measured to do").

What it asks, in order:

1. When jargon dominates the answer for this listener, the persona's plain-words follow-up ("Stop. I don't
   speak data science."). One technical word in a plain answer is only a tip in the debrief, never this.
2. Otherwise the weakest graded signal of the question (``levels.py``), lowest on its ladder first, the
   question's priority order breaking ties: a signal not shown gets the persona's authored follow-up; a
   signal shown but low on its ladder gets a probe one level deeper that quotes the candidate's own words
   ("You said \u201cwe'd track lost deals\u201d. What number would tell us it worked?").
3. Nothing, when every signal is at least two thirds of the way up its ladder: a strong answer moves on.

It never asks for a signal already probed on this question, nor repeats a follow-up, and it never asks for
something the answer already gave: a probe asks only for the next level, which the answer did not reach.
"""

from __future__ import annotations

import re

from voicemock.levels import probe
from voicemock.protocols import CoachNote, FollowUp, FollowUpRequest, NotesRequest
from voicemock.rubric import SignalResult

#: A signal at or above this share of its ladder is good enough: the coach moves on rather than probe it.
GOOD_ENOUGH = 2 / 3
#: Longest quote of the candidate's words in a probe.
QUOTE_WORDS = 12
_CLAUSE = re.compile(r"\s*(?:[,;:\u2014]|\s-\s|\bbut\b|\band then\b|\bbecause\b)\s*", re.IGNORECASE)


def short_quote(sentence: str, words: int = QUOTE_WORDS) -> str:
    """A few of the candidate's own words from ``sentence``, verbatim: its first clause of four or more
    words, cut at ``words`` words."""
    clauses = [c.strip() for c in _CLAUSE.split(sentence.strip().rstrip(".?!")) if c and c.strip()]
    clause = next((c for c in clauses if len(c.split()) >= 4), sentence.strip().rstrip(".?!"))
    parts = clause.split()
    text = " ".join(parts[:words])
    return text + ("..." if len(parts) > words else "")


def _share(r: SignalResult) -> float:
    return r.level / r.top if r.top else (1.0 if r.shown else 0.0)


def choose(request: FollowUpRequest) -> FollowUp | None:
    """The follow-up for the weakest graded point of the answers so far, or None to move on."""
    authored = {ref.id: ref.follow_up for ref in request.question.signals}
    probed = set(request.probed) | {
        r.id for r in request.assessment.results if r.shown is False and r.id not in request.missing
    }
    jargon = request.assessment.jargon
    plain = authored.get("plain_language")
    if (
        plain
        and jargon is not None
        and jargon.dominates
        and "plain_language" not in request.probed
        and plain not in request.asked
    ):
        return FollowUp(text=plain, signal="plain_language", origin="scripted")
    candidates = [
        r
        for r in request.assessment.results
        if r.id not in probed and r.id != "plain_language" and _share(r) < GOOD_ENOUGH
    ]
    for r in sorted(candidates, key=lambda r: (_share(r), r.priority)):
        if not r.shown:
            text = authored.get(r.id)
        else:
            template = probe(r.id, r.grade) if r.grade is not None else None
            quote = short_quote(r.evidence[0].quote) if r.evidence else ""
            text = template.format(quote=f"\u201c{quote}\u201d") if template and quote else None
        if text and text not in request.asked:
            return FollowUp(text=text, signal=r.id, origin="scripted")
    return None


class ScriptedCoach:
    """Probes the weakest graded point of an answer, or moves on when the answer is strong."""

    name = "scripted"

    def follow_up(self, request: FollowUpRequest) -> FollowUp | None:
        if request.remaining <= 0:
            return None
        return choose(request)

    def notes(self, request: NotesRequest) -> list[CoachNote]:
        return []
