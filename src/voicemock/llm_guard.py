"""Pure checks on what a language model wrote, before anything it wrote reaches the candidate.

A model's follow-up is spoken in the persona's voice, so it must sound like one interviewer asking one
question: addressed to "you", short, not a restatement of the question just asked, and with no meta talk
("the candidate", "as an AI"). Debrief evidence must be the candidate's own words, so a quote that is not
verbatim in the transcript is dropped rather than trusted. Scores come from the deterministic rubric only,
so any score a model slips into a note is cut out. What a model writes is shown in a terminal and spoken,
so a follow-up with markup (Rich ``[link=...]``, HTML, Markdown links), a URL or a control character (a
terminal escape) is rejected, and a note with them is dropped. Nothing here does I/O, so every path that
accepts model text (a whole reply now, a streamed one later) checks it here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from voicemock.scenario import Persona

MAX_FOLLOW_UP_WORDS = 40
"""Longer than this and it is a speech, not a follow-up (spoken, 40 words is about 15 seconds)."""

RESTATEMENT_OVERLAP = 0.75
"""Share of a follow-up's content words already in the question above which it counts as a restatement."""

_META = re.compile(
    r"\b(the candidate|candidate's|the interviewee|interviewee's|as an ai|an ai (language )?model|"
    r"language model|i am an ai|i'm an ai|the transcript|the rubric|rubric|json|follow-?up question\s*:|"
    r"here is (a|my|the) (follow-?up|question)|as (an|the) interviewer|the user's answer|the answer above|"
    r"missing signal|signal id)\b",
    re.IGNORECASE,
)
_YOU = re.compile(r"\b(you|your|yours|yourself|you'd|you're|you've|you'll)\b", re.IGNORECASE)
#: An imperative that speaks to the candidate without the word "you": "Walk me through...", "Tell me...".
_IMPERATIVE = re.compile(
    r"^(tell|walk|talk|give|show|take|help) me\b|^(describe|explain|name|pick|say|estimate|sketch)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_STOPWORDS = frozenset(
    """a an the and or but if so of to in on at for with by from as is are was were be been being it its this
    that these those there here what which who whom whose when where why how do does did doing would could
    should will can may might must shall you your yours i me my we our us they them their he she his her
    not no yes about into over under than then just also very really more most some any each every one
    let's lets say said tell me okay ok well now""".split()  # noqa: SIM905 (readable as prose)
)
_SCORE = re.compile(
    r"\b\d(?:\.\d)?\s*(?:/|out of)\s*(?:5|10|100)\b|\bscor(?:e|es|ed|ing)\b[^.!?]{0,30}\b\d|\b(?:rate|rating|grade)\b[^.!?]{0,20}\b\d\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""Control characters other than tab and newline: terminal escapes, carriage returns, bidi overrides."""
_MARKUP = re.compile(
    r"\[/?[a-z#@][^\]\n]{0,80}\]|\[/\]|</?[a-z][a-z0-9]*\b[^>\n]{0,200}>|\]\(|`|&[a-z]+;|&#\d+;",
    re.IGNORECASE,
)
"""Rich console markup (``[bold]``, ``[link=...]``, ``[/]``), HTML tags and entities, Markdown links and code."""
_URL = re.compile(r"\b[a-z][a-z0-9+.-]{1,15}://|\bwww\.|\b(?:mailto|file|data|javascript):", re.IGNORECASE)


def unsafe_text_problem(text: str) -> str | None:
    """Why model text cannot be shown or spoken as it is (control characters, markup, a link), or None."""
    if _CONTROL.search(text.replace("\r\n", "\n")):
        return "control characters"
    if _URL.search(text):
        return "a link"
    if _MARKUP.search(text):
        return "markup"
    return None


def clean_note(text: str) -> str:
    """A debrief note as it may be shown: whitespace collapsed; "" when it holds markup, a link or control
    characters (the note is then dropped rather than trusted)."""
    text = " ".join(text.split())
    return "" if unsafe_text_problem(text) else text


def content_words(text: str) -> set[str]:
    """Lower-cased words that carry meaning (no stop words): the basis of the restatement check."""
    return {w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS and len(w) > 1}


def overlap(text: str, other: str) -> float:
    """Share of ``text``'s content words that also occur in ``other`` (0 when ``text`` has none)."""
    words = content_words(text)
    if not words:
        return 0.0
    return len(words & content_words(other)) / len(words)


def clean_follow_up(text: str, persona: Persona | None = None) -> str:
    """Strip what models wrap around a question: quotes, a speaker label ("Priya:"), markdown, spaces."""
    out = " ".join(text.replace("**", "").split())
    labels = ["interviewer", "question", "follow-up", "follow up", "followup"]
    if persona is not None:
        labels += [persona.name, persona.name.split()[0]]
    for label in labels:
        if out.lower().startswith(label.lower() + ":"):
            out = out[len(label) + 1 :].strip()
    return out.strip().strip("\"'`\u201c\u201d\u2018\u2019").strip()


def follow_up_problem(text: str, question_text: str, persona: Persona | None = None) -> str | None:
    """Why ``text`` (already cleaned) cannot be spoken as a follow-up, or None when it can."""
    if not text.strip():
        return "empty"
    unsafe = unsafe_text_problem(text)
    if unsafe:
        return unsafe
    if _META.search(text):
        return "meta talk"
    if persona is not None and re.search(
        rf"\bas {re.escape(persona.name.split()[0])}\b", text, re.IGNORECASE
    ):
        return "meta talk"
    if text.count("?") > 1:
        return "more than one question"
    if "?" not in text and not _IMPERATIVE.search(text):
        return "not a question"
    if not _YOU.search(text) and not _IMPERATIVE.search(text):
        return 'not addressed to "you"'
    if len(text.split()) > MAX_FOLLOW_UP_WORDS:
        return f"longer than {MAX_FOLLOW_UP_WORDS} words"
    if overlap(text, question_text) >= RESTATEMENT_OVERLAP:
        return "restates the question"
    return None


def validate_follow_up(text: str, question_text: str, persona: Persona | None = None) -> str | None:
    """The cleaned follow-up when it can be spoken as is, else None (see ``follow_up_problem`` for why)."""
    cleaned = clean_follow_up(text, persona)
    return None if follow_up_problem(cleaned, question_text, persona) else cleaned


def _normalised_with_map(text: str) -> tuple[str, list[int]]:
    """``text`` case-folded with runs of whitespace collapsed to one space, and for each output character
    the index of the input character it came from (so a match can be cut out of the original)."""
    chars: list[str] = []
    index: list[int] = []
    pending_space = False
    for i, ch in enumerate(text):
        if ch.isspace():
            pending_space = bool(chars)
            continue
        if pending_space:
            chars.append(" ")
            index.append(i - 1)
            pending_space = False
        for folded in ch.casefold():
            chars.append(folded)
            index.append(i)
    return "".join(chars), index


_QUOTE_EDGES = " \t\n\"'`\u201c\u201d\u2018\u2019.,;:!?\u2026-"


def keep_verbatim(quotes: Iterable[str], transcript_text: str) -> list[str]:
    """Keep only quotes that occur verbatim in the transcript (ignoring case, runs of whitespace and
    surrounding quotation marks or punctuation), returned as the transcript's own words; drop the rest.

    Why: a model asked for evidence will happily paraphrase or invent it, and a debrief that quotes the
    candidate saying something they never said is worse than one without a quote. Duplicates are dropped.
    """
    haystack, index = _normalised_with_map(transcript_text)
    kept: list[str] = []
    for quote in quotes:
        needle, _ = _normalised_with_map(quote.strip(_QUOTE_EDGES))
        if not needle:
            continue
        at = haystack.find(needle)
        if at < 0:
            continue
        original = transcript_text[index[at] : index[at + len(needle) - 1] + 1]
        if original not in kept:
            kept.append(original)
    return kept


def strip_scores(text: str) -> str:
    """Drop sentences that hand out a score ("4/5", "I'd score this 5"): scores belong to the rubric."""
    kept = [s for s in _SENTENCE.split(text.strip()) if s and not _SCORE.search(s)]
    return " ".join(kept).strip()
