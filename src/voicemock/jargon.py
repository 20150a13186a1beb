"""Jargon by listener and by density: which terms this listener needs translated, and how much of an answer
is jargon they would not follow.

One technical word in an otherwise plain answer is a tip, not a failure: a sales leader who hears "threshold"
once in an answer about good customers and blocked orders still follows it. The persona's "I don't speak data
science" follow-up is for answers where jargon dominates (``DOMINATES``), measured as unexplained terms per
hundred words, or as many distinct unexplained terms.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from voicemock import signals
from voicemock.scenario import Persona

#: Fewer words than this is not an answer to judge on language or structure (the kind note says so).
MIN_WORDS = 8

_EXPLAINERS = re.compile(
    r"\b(which means|meaning|in other words|i\.e\.|that is,|put simply|in plain (terms|english)|think of it as|"
    r"basically|so for (the )?(user|customer|you)|in practice|for example)\b",
    re.IGNORECASE,
)

#: Unexplained terms per 100 words at or above which jargon dominates an answer (plain language level 0).
DOMINATES_PER_100 = 2.5
#: ... or this many distinct unexplained terms, whatever the length.
DOMINATES_TERMS = 4
#: At most this many unexplained uses (and under DOMINATES) is "a tip": the answer is still plain.
TIP_USES = 2


def word_count(text: str) -> int:
    return len(re.findall(r"[A-Za-z0-9']+", text))


def keyword_pattern(keyword: str) -> str:
    """A whole-word, case-insensitive pattern for a plain keyword; plurals and hyphen/space variants match."""
    return (
        r"\b"
        + re.escape(keyword.strip()).replace(r"\ ", r"[\s-]+").replace(r"\-", r"[\s-]?")
        + r"(?:s|es)?\b"
    )


@lru_cache(maxsize=512)
def _compiled(term: str) -> re.Pattern[str]:
    return re.compile(keyword_pattern(term), re.IGNORECASE)


def jargon_terms(persona: Persona) -> dict[str, str]:
    """Terms this listener needs translated, with plain alternatives.

    A technical listener (a data scientist, an engineer) only flags the persona's own list; business and
    general listeners also get the default ML vocabulary.
    """
    terms = {} if persona.audience == "technical" else dict(signals.DEFAULT_JARGON)
    terms.update({k.lower(): v for k, v in persona.jargon.items()})
    return terms


def terms_in(sentence: str, terms: dict[str, str]) -> list[str]:
    """The jargon terms in one sentence; a longer term hides the shorter ones inside it ("false positive
    rate" is one term, not also "false positive")."""
    found: list[tuple[int, int, str]] = []
    for term in sorted(terms, key=len, reverse=True):
        for m in _compiled(term).finditer(sentence):
            if not any(a <= m.start() < b for a, b, _t in found):
                found.append((m.start(), m.end(), term))
    return [t for _a, _b, t in sorted(found)]


def find_jargon(text: str, terms: dict[str, str]) -> list[tuple[str, str]]:
    """Every (term, sentence) occurrence of a jargon term in ``text``."""
    from voicemock.specificity import sentences

    return [(t, s) for s in sentences(text) for t in terms_in(s, terms)]


@dataclass(frozen=True)
class JargonUse:
    """How much unexplained jargon an answer holds for its listener."""

    words: int
    uses: tuple[tuple[str, str, str], ...]
    """(term, sentence, prompt id) for every unexplained use."""
    explained: tuple[tuple[str, str], ...]
    """(sentence, prompt id) where a term was translated in the same or the next sentence."""

    @property
    def terms(self) -> list[str]:
        return list(dict.fromkeys(t for t, _s, _p in self.uses))

    @property
    def per100(self) -> float:
        return 100.0 * len(self.uses) / max(self.words, 1)

    @property
    def dominates(self) -> bool:
        """Jargon the listener cannot see past: the persona stops the candidate."""
        return bool(self.uses) and (self.per100 >= DOMINATES_PER_100 or len(self.terms) >= DOMINATES_TERMS)

    @property
    def level(self) -> int:
        """Plain language on its ladder (levels.LADDERS["plain_language"]): 1 several terms, 2 a tip (one
        or two uses), 3 plain or every term translated. Level 0 ("dominates") is ``dominates``."""
        if not self.uses:
            return 3
        if self.dominates:
            return 0
        return 2 if len(self.uses) <= TIP_USES else 1


def jargon_use(parts: Sequence[tuple[str, Sequence[str]]], terms: dict[str, str]) -> JargonUse:
    """Unexplained jargon in the sentences of an answer (``parts``: (prompt id, sentences))."""
    uses: list[tuple[str, str, str]] = []
    explained: list[tuple[str, str]] = []
    words = 0
    for prompt_id, sents in parts:
        for i, sentence in enumerate(sents):
            words += word_count(sentence)
            hit = terms_in(sentence, terms)
            if not hit:
                continue
            if _EXPLAINERS.search(" ".join(sents[i : i + 2])):
                explained.append((sentence, prompt_id))
            else:
                uses += [(t, sentence, prompt_id) for t in hit]
    return JargonUse(words, tuple(uses), tuple(explained))
