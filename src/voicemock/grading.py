"""Graded judgement of one question's answers on each dimension: how well the candidate reasoned, not which
topics came up.

Each dimension's score comes from a small linear model over interpretable features of the answer (main and
follow-up answers together): how specific it is (numbers, baselines and limits, time windows, decision
rules, segments, randomised comparisons), how it tells a story (first-person actions, a real scene, a
result, a lesson), what it does that interviewers punish (buzzwords without content, vague claims, hedges,
jargon this listener will not follow, hypotheticals, blame, "just retrain", cramming), and how far up their
ladders (``levels.py``) the question's own signals climbed. Every feature has a fixed sign (a decision rule
can only help, a buzzword can only hurt) and its weight was fitted on pairs of stronger and weaker answers
(``bench/train_grades.py``, development sets only; the weights ship in ``data/grade_model.json``). The
model's value maps to 1-5 by a fixed line fitted on the same pairs, so a strong answer lands on 4-5 and a
weak one on 1-2.

Hard rules sit on top: words without content earn nothing (keyword sentences are taken out before anything
is measured, ``specificity.is_keyword_sentence``), an answer with no substance scores 1, and an answer under
``SHORT_WORDS`` words cannot score above 3. Every score says why in words and quotes the sentences behind
its biggest credits and costs. Offline, numpy-free arithmetic on a few dozen numbers; deterministic.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from voicemock.jargon import JargonUse
from voicemock.levels import Level
from voicemock.signals import Dimension
from voicemock.specificity import Profile

MODEL_FILE = "grade_model.json"
#: The content dimensions graded here (delivery is judged from speech figures, in ``scoring``).
CONTENT = (Dimension.PRODUCT_SENSE, Dimension.ANALYTICAL_RIGOR, Dimension.COMMUNICATION, Dimension.BEHAVIORAL)
#: Answers this short (words, all of a question's answers together) cannot score above ``SHORT_CAP``.
SHORT_WORDS = 40
SHORT_CAP = 3
#: Fewer words than this is nothing to judge.
MIN_WORDS = 8

#: Marker kinds that can only raise a score, and those that can only lower it.
POSITIVE = (
    "isolation",
    "number",
    "time_window",
    "decision_rule",
    "baseline",
    "limit",
    "segment",
    "reason",
    "comparison",
    "money",
    "named",
    "i_action",
    "story_anchor",
    "result",
    "learning",
    "scope_cut",
    "ranked",
    "signpost",
    "checks",
)
NEGATIVE = (
    "hypothetical",
    "blame",
    "buzzword",
    "ml_jargon",
    "vague",
    "hedge",
    "retrain_only",
    "cramming",
    "self_praise",
    "unranked_list",
    "deflect",
)

#: How a marker kind reads in a score's basis and evidence.
KIND_LABELS = {
    "isolation": "isolating the effect",
    "number": "numbers",
    "time_window": "time windows",
    "decision_rule": "decision rules",
    "baseline": "a baseline",
    "limit": "limits",
    "segment": "segments",
    "reason": "reasons",
    "comparison": "comparisons",
    "money": "money",
    "named": "names",
    "i_action": "first-person actions",
    "story_anchor": "a real scene",
    "result": "results",
    "learning": "a lesson",
    "scope_cut": "cuts in scope",
    "ranked": "ranking",
    "signpost": "signposts",
    "checks": "concrete checks",
    "hypothetical": "hypotheticals instead of a story",
    "blame": "blame",
    "buzzword": "buzzwords without content",
    "ml_jargon": "technical terms",
    "vague": "vague claims",
    "hedge": "hedges",
    "retrain_only": "'just retrain'",
    "cramming": "cramming instead of cutting",
    "self_praise": "claims about yourself without evidence",
    "unranked_list": "unranked lists",
    "deflect": "deflecting instead of answering",
    "listener_jargon": "jargon for this listener",
    "long_sentences": "long sentences",
    "we_not_i": "'we' with no 'I'",
    "levels": "graded signals",
    "keyword_sentences": "keyword lists",
}


@dataclass(frozen=True)
class Graded:
    """One of the question's signals on its ladder."""

    id: str
    label: str
    priority: int
    level: Level


def features(
    profile: Profile, levels: Mapping[Dimension, Sequence[Graded]], jargon: JargonUse
) -> dict[str, float]:
    """The model's inputs for one question's answers. ``levels`` are the question's graded signals, by
    dimension."""
    f: dict[str, float] = {}
    for kind in (*POSITIVE, *NEGATIVE):
        f[f"d_{kind}"] = profile.per100(kind)
        f[f"c_{kind}"] = math.log1p(profile.count(kind))
    i, we = profile.count("i_statement"), profile.count("we_statement")
    f["i_share"] = (i + 1) / (i + we + 2)
    lengths = [len(s.split()) for _pid, s in profile.kept] or [0]
    f["mean_sentence"] = sum(lengths) / len(lengths)
    f["long_sentences"] = sum(1 for n in lengths if n > 35) / len(lengths)
    f["listener_jargon"] = jargon.per100
    total = len(profile.kept) + len(profile.dropped)
    f["keyword_sentences"] = len(profile.dropped) / total if total else 0.0
    for dim in CONTENT:
        f[f"levels_{dim}"] = level_share(levels.get(dim, ()))
    return f


#: Features whose sign is fixed by what interviewers reward (+1) or punish (-1).
SIGNS: dict[str, int] = {
    **{f"{p}_{k}": 1 for k in POSITIVE for p in ("d", "c")},
    **{f"{p}_{k}": -1 for k in NEGATIVE for p in ("d", "c")},
    "i_share": 1,
    "mean_sentence": -1,
    "long_sentences": -1,
    "listener_jargon": -1,
    "keyword_sentences": -1,
    "levels_self": 1,
}


def model_features(dim: Dimension, f: Mapping[str, float]) -> dict[str, float]:
    """The features one dimension's model sees: the shared ones, and the level share of its own signals."""
    out = {k: float(f[k]) for k in SIGNS if k != "levels_self"}
    out["levels_self"] = float(f[f"levels_{dim}"])
    return out


PRIORITY_WEIGHTS = (2.0, 1.5, 1.0)


def level_share(levels: Sequence[Graded]) -> float:
    """How far up their ladders a dimension's signals climbed, weighted by priority (0 to 1)."""
    if not levels:
        return 0.0
    total = got = 0.0
    for g in levels:
        w = PRIORITY_WEIGHTS[min(g.priority, len(PRIORITY_WEIGHTS) - 1)]
        total += w
        got += w * g.level.level / max(g.level.top, 1)
    return got / total


@dataclass(frozen=True)
class DimensionModel:
    """One dimension's weights, the standardisation they were fitted with, and the line to 1-5."""

    names: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    intercept: float
    slope: float

    def contributions(self, f: Mapping[str, float]) -> dict[str, float]:
        return {
            n: w * (f[n] - m) / s
            for n, m, s, w in zip(self.names, self.mean, self.scale, self.weights, strict=True)
            if w
        }

    def value(self, f: Mapping[str, float]) -> float:
        """The 1-5 value before rounding and rules."""
        return self.intercept + self.slope * sum(self.contributions(f).values())


@dataclass(frozen=True)
class GradeModel:
    dims: dict[str, DimensionModel]
    meta: dict[str, Any]


def model_path() -> Path:
    return Path(str(resources.files("voicemock") / "data" / MODEL_FILE))


def parse_model(data: Mapping[str, Any]) -> GradeModel:
    dims = {
        d: DimensionModel(
            names=tuple(m["names"]),
            mean=tuple(float(x) for x in m["mean"]),
            scale=tuple(float(x) for x in m["scale"]),
            weights=tuple(float(x) for x in m["weights"]),
            intercept=float(m["intercept"]),
            slope=float(m["slope"]),
        )
        for d, m in data["dims"].items()
    }
    return GradeModel(dims, dict(data.get("meta", {})))


@lru_cache(maxsize=4)
def load_model(path: str | None = None) -> GradeModel:
    """The shipped model (or the one at ``path``, for training and cross-validation)."""
    text = Path(path).read_text(encoding="utf-8") if path else model_path().read_text(encoding="utf-8")
    return parse_model(json.loads(text))


@dataclass(frozen=True)
class Grade:
    """One dimension's verdict on one question."""

    dimension: Dimension
    score: int | None
    basis: str
    evidence: tuple[str, ...] = ()
    """Quotes behind the biggest credits, and ("cost: ...") behind the biggest costs."""
    missing: tuple[str, ...] = ()
    """What the next level of the dimension's weakest signals needs."""
    asked: bool = True
    """Whether the question lists a signal of this dimension (a score on a dimension it does not ask about
    counts half in the debrief's totals)."""
    value: float = 0.0
    """The model's value before rounding and rules (1-5 scale)."""


def _quote(sentence: str, limit: int = 160) -> str:
    return sentence if len(sentence) <= limit else sentence[: limit - 3].rsplit(" ", 1)[0] + "..."


def _kind_of(feature: str) -> str:
    return feature[2:] if feature[:2] in ("d_", "c_") else feature


#: Features explained as a whole rather than by marker kind.
_SPECIAL = {"levels_self": "levels", "i_share": "we_not_i", "mean_sentence": "long_sentences"}


def explain(
    dim: Dimension,
    contributions: Mapping[str, float],
    profile: Profile,
    jargon: JargonUse,
    levels: Sequence[Graded],
) -> tuple[str, list[str], list[str]]:
    """Basis, evidence and missing for a grade, in words: the biggest credits (things rewarded that the
    answer has), the biggest costs (things punished that it has), each with a quote, and what would lift it
    (the next level of its weakest signals, then the rewarded things it lacks)."""
    by_kind: dict[str, float] = {}
    for name, c in contributions.items():
        kind = _SPECIAL.get(name) or _kind_of(name)
        by_kind[kind] = by_kind.get(kind, 0.0) + c

    def present(kind: str) -> bool:
        if kind == "levels":
            return any(g.level.level for g in levels)
        if kind == "listener_jargon":
            return bool(jargon.uses)
        if kind == "we_not_i":
            return profile.count("we_statement") > profile.count("i_statement")
        if kind in ("long_sentences", "keyword_sentences"):
            return by_kind.get(kind, 0.0) < 0
        return profile.count(kind) > 0

    rewarded = {_SPECIAL.get(n) or _kind_of(n) for n, sign in SIGNS.items() if sign > 0}
    credits = [
        k
        for k, c in sorted(by_kind.items(), key=lambda kv: -kv[1])
        if k in rewarded and k != "we_not_i" and c > 0.02 and present(k)
    ][:3]
    costs = [
        k
        for k, c in sorted(by_kind.items(), key=lambda kv: kv[1])
        if (k not in rewarded or k == "we_not_i") and c < -0.02 and present(k)
    ][:2]
    lacking = [
        k
        for k, c in sorted(by_kind.items(), key=lambda kv: kv[1])
        if k in rewarded and k not in ("levels", "we_not_i") and c < -0.05 and not present(k)
    ][:2]
    parts: list[str] = []
    evidence: list[str] = []

    def quotes(kind: str) -> list[str]:
        if kind == "listener_jargon":
            return [s for _t, s, _p in jargon.uses][:1]
        if kind == "levels":
            return [m.sentence for g in levels for m in g.level.lifted_by][:1]
        if kind in ("long_sentences", "keyword_sentences", "we_not_i"):
            return []
        return [m.sentence for m in profile.sentences_with(kind)][:1]

    def counted(kind: str) -> str:
        label = KIND_LABELS.get(kind, kind.replace("_", " "))
        if kind == "listener_jargon":
            return f"{label} ({', '.join(jargon.terms[:3])})"
        if kind == "levels":
            shown = [g for g in levels if g.level.level]
            return ", ".join(f"{g.label.lower()} {g.level.level} of {g.level.top}" for g in shown) or label
        if kind == "we_not_i":
            return f"{label} ({profile.count('we_statement')} 'we', {profile.count('i_statement')} 'I')"
        n = profile.count(kind)
        return f"{label} ({n})" if n else label

    if credits:
        parts.append("credit: " + "; ".join(counted(k) for k in credits))
        for k in credits:
            for q in quotes(k):
                evidence.append(f"{KIND_LABELS.get(k, k)}: \u201c{_quote(q)}\u201d")
    if costs:
        parts.append("cost: " + "; ".join(counted(k) for k in costs))
        for k in costs:
            for q in quotes(k):
                evidence.append(f"cost: {KIND_LABELS.get(k, k)}: \u201c{_quote(q)}\u201d")
    missing = [f"{g.label}: {g.level.next}" for g in levels if g.level.next]
    missing += [f"would lift it: {KIND_LABELS.get(k, k)}" for k in lacking]
    return "; ".join(parts) or "nothing specific either way", evidence, missing


def grade_dimension(
    dim: Dimension,
    f: Mapping[str, float],
    profile: Profile,
    jargon: JargonUse,
    levels: Sequence[Graded],
    *,
    asked: bool,
    substantive: bool,
    model: GradeModel | None = None,
) -> Grade:
    """Score one dimension of one question from its features ``f``; ``levels`` are the dimension's own
    graded signals, ``substantive`` whether the answer showed anything at all."""
    model = model or load_model()
    dm = model.dims[str(dim)]
    mf = model_features(dim, f)
    contributions = dm.contributions(mf)
    value = dm.intercept + dm.slope * sum(contributions.values())
    if profile.words < MIN_WORDS:
        basis = (
            "no answer to judge: nothing said yet, so nothing to score (this is a starting point, not a verdict)"
            if profile.words == 0
            else f"only {profile.words} words: too little to judge; try three or four sentences next time"
        )
        return Grade(dim, 1, basis, asked=asked, value=1.0)
    basis, evidence, missing = explain(dim, contributions, profile, jargon, levels)
    score = max(1, min(5, math.floor(value + 0.5)))
    if not substantive:
        score = 1
        basis = "the answer did not address the question (no signal shown and nothing specific); " + basis
    elif score > SHORT_CAP and profile.words < SHORT_WORDS:
        score = SHORT_CAP
        basis += f"; capped at {SHORT_CAP}: under {SHORT_WORDS} words"
    return Grade(dim, score, basis, tuple(evidence), tuple(missing), asked, round(value, 3))
