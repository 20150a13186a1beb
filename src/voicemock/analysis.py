"""Speech analytics from a transcript: length, pace, fillers, hedges, pauses and jargon.

Pace and pauses need word timings, so typed answers report them as unavailable instead of inventing them.
Filler counts are estimates: Whisper drops many "um"s and "uh"s even when primed to keep them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from itertools import pairwise
from typing import Any

from voicemock.models import Transcript

FILLERS = (
    r"\bu+m+\b",
    r"\bu+h+\b",
    r"\bu+hm+\b",
    r"\berm?\b",
    r"\bhmm+\b",
    r"\bah+\b",
    r"\byou know\b(?!\s+(what|how|that|the|when|why|if|who))",
    r"\bi mean\b",
    r"\bsort of\b",
    r"\bkind of\b(?!\s+(model|data|user|problem|metric|feature))",
    r"(?:^|[,.]\s*|\s)like,",
    r"\bbasically\b",
)
HEDGES = (
    r"\bi think\b",
    r"\bi guess\b",
    r"\bmaybe\b",
    r"\bprobably\b",
    r"\bperhaps\b",
    r"\bpossibly\b",
    r"\bi'?m not (sure|certain)\b",
    r"\bi feel like\b",
    r"\bi suppose\b",
    r"\bkind of\b",
    r"\bsort of\b",
    r"\bmight\b",
    r"\bhopefully\b",
)
_FILLER_RE = [re.compile(p, re.IGNORECASE) for p in FILLERS]
_HEDGE_RE = [re.compile(p, re.IGNORECASE) for p in HEDGES]
_WORD = re.compile(r"[A-Za-z0-9']+")

#: A gap between words longer than this counts as a pause.
PAUSE_SECONDS = 2.0
#: A gap this long inside an answer is a thinking pause (hands-free mode waits through them; the debrief
#: reports them so the candidate sees where they stopped to think).
THINKING_SECONDS = 3.0


@dataclass(frozen=True)
class SpeechStats:
    """Delivery figures for one answer (or several, combined)."""

    words: int
    seconds: float | None
    """Audio length; None for typed answers."""
    wpm: float | None
    fillers: int
    fillers_per_min: float | None
    filler_terms: dict[str, int] = field(default_factory=dict)
    hedges: int = 0
    hedge_terms: dict[str, int] = field(default_factory=dict)
    longest_pause: float | None = None
    long_pauses: int = 0
    thinking_pauses: int = 0
    """Gaps of ``THINKING_SECONDS`` or more between words."""
    jargon: int = 0
    jargon_terms: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _count(patterns: list[re.Pattern[str]], text: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for p in patterns:
        for m in p.finditer(text):
            key = m.group(0).strip(" ,.").lower()
            found[key] = found.get(key, 0) + 1
    return found


def analyse(transcript: Transcript, jargon: Iterable[str] = ()) -> SpeechStats:
    """Compute delivery figures for one transcript; ``jargon`` are the terms this listener needs translated."""
    text = transcript.text
    words = len(_WORD.findall(text))
    fillers = _count(_FILLER_RE, text)
    hedges = _count(_HEDGE_RE, text)
    jargon_found: dict[str, int] = {}
    for term in jargon:
        n = len(re.findall(r"\b" + re.escape(term) + r"s?\b", text, re.IGNORECASE))
        if n:
            jargon_found[term] = n
    seconds = transcript.duration
    wpm = fpm = longest = None
    long_pauses = thinking = 0
    if seconds is not None:
        timed = transcript.words
        span = (timed[-1].end - timed[0].start) if len(timed) >= 2 else seconds
        minutes = max(span, 1.0) / 60.0
        wpm = round(words / minutes, 1)
        fpm = round(sum(fillers.values()) / minutes, 2)
        gaps = [b.start - a.end for a, b in pairwise(timed)]
        longest = round(max(gaps), 2) if gaps else 0.0
        long_pauses = sum(1 for g in gaps if g >= PAUSE_SECONDS)
        thinking = sum(1 for g in gaps if g >= THINKING_SECONDS)
    return SpeechStats(
        words=words,
        seconds=None if seconds is None else round(seconds, 2),
        wpm=wpm,
        fillers=sum(fillers.values()),
        fillers_per_min=fpm,
        filler_terms=fillers,
        hedges=sum(hedges.values()),
        hedge_terms=hedges,
        longest_pause=longest,
        long_pauses=long_pauses,
        thinking_pauses=thinking,
        jargon=sum(jargon_found.values()),
        jargon_terms=jargon_found,
    )


def combine(stats: list[SpeechStats]) -> SpeechStats:
    """Totals over several answers; rates are recomputed over the timed answers only."""
    timed = [s for s in stats if s.seconds is not None and s.wpm]
    minutes = sum(s.words / s.wpm for s in timed if s.wpm) if timed else 0.0

    def merge(dicts: Iterable[dict[str, int]]) -> dict[str, int]:
        out: dict[str, int] = {}
        for d in dicts:
            for k, v in d.items():
                out[k] = out.get(k, 0) + v
        return out

    timed_fillers = sum(s.fillers for s in timed)
    pauses = [s.longest_pause for s in stats if s.longest_pause is not None]
    return SpeechStats(
        words=sum(s.words for s in stats),
        seconds=round(sum(s.seconds for s in timed if s.seconds), 2) if timed else None,
        wpm=round(sum(s.words for s in timed) / minutes, 1) if minutes else None,
        fillers=sum(s.fillers for s in stats),
        fillers_per_min=round(timed_fillers / minutes, 2) if minutes else None,
        filler_terms=merge(s.filler_terms for s in stats),
        hedges=sum(s.hedges for s in stats),
        hedge_terms=merge(s.hedge_terms for s in stats),
        longest_pause=max(pauses) if pauses else None,
        long_pauses=sum(s.long_pauses for s in stats),
        thinking_pauses=sum(s.thinking_pauses for s in stats),
        jargon=sum(s.jargon for s in stats),
        jargon_terms=merge(s.jargon_terms for s in stats),
    )
