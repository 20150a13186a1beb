"""Offline tailoring: fill a scenario's slots with the most relevant facts from the CV and job description.

Deterministic: the same scenario, CV and job description always give the same questions. A slot takes the
best-fitting fact of its kind (its ``prefer`` words, the words of the question, what the job description
emphasises, whether the fact is about AI), never one a previous question already used; a follow-up slot
first looks for a claim from the same job as the question's fact, so the persona holds the candidate to
their own numbers. The fact goes in verbatim and the question records where it came from; a slot with no
fitting fact leaves the question as its author wrote it. Also ranks scenarios by what the job description
emphasises ("practise next").
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from voicemock.extract import CandidateProfile, Fact, JobProfile
from voicemock.scenario import Question, Scenario, SignalRef
from voicemock.slots import Slot, Source
from voicemock.themes import THEME_BY_ID, terms, theme_hits


@dataclass(frozen=True)
class Tailored:
    """A scenario with its slots filled, and what was filled."""

    scenario: Scenario
    questions: int
    """Main questions that quote the CV or job description."""
    follow_ups: int
    """Authored follow-ups that quote the CV (asked only if the answer misses their signal)."""
    method: str = "offline"
    """"offline", or "llm:<model>" for a scenario a language model wrote."""
    notes: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """For the session's inputs line, e.g. "2 of 3 questions and 2 follow-ups from cv.md, job.txt (offline)"."""
        files = sorted({s.file for q in self.scenario.questions for s in (*q.based_on, *_ref_sources(q))})
        where = ", ".join(files) if files else "no usable facts"
        follow = (
            f" and {self.follow_ups} follow-up{'s' if self.follow_ups != 1 else ''}"
            if self.follow_ups
            else ""
        )
        return f"{self.questions} of {len(self.scenario.questions)} questions{follow} from {where} ({self.method})"


def _ref_sources(question: Question) -> list[Source]:
    return [s for ref in question.signals for s in ref.based_on]


def source_of(fact: Fact) -> Source:
    """Where ``fact`` came from, as the scenario records it."""
    return Source(
        quote=fact.text,
        document="job" if fact.kind == "requirement" else "cv",
        file=fact.document.name,
        where=fact.line.where,
        kind=fact.kind,
    )


def tailor(scenario: Scenario, cv: CandidateProfile | None, job: JobProfile | None) -> Tailored:
    """Fill ``scenario``'s slots from ``cv`` and ``job`` (either may be None).

    Main questions choose first (a follow-up is only asked when an answer misses its signal, so it must not
    take the best fact from a question that is always asked); then each follow-up, anchored on its
    question's fact.
    """
    picker = _Picker(cv, job)
    anchors: dict[str, Fact] = {}
    for question in scenario.questions:
        fact = picker.pick(question.slot, question)
        if fact is not None:
            anchors[question.id] = fact
    questions: list[Question] = []
    n_follow_ups = 0
    for question in scenario.questions:
        anchor = anchors.get(question.id)
        update: dict[str, object] = {}
        if anchor is not None and question.slot is not None:
            update = {"text": question.slot.render(anchor.text), "based_on": (source_of(anchor),)}
        refs: list[SignalRef] = []
        for ref in question.signals:
            fact = picker.pick(ref.slot, question, anchor=anchor) if ref.slot is not None else None
            if fact is not None and ref.slot is not None:
                ref = ref.model_copy(
                    update={"follow_up": ref.slot.render(fact.text), "based_on": (source_of(fact),)}
                )
                n_follow_ups += 1
            refs.append(ref)
        update["signals"] = tuple(refs)
        questions.append(question.model_copy(update=update))
    data = scenario.model_dump()
    data["questions"] = [q.model_dump() for q in questions]
    tailored = Scenario.model_validate(data)  # the same schema as any scenario file
    notes = []
    if cv is not None and not cv.has_ai:
        notes.append(
            f"{cv.document.name} mentions no AI or machine-learning work, so AI-only questions stay as written."
        )
    return Tailored(tailored, len(anchors), n_follow_ups, notes=tuple(notes))


class _Picker:
    """Chooses facts for slots, remembering which ones are taken."""

    def __init__(self, cv: CandidateProfile | None, job: JobProfile | None) -> None:
        self.cv = cv
        self.job = job
        self.taken: set[str] = set()
        top = max(job.emphasis.values(), default=0.0) if job else 0.0
        self.emphasis = {t: w / top for t, w in job.emphasis.items()} if job and top else {}

    def pool(self, kind: str) -> tuple[Fact, ...]:
        if kind == "requirement":
            return self.job.requirements if self.job else ()
        return self.cv.of_kind(kind) if self.cv else ()

    def pick(self, slot: Slot | None, question: Question, anchor: Fact | None = None) -> Fact | None:
        if slot is None:
            return None
        fits = [f for f in self.pool(slot.fill) if f.ai or not slot.ai_only]
        if anchor is not None and slot.fill == "claim":
            # Hold the candidate to their own number: the question's fact itself when it states a measured
            # result, else a result from the same job.
            same = [f for f in fits if f.text == anchor.text and f.result] or [
                f
                for f in fits
                if f.result
                and f.group == anchor.group
                and f.document is anchor.document
                and f.text not in self.taken
            ]
            if same:
                best = min(same, key=lambda f: f.line.number)
                self.taken.add(best.text)
                return best
        pool = [f for f in fits if f.text not in self.taken]
        if not pool:
            return None
        context = terms(f"{question.text} {slot.text}")
        prefer = [p.lower() for p in slot.prefer]
        best = max(pool, key=lambda f: (self.score(f, prefer, context), -f.line.number))
        self.taken.add(best.text)
        return best

    def score(self, fact: Fact, prefer: Sequence[str], context: frozenset[str]) -> float:
        """How well ``fact`` fits a slot: its ``prefer`` words, words shared with the question, the job
        description's strongest theme among the fact's, and for CV facts AI work and measured results."""
        text = fact.text.lower()
        score = 3.0 * sum(1 for word in prefer if word in text)
        score += 0.5 * len(fact.words & context)
        score += max((self.emphasis.get(t, 0.0) for t in fact.themes), default=0.0)
        if fact.kind == "requirement":
            return score + 1.5 * fact.weight
        if fact.kind == "role":
            return score - 3.0 * _position(fact, self.cv)  # the most recent role, unless another fits better
        return (
            score
            + (1.5 if fact.ai else 0.0)
            + (2.0 if fact.result else 0.0)
            - 0.05 * _position(fact, self.cv)
        )


def _position(fact: Fact, cv: CandidateProfile | None) -> int:
    pool = cv.of_kind(fact.kind) if cv else ()
    return next((i for i, f in enumerate(pool) if f is fact), 0)


# ---------------------------------------------------------------------------------------------------------
# Practise next: scenarios ranked by what the job description emphasises


@dataclass(frozen=True)
class Fit:
    """How well a scenario practises what a job description asks for, and why."""

    scenario: Scenario
    score: float
    reasons: tuple[tuple[str, Fact], ...]
    """(theme label, the most emphasised requirement line with that theme), strongest first."""

    def describe(self) -> str:
        if not self.reasons:
            return "general practice"
        parts = [f'{label} ("{fact.text}", {fact.line.where})' for label, fact in self.reasons]
        return "the job description emphasises " + "; ".join(parts)


def scenario_text(scenario: Scenario) -> str:
    """Everything a scenario says or listens for, to find the themes it exercises."""
    parts = [scenario.title, scenario.description]
    for q in scenario.questions:
        parts.append(q.text)
        for ref in q.signals:
            parts += [ref.follow_up, ref.spec.label, ref.spec.strong, *ref.keywords]
    return "\n".join(parts)


def rank_scenarios(job: JobProfile, scenarios: Iterable[Scenario], top: int | None = None) -> list[Fit]:
    """Scenarios ordered by how much of what the job description emphasises they exercise.

    The score is the cosine similarity between two theme profiles: how much weight the job description's
    requirement lines put on each theme, and how often the scenario's questions and rubric use that theme's
    words. So a scenario wins by being *about* what the job stresses, not by being long. Ties keep the
    catalogue's order.
    """
    fits: list[Fit] = []
    catalogue = list(scenarios)
    profiles = [theme_hits(scenario_text(s)) for s in catalogue]
    # A theme every scenario talks about ("model") tells them apart less than one only a few do
    # ("clinical"): weigh each scenario's theme counts by inverse document frequency, as in tf-idf.
    idf = {
        t: math.log(1 + len(catalogue) / sum(1 for p in profiles if t in p))
        for t in {t for p in profiles for t in p}
    }
    jd_norm = math.sqrt(sum(w * w for w in job.emphasis.values())) or 1.0
    for scenario, hits in zip(catalogue, profiles, strict=True):
        weighted = {t: n * idf[t] for t, n in hits.items()}
        sc_norm = math.sqrt(sum(v * v for v in weighted.values())) or 1.0
        contributions = {
            theme: weight * weighted.get(theme, 0) / (jd_norm * sc_norm)
            for theme, weight in job.emphasis.items()
        }
        score = sum(contributions.values())  # cosine similarity of the two theme profiles
        reasons = []
        for theme, value in sorted(contributions.items(), key=lambda kv: -kv[1])[:2]:
            if value <= 0:
                break
            fact = next((f for f in job.requirements if theme in f.themes), None)
            if fact is not None:
                reasons.append((THEME_BY_ID[theme].label, fact))
        fits.append(Fit(scenario, round(score, 3), tuple(reasons)))
    order = {id(f.scenario): i for i, f in enumerate(fits)}
    fits.sort(key=lambda f: (-f.score, order[id(f.scenario)]))
    return fits[:top] if top else fits
