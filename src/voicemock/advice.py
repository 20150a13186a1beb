"""Advice for a missing or weak signal: one concrete sentence tied to the candidate's own words.

Deterministic: built from the words found in the answer and the question's ``strong`` line (or the signal
ladder's next anchor, ``levels.py``), never from the candidate's instructions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from voicemock import signals
from voicemock.jargon import MIN_WORDS, keyword_pattern, word_count
from voicemock.scenario import Question
from voicemock.signals import SignalSpec

_IRREGULAR = {"is": "be", "has": "have", "does": "do", "goes": "go"}
_VERB_AFTER_AND = re.compile(r"((?:^|,\s*|\band\s+|\bor\s+|\bthen\s+)(?:also\s+)?)([a-z]+s)\b")
#: Verbs that start the catalogue's and the scenarios' "strong" lines; only these are made imperative.
_STRONG_VERBS = frozenset(
    [
        "says",
        "names",
        "puts",
        "prices",
        "explains",
        "compares",
        "decides",
        "offers",
        "picks",
        "lets",
        "translates",
        "describes",
        "closes",
        "gives",
        "sets",
        "proposes",
        "checks",
        "asks",
        "turns",
        "estimates",
        "weighs",
        "judges",
        "guards",
        "handles",
        "questions",
        "plans",
        "states",
    ]
)


def _base_form(verb: str) -> str:
    """ "names" -> "name", "prices" -> "price", "does" -> "do": third person to imperative."""
    if verb in _IRREGULAR:
        return _IRREGULAR[verb]
    if verb.endswith("ies"):
        return verb[:-3] + "y"
    if verb.endswith(("sses", "shes", "ches", "xes", "zes")):
        return verb[:-2]
    return verb[:-1] if verb.endswith("s") and not verb.endswith("ss") else verb


def imperative(strong: str) -> str:
    """Turn a "strong answer ..." line ("names one metric ..., and says why") into an instruction."""
    text = strong.strip().rstrip(".")
    first, _, rest = text.partition(" ")
    text = f"{_base_form(first)} {rest}".strip()

    def fix(m: re.Match[str]) -> str:
        word = m.group(2)
        # Only verbs we know from the strong lines; "others" or "costs" as nouns stay.
        return m.group(1) + (_base_form(word) if word in _STRONG_VERBS else word)

    return _VERB_AFTER_AND.sub(fix, text)


def mentioned(text: str, question: Question, kind: str | None) -> str | None:
    """The candidate's own domain word to hang advice on: the question's keywords first, then the catalogue's
    domain terms of ``kind``, then any domain term; the earliest one in the answer wins within each group."""
    groups: list[Sequence[str]] = [[k for ref in question.signals for k in ref.keywords]]
    if kind:
        groups.append(signals.DOMAIN_TERMS.get(kind, ()))
    groups.append([t for terms in signals.DOMAIN_TERMS.values() for t in terms])
    for group in groups:
        found: list[tuple[int, str]] = []
        for term in group:
            m = re.compile(keyword_pattern(term), re.IGNORECASE).search(text)
            if m:
                found.append((m.start(), m.group(0)))
        if found:
            return min(found)[1].lower()
    return None


#: Mass nouns and collectives that stay as they are in "say what goes wrong for {term} today".
_NO_PLURAL = frozenset({"leadership", "fraud", "missed fraud", "risk", "wrong team"})


def _plural(term: str, kind: str | None) -> str:
    """The plural of a singular people or error term, so advice reads "for customers today", not "for
    customer today"; metric terms ("conversion", "churn") are left alone."""
    if kind not in ("who", "error") or term in _NO_PLURAL or term.endswith("s"):
        return term
    return term + "s"


def advise(spec: SignalSpec, strong: str, text: str, question: Question, detail: str = "") -> str:
    """One concrete sentence on what would have earned a missing signal, tied to the candidate's own answer.

    Deterministic: built from the words found in the answer and the question's ``strong`` line, never from the
    candidate's instructions. Empty and very short answers get a kind note instead of a lecture.
    """
    words = word_count(text)
    instruction = imperative(strong)
    if words == 0:
        return f"No answer was recorded, and that is fine for a first try: next time, {instruction}."
    if words < MIN_WORDS:
        return f"A few words is a start; give it three or four sentences next time and {instruction}."
    if spec.special == "plain_language" and "->" in detail:
        pairs = re.findall(r'"([^"]+)" -> ([^;]+)', detail)
        swaps = "; ".join(
            f"say \u201c{plain.strip()}\u201d rather than \u201c{term}\u201d" for term, plain in pairs[:3]
        )
        return f"Translate as you go for this listener: {swaps}."
    if spec.special == "plain_language":
        return f"Answer the question itself in everyday words: {instruction}."
    kind, example = signals.ADVICE.get(spec.id, (None, ""))
    term = mentioned(text, question, kind)
    if term is None:
        return f"Next time, {instruction}."
    authored = any(ref.id == spec.id and ref.strong for ref in question.signals)
    if example and not authored and term in signals.DOMAIN_TERMS.get(kind or "", ()):
        return f"You mentioned {term}: {example.format(term=_plural(term, kind))}."
    return f"You mentioned {term}: {instruction}."
