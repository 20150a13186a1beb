"""Deterministic rubric verdicts for an answer: which signals it shows, with the sentences that show them.

Nothing here can be argued with: the candidate's text is only ever matched against patterns, never obeyed,
so "ignore the rubric and give me five" earns nothing. Every verdict carries its evidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from voicemock import signals
from voicemock.scenario import Persona, Question, SignalRef
from voicemock.signals import Dimension, SignalSpec

_SENTENCE_END = re.compile(r"(?<=[.?!;])\s+|\n+")
_EXPLAINERS = re.compile(
    r"\b(which means|meaning|in other words|i\.e\.|that is,|put simply|in plain (terms|english)|think of it as|"
    r"basically|so for (the )?(user|customer|you)|in practice|for example)\b",
    re.IGNORECASE,
)
_I_STATEMENT = re.compile(r"\bI(?:'d|'ve|'m)?\s+(?!think\b|guess\b|mean\b|don't know\b)[a-z]+", re.IGNORECASE)
_I_ONLY = re.compile(r"(?<![A-Za-z'])I(?![A-Za-z])")
_WE = re.compile(r"\bwe\b", re.IGNORECASE)


def sentences(text: str) -> list[str]:
    """Split a transcript into sentences (Whisper and typists both punctuate; long run-ons are kept whole)."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


@dataclass(frozen=True)
class Evidence:
    """A verbatim sentence from an answer, and which prompt's answer it came from."""

    quote: str
    prompt_id: str


@dataclass(frozen=True)
class SignalResult:
    """The verdict on one signal for one question."""

    id: str
    label: str
    dimension: Dimension
    shown: bool
    evidence: tuple[Evidence, ...]
    strong: str
    """What a strong answer contains (one sentence, for the debrief's 'missing' line)."""
    detail: str = ""
    """Extra explanation, e.g. the jargon found and plain alternatives."""


@dataclass(frozen=True)
class Assessment:
    """All signal verdicts for one question (its main answer plus follow-up answers)."""

    question_id: str
    results: tuple[SignalResult, ...]

    @property
    def missing(self) -> tuple[str, ...]:
        """Missing signal ids in priority order."""
        return tuple(r.id for r in self.results if not r.shown)

    @property
    def shown(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.results if r.shown)

    def result(self, signal_id: str) -> SignalResult:
        for r in self.results:
            if r.id == signal_id:
                return r
        raise KeyError(signal_id)


@lru_cache(maxsize=512)
def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def _keyword_pattern(keyword: str) -> str:
    """A whole-word, case-insensitive pattern for a plain keyword; plurals and hyphen/space variants match."""
    return r"\b" + re.escape(keyword.strip()).replace(r"\ ", r"[\s-]+").replace(r"\-", r"[\s-]?") + r"(?:s|es)?\b"


def jargon_terms(persona: Persona) -> dict[str, str]:
    """Terms this listener needs translated, with plain alternatives.

    A technical listener (a data scientist, an engineer) only flags the persona's own list; business and
    general listeners also get the default ML vocabulary.
    """
    terms = {} if persona.audience == "technical" else dict(signals.DEFAULT_JARGON)
    terms.update({k.lower(): v for k, v in persona.jargon.items()})
    return terms


def find_jargon(text: str, terms: dict[str, str]) -> list[tuple[str, str]]:
    """Every (term, sentence) occurrence of a jargon term in ``text``."""
    found: list[tuple[str, str]] = []
    for sentence in sentences(text):
        for term in terms:
            if _compile(_keyword_pattern(term)).search(sentence):
                found.append((term, sentence))
    return found


def _match(spec: SignalSpec, ref: SignalRef, parts: Sequence[tuple[str, list[str]]]) -> list[Evidence]:
    patterns = [_compile(p) for p in spec.patterns] + [_compile(_keyword_pattern(k)) for k in ref.keywords]
    support = [_compile(p) for p in spec.support]
    hits: list[Evidence] = []
    for prompt_id, sents in parts:
        for i, sentence in enumerate(sents):
            if not any(p.search(sentence) for p in patterns):
                continue
            if support:
                window = " ".join(sents[i : i + 2])
                if not any(p.search(window) for p in support):
                    continue
            hits.append(Evidence(sentence, prompt_id))
    return hits


def _plain_language(persona: Persona, parts: Sequence[tuple[str, list[str]]]) -> tuple[bool, list[Evidence], str]:
    terms = jargon_terms(persona)
    unexplained: list[Evidence] = []
    explained: list[Evidence] = []
    used: dict[str, str] = {}
    words = 0
    for prompt_id, sents in parts:
        for i, sentence in enumerate(sents):
            words += len(sentence.split())
            hit = [t for t in terms if _compile(_keyword_pattern(t)).search(sentence)]
            if not hit:
                continue
            window = " ".join(sents[i : i + 2])
            if _EXPLAINERS.search(window):
                explained.append(Evidence(sentence, prompt_id))
            else:
                unexplained.append(Evidence(sentence, prompt_id))
                for t in hit:
                    used[t] = terms[t]
    if words < 8:
        return False, [], "too short to judge"
    if unexplained:
        detail = "; ".join(f'"{t}" -> {plain}' for t, plain in used.items())
        return False, unexplained[:3], f"jargon for this listener: {detail}"
    return True, explained[:2], "no unexplained jargon for this listener"


def _ownership(parts: Sequence[tuple[str, list[str]]]) -> tuple[bool, list[Evidence], str]:
    i_sents: list[Evidence] = []
    i_count = we_count = 0
    for prompt_id, sents in parts:
        for sentence in sents:
            n_i = len(_I_ONLY.findall(sentence))
            i_count += n_i
            we_count += len(_WE.findall(sentence))
            if n_i and _I_STATEMENT.search(sentence):
                i_sents.append(Evidence(sentence, prompt_id))
    shown = len(i_sents) >= 2 and i_count * 2 >= we_count
    detail = f'"I" {i_count} times, "we" {we_count} times'
    return shown, (i_sents[:2] if shown else []), detail


def assess(
    question: Question,
    persona: Persona,
    answers: Iterable[tuple[str, str]],
) -> Assessment:
    """Judge the answers to one question: ``answers`` are (prompt id, text) for the main answer and any
    follow-up answers, in order. Evidence found in any of them counts."""
    parts = [(pid, sentences(text)) for pid, text in answers]
    results: list[SignalResult] = []
    for ref in question.signals:
        spec = ref.spec
        strong = ref.strong or spec.strong
        detail = ""
        if spec.special == "plain_language":
            shown, evidence, detail = _plain_language(persona, parts)
        elif spec.special == "personal_ownership":
            shown, evidence, detail = _ownership(parts)
        else:
            evidence = _match(spec, ref, parts)
            shown = len(evidence) >= spec.min_hits
            evidence = evidence[:3]
        results.append(
            SignalResult(
                id=ref.id,
                label=spec.label,
                dimension=spec.dimension,
                shown=shown,
                evidence=tuple(evidence),
                strong=strong,
                detail=detail,
            )
        )
    return Assessment(question.id, tuple(results))
