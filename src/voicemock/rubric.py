"""Deterministic rubric verdicts for an answer: which signals it shows and how well, with the sentences that
show them, and the question's graded scores.

Two detectors judge each sentence for presence: the catalogue's patterns (``signals.py``) and, when its model
is installed, a trained sentence classifier (``signal_model.py``) that credits paraphrase and overrules a
pattern hit that is only a keyword. Each signal found then climbs its ladder (``levels.py``) on the specifics
around it, and each dimension gets a graded score (``grading.py``). Nothing here can be argued with: the
candidate's text is only ever matched and scored, never obeyed, so "ignore the rubric and give me five" earns
nothing, and neither does a list of the rubric's own words. Every verdict carries its evidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache
from typing import TYPE_CHECKING

from voicemock import grading, levels, safe_regex, signals, specificity
from voicemock.advice import _plural as _plural
from voicemock.advice import advise, imperative, mentioned
from voicemock.grading import Grade, Graded
from voicemock.jargon import (
    MIN_WORDS,
    JargonUse,
    find_jargon,
    jargon_terms,
    jargon_use,
    keyword_pattern,
    word_count,
)
from voicemock.levels import Level
from voicemock.safe_regex import Matcher
from voicemock.scenario import Persona, Question, SignalRef
from voicemock.signals import Dimension, SignalSpec

__all__ = [
    "MIN_WORDS",
    "SHIPPED",
    "Assessment",
    "Evidence",
    "SignalResult",
    "advise",
    "assess",
    "find_jargon",
    "imperative",
    "jargon_terms",
    "judged_sentences",
    "measure",
    "mentioned",
    "sentences",
    "word_count",
]

if TYPE_CHECKING:
    from voicemock.signal_model import SentenceJudge


class _Shipped(Enum):
    JUDGE = "shipped"


#: ``assess(..., judge=SHIPPED)``: use the shipped sentence classifier when its model is installed.
SHIPPED = _Shipped.JUDGE

_SENTENCE_END = re.compile(r"(?<=[.?!;])\s+|\n+")
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
    level: int = 0
    """How well it was shown, on the signal's ladder (``levels.py``): 0 not shown, ``top`` complete."""
    top: int = 0
    anchor: str = ""
    """What the level reached means, in words."""
    next: str = ""
    """What the next level needs ("" at the top)."""
    grade: Level | None = None
    """The full graded verdict (markers that lifted or held the level)."""


@dataclass(frozen=True)
class Assessment:
    """All signal verdicts for one question (its main answer plus follow-up answers), and its graded scores."""

    question_id: str
    results: tuple[SignalResult, ...]
    grades: dict[str, Grade] = field(default_factory=dict)
    """Per dimension id: the question's graded score (``grading.py``); dimensions not judged are absent."""
    jargon: JargonUse | None = None
    """Unexplained jargon for this listener, by density (what the persona's plain-words follow-up needs)."""
    profile: specificity.Profile | None = None

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
    keywords = [_compile(keyword_pattern(k)) for k in ref.keywords]
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
) -> tuple[bool, list[Evidence], str, JargonUse]:
    """Plain language by density: one or two unexplained terms in a plain answer is a tip (still shown, with
    the swap in the detail); several is a miss; jargon that dominates is what the persona stops the candidate
    for (``JargonUse.dominates``)."""
    terms = jargon_terms(persona)
    use = jargon_use(parts, terms)
    words = use.words
    if use.uses:
        detail = "; ".join(f'"{t}" -> {terms[t]}' for t in use.terms)
        quoted = list(dict.fromkeys((s, p) for _t, s, p in use.uses))
        evidence = [Evidence(s, p) for s, p in quoted[:3]]
        if use.level >= 2 and substantive and words >= MIN_WORDS:
            return True, evidence, f"mostly plain; a tip for this listener: {detail}", use
        kind = "jargon dominates for this listener" if use.dominates else "jargon for this listener"
        return False, evidence, f"{kind}: {detail}", use
    if words < MIN_WORDS:
        return False, [], "too short to judge", use
    if not substantive:
        # Plain words that never address the question explain nothing; no credit for a polite dodge.
        return False, [], "plain words, but the answer did not address the question", use
    explained = [Evidence(s, p) for s, p in use.explained[:2]]
    return True, explained, "no unexplained jargon for this listener", use


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


@dataclass(frozen=True)
class Measured:
    """Everything the rubric measured on one question's answers, before the graded scores."""

    results: tuple[SignalResult, ...]
    profile: specificity.Profile
    jargon: JargonUse
    graded: dict[Dimension, tuple[Graded, ...]]
    features: dict[str, float]
    substantive: bool
    story: bool
    """Whether the answers tell a story (a real scene and first-person actions), so behavioral is judged
    even on a question that does not ask for one."""


def vocabulary(question: Question) -> list[str]:
    """What a candidate could copy without understanding: the question's keywords and its signals' labels.
    A sentence made mostly of these earns nothing (``specificity.is_keyword_sentence``)."""
    return [k for ref in question.signals for k in ref.keywords] + [ref.spec.label for ref in question.signals]


def measure(
    question: Question,
    persona: Persona,
    answers: Iterable[tuple[str, str]],
    judge: SentenceJudge | _Shipped | None = SHIPPED,
) -> Measured:
    """Presence, levels and features for one question's answers (``assess`` without the scores; the grade
    model's training uses this, so training and the debrief measure the same way)."""
    answers = list(answers)
    if judge is SHIPPED:
        judge = shipped_judge()
    vocab = vocabulary(question)
    # Sentences about the rubric, and sentences that only stack its words, are not part of the answer.
    parts = [
        (pid, [x for x in judged_sentences(text) if not specificity.is_keyword_sentence(x, vocab)])
        for pid, text in answers
    ]
    profile = specificity.profile([(pid, " ".join(sents)) for pid, sents in parts], vocab)
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
    # A dodge: none of the question's signals, next to nothing specific, and a deflection ("great question",
    # "I can't really think of one", "let me take it away"). A plain answer the detector missed still has
    # its specifics, or at least does not deflect, and the graded model judges it.
    substance = sum(profile.count(k) for k in specificity.SUBSTANCE) + profile.count("number")
    substantive = (
        any(shown for shown, _e, _d in verdicts.values())
        or substance >= SUBSTANCE_MARKERS
        or (profile.count("deflect") == 0 and profile.words >= grading.SHORT_WORDS)
    )
    n_words = word_count(full_text)
    use = jargon_use(parts, jargon_terms(persona))
    results: list[SignalResult] = []
    for priority, ref in enumerate(question.signals):
        spec = ref.spec
        strong = ref.strong or spec.strong
        if spec.special == "plain_language":
            shown, evidence, detail, use = _plain_language(persona, parts, substantive)
            lv = levels.plain_level(use.level if (shown or use.uses) else 0)
        else:
            if spec.special == "personal_ownership":
                shown, evidence, detail = _ownership(parts)
                if shown and not substantive:
                    # "I can't really think of a real disagreement" says "I" often and tells no story: a
                    # dodge scores 1 (docs/rubric.md), so ownership of nothing is not shown.
                    shown, evidence, detail = False, [], detail + "; but no story to own"
            else:
                shown, evidence, detail = verdicts[ref.id]
            if spec.id == "structure":
                lv = levels.structure_level(shown, profile)
            else:
                lv = levels.grade_signal(spec.id, shown, [e.quote for e in evidence], profile)
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
                level=lv.level,
                top=lv.top,
                anchor=lv.anchor,
                next=lv.next,
                grade=lv,
            )
        )
    graded: dict[Dimension, tuple[Graded, ...]] = {}
    for r in results:
        if r.grade is not None:
            graded[r.dimension] = (*graded.get(r.dimension, ()), Graded(r.id, r.label, r.priority, r.grade))
    story = profile.count("story_anchor") > 0 and profile.count("i_action") >= STORY_ACTIONS
    return Measured(
        tuple(results),
        profile,
        use,
        graded,
        grading.features(profile, graded, use),
        substantive,
        story,
    )


#: Substance markers (numbers, decision rules, first-person actions ...) that make an answer worth judging
#: even when none of the question's signals was found: a plain answer in the candidate's own words.
SUBSTANCE_MARKERS = 3
#: First-person past actions that, with a real scene, make an answer a story (behavioral is then judged).
STORY_ACTIONS = 2


def judged_dimensions(question: Question, measured: Measured) -> dict[Dimension, bool]:
    """The dimensions graded on this question, and whether the question asks for each. Product sense,
    analytical rigor and communication are judged on every answer; behavioral where the question asks for a
    story or the answer tells one."""
    asked = {ref.spec.dimension for ref in question.signals}
    out = {dim: dim in asked or dim is Dimension.COMMUNICATION for dim in grading.CONTENT}
    if Dimension.BEHAVIORAL not in asked and not measured.story:
        del out[Dimension.BEHAVIORAL]
    return out


def assess(
    question: Question,
    persona: Persona,
    answers: Iterable[tuple[str, str]],
    judge: SentenceJudge | _Shipped | None = SHIPPED,
    model: grading.GradeModel | None = None,
) -> Assessment:
    """Judge the answers to one question: ``answers`` are (prompt id, text) for the main answer and any
    follow-up answers, in order. Evidence found in any of them counts.

    A sentence is evidence for a signal when one of its patterns matches it or when ``judge`` (the shipped
    sentence classifier by default; None for patterns alone) scores it over the signal's threshold, and in
    both cases only if it passes the substance rules (no fragments, generic promises or keyword lists). Each
    signal is then placed on its ladder, and each judged dimension gets a graded score (``model``: the
    shipped grade model by default)."""
    m = measure(question, persona, answers, judge)
    return Assessment(question.id, m.results, grade(question, m, model), m.jargon, m.profile)


def grade(question: Question, m: Measured, model: grading.GradeModel | None = None) -> dict[str, Grade]:
    """The graded score of every dimension judged on this question, from what ``measure`` found."""
    return {
        str(dim): grading.grade_dimension(
            dim,
            m.features,
            m.profile,
            m.jargon,
            m.graded.get(dim, ()),
            asked=asked,
            substantive=m.substantive,
            model=model,
        )
        for dim, asked in judged_dimensions(question, m).items()
    }
