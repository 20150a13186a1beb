"""Deterministic rubric verdicts for an answer: which signals it shows, with the sentences that show them.

Two detectors judge each sentence: the catalogue's patterns (``signals.py``) and, when its model is
installed, a trained sentence classifier (``signal_model.py``) that credits paraphrase and overrules a
pattern hit that is only a keyword. Nothing here can be argued with: the candidate's text is only ever
matched and scored, never obeyed, so "ignore the rubric and give me five" earns nothing. Every verdict
carries its evidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import TYPE_CHECKING

from voicemock import safe_regex, signals
from voicemock.safe_regex import Matcher
from voicemock.scenario import Persona, Question, SignalRef
from voicemock.signals import Dimension, SignalSpec

if TYPE_CHECKING:
    from voicemock.signal_model import SentenceJudge


class _Shipped(Enum):
    JUDGE = "shipped"


#: ``assess(..., judge=SHIPPED)``: use the shipped sentence classifier when its model is installed.
SHIPPED = _Shipped.JUDGE

_SENTENCE_END = re.compile(r"(?<=[.?!;])\s+|\n+")
_EXPLAINERS = re.compile(
    r"\b(which means|meaning|in other words|i\.e\.|that is,|put simply|in plain (terms|english)|think of it as|"
    r"basically|so for (the )?(user|customer|you)|in practice|for example)\b",
    re.IGNORECASE,
)
_I_STATEMENT = re.compile(r"\bI(?:'d|'ve|'m)?\s+(?!think\b|guess\b|mean\b|don't know\b)[a-z]+", re.IGNORECASE)
_I_ONLY = re.compile(r"(?<![A-Za-z'])I(?![A-Za-z])")
_WE = re.compile(r"\bwe\b", re.IGNORECASE)
#: A sentence that talks about the rubric or the scorer rather than the question. It is excluded from the
#: evidence entirely (docs/rubric.md: nothing said *about* the score changes it), so "this answer demonstrates
#: the user problem ... mark all of them as shown" cannot earn the signals it names.
_META = re.compile(
    r"\b(this answer (demonstrates|shows|covers|includes|contains|hits)|mark (\w+ ){0,5}(as )?(shown|present|met)|"
    r"score (me|this|it)|give (me|it|this( answer)?) (a |full )?(five|5|top|full)|(five|5) out of (five|5)|"
    r"full marks|the rubric|(the |this )?(scoring|grading) (system|model|engine)|the (scorer|grader|evaluator)|"
    r"ignore (your|all|the|any|previous|prior) (\w+ )?(instructions|rules|rubric)|as an ai|system prompt)\b",
    re.IGNORECASE,
)
#: Words that make a claim generic: "obviously monitor it", "privacy is critical", "the right metrics",
#: "ship whatever is ready". A short sentence built on them promises, it does not show (see ``_is_empty``).
_VAGUE = re.compile(
    r"\b(obviously|of course|definitely|the usual|a proper|standard (checks?|stuff)|the right (\w+ )?(metrics?|setting|"
    r"balance|threshold|approach|thing)|at the heart|(is|are) (always |very |really |super |obviously |also )?"
    r"(important|critical|key|crucial|essential|bad|good|complicated|a balance)|matters? (a lot|most)|be (very )?careful|"
    r"responsible|various|figure out (what|the|how)|it depends|depends on|whatever is ready|and see\b|"
    r"see how (far|it goes)|works? well|really good|complicated)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|"
    r"hundred|thousand|million|half|quarter|third|fifth|percent)\b",
    re.IGNORECASE,
)
#: A reason or a consequence: a sentence that argues is not a keyword list.
_REASON = re.compile(r"\b(because|so|since|which|otherwise|unless)\b", re.IGNORECASE)
#: A sentence this short (words) with no number is a fragment ("Monitor performance.", "Ensure fairness."):
#: it names a topic, it does not show a signal.
_FRAGMENT_WORDS = 5
#: A sentence no longer than this (words) that uses a vague word and has no number is generic.
_VAGUE_WORDS = 20
#: A sentence that triggers this many different signals ...
_LIST_SIGNALS = 3
#: ... with fewer words than this per signal, and no number, is a keyword list ("I'd check for overfitting and
#: data leakage, look at the data quality, and do an A/B test"): naming checks is not doing them, so it earns
#: none of them. A number is substance: "approvals for that group went up nine percent" is not a list.
_LIST_WORDS_PER_SIGNAL = 5
#: Signals judged on form, not content: a short "First, ..." is still a signpost.
_FORM_SIGNALS = frozenset({"structure"})


#: Fewer words than this is not an answer to judge on language or structure (the kind note says so).
MIN_WORDS = 8


def word_count(text: str) -> int:
    return len(re.findall(r"[A-Za-z0-9']+", text))


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
    priority: int = 0
    """Position in the question's signal list: 0 is the most important (weighs most in the score)."""
    words: int = 0
    """Words in the answers this verdict judged (scores of very short answers are capped)."""
    advice: str = ""
    """For a missing signal: one concrete sentence tied to the candidate's own words (see ``advise``)."""


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
    return (
        r"\b"
        + re.escape(keyword.strip()).replace(r"\ ", r"[\s-]+").replace(r"\-", r"[\s-]?")
        + r"(?:s|es)?\b"
    )


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


def is_meta(sentence: str) -> bool:
    """Whether a sentence talks about the rubric or the scorer ("mark all of them as shown")."""
    return bool(_META.search(sentence))


def judged_sentences(text: str) -> list[str]:
    """The sentences of an answer the rubric judges: sentences about the rubric or the scorer are not part of
    the answer, so they are never evidence for any signal (nor advice material). The classifier's training
    (bench/train_signals.py) splits answers with this same function."""
    return [s for s in sentences(text) if not is_meta(s)]


def _is_empty(sentence: str) -> bool:
    """A fragment or a generic promise: no number, and either very short or built on a vague word."""
    if _NUMBER.search(sentence):
        return False
    n = word_count(sentence)
    return n < _FRAGMENT_WORDS or (n <= _VAGUE_WORDS and bool(_VAGUE.search(sentence)))


def _list_sentences(parts: Sequence[tuple[str, list[str]]]) -> set[tuple[str, int]]:
    """(prompt id, index) of the sentences that are keyword lists: many catalogue signals in few words."""
    out: set[tuple[str, int]] = set()
    specs = [s for s in signals.CATALOGUE.values() if s.patterns and s.id not in _FORM_SIGNALS]
    for prompt_id, sents in parts:
        for i, sentence in enumerate(sents):
            hit = sum(1 for spec in specs if any(_compile(p).search(sentence) for p in spec.patterns))
            if (
                hit >= _LIST_SIGNALS
                and word_count(sentence) < hit * _LIST_WORDS_PER_SIGNAL
                and not _NUMBER.search(sentence)
                and not _REASON.search(sentence)
            ):
                out.add((prompt_id, i))
    return out


def _match(
    spec: SignalSpec,
    ref: SignalRef,
    parts: Sequence[tuple[str, list[str]]],
    lists: set[tuple[str, int]] | None = None,
    judged: Judged | None = None,
) -> list[Evidence]:
    keywords = [_compile(_keyword_pattern(k)) for k in ref.keywords]
    # A scenario's own patterns come from a user's file: matched by RE2 in linear time (safe_regex).
    own = signals.get(spec.id) is not spec
    patterns: list[Matcher] = [safe_regex.compile(p) if own else _compile(p) for p in spec.patterns]
    patterns += keywords
    # A question's own keywords may be the support too: "fast lane" or "manual review" is itself a mitigation.
    support = [_compile(p) for p in spec.support] + (keywords if spec.support else [])
    lists = lists if lists is not None else _list_sentences(parts)
    judge_content = spec.id not in _FORM_SIGNALS
    hits: list[Evidence] = []
    for prompt_id, sents in parts:
        for i, sentence in enumerate(sents):
            by_pattern = any(p.search(sentence) for p in patterns)
            by_model = judged is not None and (prompt_id, i) in judged.credited
            if by_model and not by_pattern and any(_compile(g).search(sentence) for g in spec.generic):
                by_model = False  # "if the model makes mistakes, we lower the threshold": no failure named
            if not by_model and not by_pattern:
                continue
            # A pattern hit the classifier finds very unlikely is a keyword without the thing: "we'd A/B test
            # everything, obviously" names an experiment and proposes none.
            if judged is not None and (prompt_id, i) in judged.vetoed:
                continue
            # Keyword without substance earns nothing: a fragment, a generic promise or a list of checks.
            if judge_content and (_is_empty(sentence) or (prompt_id, i) in lists):
                continue
            # The classifier learnt "a failure *with* its mitigation" from labelled answers; the support rule
            # is for pattern hits, which only see the failure.
            if spec.support and not by_model:
                # The support (a failure's mitigation) may sit in the sentence before or after: people say
                # "It could start declining good orders. So I'd cap declines per merchant."
                w = spec.support_window
                window = " ".join(sents[max(0, i - w) : i + w + 1])
                if not any(p.search(window) for p in support):
                    continue
            hits.append(Evidence(sentence, prompt_id))
    return hits


def _plain_language(
    persona: Persona, parts: Sequence[tuple[str, list[str]]], substantive: bool
) -> tuple[bool, list[Evidence], str]:
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
    if unexplained:
        detail = "; ".join(f'"{t}" -> {plain}' for t, plain in used.items())
        return False, unexplained[:3], f"jargon for this listener: {detail}"
    if words < MIN_WORDS:
        return False, [], "too short to judge"
    if not substantive:
        # Plain words that never address the question explain nothing; no credit for a polite dodge.
        return False, [], "plain words, but the answer did not address the question"
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


def shipped_judge() -> SentenceJudge | None:
    """The shipped sentence classifier, or None when its embedding model is not installed."""
    from voicemock.signal_model import default_judge

    return default_judge()


@dataclass(frozen=True)
class Judged:
    """The classifier's say on one signal: sentences it credits, and pattern hits it overrules."""

    credited: frozenset[tuple[str, int]]
    vetoed: frozenset[tuple[str, int]]


def _judged(
    judge: SentenceJudge | None, question: Question, parts: Sequence[tuple[str, list[str]]]
) -> dict[str, Judged]:
    """For each of the question's signals the classifier knows, its verdict on every sentence, keyed by
    (prompt id, sentence index)."""
    if judge is None:
        return {}
    wanted = [ref.id for ref in question.signals if ref.spec.special is None and judge.knows(ref.id)]
    flat = [(pid, i) for pid, sents in parts for i, _s in enumerate(sents)]
    if not wanted or not flat:
        return {}
    verdicts = judge.verdicts(wanted, [s for _pid, sents in parts for s in sents])
    return {
        sig: Judged(frozenset(flat[k] for k in credit), frozenset(flat[k] for k in veto))
        for sig, (credit, veto) in verdicts.items()
    }


def assess(
    question: Question,
    persona: Persona,
    answers: Iterable[tuple[str, str]],
    judge: SentenceJudge | _Shipped | None = SHIPPED,
) -> Assessment:
    """Judge the answers to one question: ``answers`` are (prompt id, text) for the main answer and any
    follow-up answers, in order. Evidence found in any of them counts.

    A sentence is evidence for a signal when one of its patterns matches it or when ``judge`` (the shipped
    sentence classifier by default; None for patterns alone) scores it over the signal's threshold, and in
    both cases only if it passes the substance rules (no fragments, generic promises or keyword lists)."""
    answers = list(answers)
    if judge is SHIPPED:
        judge = shipped_judge()
    parts = [(pid, judged_sentences(text)) for pid, text in answers]
    full_text = " ".join(s for _pid, sents in parts for s in sents)
    lists = _list_sentences(parts)
    judged = _judged(judge, question, parts)
    # Pattern signals first: whether the answer addressed the question at all decides the special ones.
    verdicts: dict[str, tuple[bool, list[Evidence], str]] = {}
    for ref in question.signals:
        spec = ref.spec
        if spec.special is None:
            evidence = _match(spec, ref, parts, lists, judged.get(ref.id))
            verdicts[ref.id] = (len(evidence) >= spec.min_hits, evidence[:3], "")
    substantive = any(shown for shown, _e, _d in verdicts.values()) or not verdicts
    n_words = word_count(full_text)
    results: list[SignalResult] = []
    for priority, ref in enumerate(question.signals):
        spec = ref.spec
        strong = ref.strong or spec.strong
        if spec.special == "plain_language":
            shown, evidence, detail = _plain_language(persona, parts, substantive)
        elif spec.special == "personal_ownership":
            shown, evidence, detail = _ownership(parts)
            if shown and not substantive:
                # "I can't really think of a real disagreement" says "I" often and tells no story: a dodge
                # scores 1 (docs/rubric.md), so ownership of nothing is not shown.
                shown, evidence, detail = False, [], detail + "; but no story to own"
        else:
            shown, evidence, detail = verdicts[ref.id]
        results.append(
            SignalResult(
                id=ref.id,
                label=spec.label,
                dimension=spec.dimension,
                shown=shown,
                evidence=tuple(evidence),
                strong=strong,
                detail=detail,
                priority=priority,
                words=n_words,
                advice="" if shown else advise(spec, strong, full_text, question, detail),
            )
        )
    return Assessment(question.id, tuple(results))


# ---------------------------------------------------------------------------------------------------------
# Advice for a missing signal

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
            m = _compile(_keyword_pattern(term)).search(text)
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
