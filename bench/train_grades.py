"""Fit the graded judgement's weights (``voicemock/data/grade_model.json``) on pairs of stronger and weaker
answers from the development sets.

Each pair differs in the quality of one dimension. For that dimension, the model's value of the stronger
answer should be higher: a pairwise logistic regression on the difference of the two answers' standardised
features (``grading.model_features``), L2-regularised, each weight held to its fixed sign (``grading.SIGNS``:
a decision rule can only help, a buzzword can only hurt), by projected full-batch gradient descent from
zero, so the same data always gives the same weights. The line from the model's value to 1-5 is set so that
the median weaker answer of the training pairs lands on ``LOW`` and the median stronger one on ``HIGH``.

``--cv`` prints cross-validated figures on ``dev3.jsonl``: leave one writer out (the two writers' ids start
``d3c-`` and ``d3d-``; the blind set's writers are others) and 10 folds by pair, each fold's answers judged by
a model fitted without them, through the same code as the debrief (``rubric.assess``). Integer scores, ties
counted as wrong.

Never add a blind set here (``bench/eval/blind*.jsonl``).

Usage: ``python bench/train_grades.py [--cv] [--no-write] [--with-old]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from voicemock import grading, paths  # noqa: E402
from voicemock.rubric import SHIPPED, Measured, grade, measure  # noqa: E402
from voicemock.scenario import Scenario, ScenarioSet  # noqa: E402
from voicemock.signals import Dimension  # noqa: E402

EVAL = ROOT / "bench" / "eval"
#: The quality-pair development set. Blind sets are never listed here.
DEV_SETS = ("dev3.jsonl",)
#: Older development sets whose pairs differ in which signals are present, not how well (``--with-old``).
OLD_SETS = ("answers.jsonl", "heldout.jsonl", "dev.jsonl")
C_VALUE = 1.0
ITERATIONS = 800
LEARNING_RATE = 0.5
LOW, HIGH = 1.25, 4.75
DIMS = [str(d) for d in grading.CONTENT]
SHOW_ITEMS = False


def load(names: Sequence[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for name in names:
        for line in (EVAL / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append({**json.loads(line), "_set": name})
    return out


def pairs(records: Sequence[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(stronger, weaker) for every complete pair that differs in a content dimension."""
    by: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for r in records:
        if r.get("pair"):
            by[f"{r['_set']}:{r['pair']}"][r["role"]] = r
    return [
        (v["stronger"], v["weaker"])
        for _k, v in sorted(by.items())
        if {"stronger", "weaker"} <= set(v) and v["stronger"]["differs"] in DIMS
    ]


def scenarios() -> dict[str, Scenario]:
    return dict(ScenarioSet([paths.shipped_scenarios_dir()]).scenarios)


EMBEDDINGS = ROOT / "bench" / "out" / "embeddings.pkl"


def load_embeddings() -> None:
    """Warm the shared encoder's cache from disk (bench/out, git-ignored): embedding every sentence and
    clause of a few hundred answers takes minutes on a busy 2-core machine, and reruns need the same ones."""
    import pickle

    from voicemock.backends.minilm import shared_encoder

    enc = shared_encoder()
    if enc is None:
        return
    enc._cache_size = max(enc._cache_size, 1_000_000)
    if EMBEDDINGS.is_file():
        enc._cache.update(pickle.loads(EMBEDDINGS.read_bytes()))


def save_embeddings() -> None:
    import pickle

    from voicemock.backends.minilm import shared_encoder

    enc = shared_encoder()
    if enc is not None:
        EMBEDDINGS.parent.mkdir(parents=True, exist_ok=True)
        EMBEDDINGS.write_bytes(pickle.dumps(dict(enc._cache)))


def measure_all(
    records: Sequence[dict[str, Any]], scen: dict[str, Scenario], texts: dict[str, str] | None = None
) -> dict[str, Measured]:
    """What the rubric measures on each answer (shipped sentence classifier), as the debrief measures it."""
    out = {}
    for r in records:
        s = scen[r["scenario"]]
        text = texts[r["id"]] if texts else r["answer"]
        out[r["id"]] = measure(s.question(r["question"]), s.persona, [("1", text)], SHIPPED)
    return out


def fit_dimension(
    dim: str, train: Sequence[tuple[str, str]], feats: dict[str, dict[str, float]], c: float | None = None
) -> dict[str, Any]:
    """One dimension's model from (stronger id, weaker id) pairs."""
    d = Dimension(dim)
    ids = sorted({i for p in train for i in p})
    names = list(grading.model_features(d, feats[ids[0]]))
    x = {i: np.array([grading.model_features(d, feats[i])[n] for n in names]) for i in ids}
    all_x = np.array([x[i] for i in ids])
    mean, scale = all_x.mean(0), all_x.std(0)
    scale = np.where(scale > 1e-9, scale, 1.0)
    z = {i: (x[i] - mean) / scale for i in ids}
    diff = np.array([z[s] - z[w] for s, w in train])
    signs = np.array([grading.SIGNS[n] for n in names], float)
    w = np.zeros(len(names))
    n = len(diff)
    c = c or C_VALUE
    for _ in range(ITERATIONS):
        p = 1.0 / (1.0 + np.exp(-(diff @ w)))
        w -= LEARNING_RATE * (-(diff.T @ (1 - p)) / n + w / (c * n))
        w = np.where(signs > 0, np.maximum(w, 0.0), np.minimum(w, 0.0))
    u_strong = np.median([z[s] @ w for s, _w in train])
    u_weak = np.median([z[wk] @ w for _s, wk in train])
    slope = (HIGH - LOW) / (u_strong - u_weak) if u_strong > u_weak else 1.0
    return {
        "names": names,
        "mean": [round(float(v), 6) for v in mean],
        "scale": [round(float(v), 6) for v in scale],
        "weights": [round(float(v), 6) for v in w],
        "intercept": round(float(LOW - slope * u_weak), 6),
        "slope": round(float(slope), 6),
        "pairs": len(train),
    }


def fit(
    train: Sequence[tuple[dict[str, Any], dict[str, Any]]], feats: dict[str, dict[str, float]]
) -> dict[str, Any]:
    return {
        "dims": {
            dim: fit_dimension(dim, [(s["id"], w["id"]) for s, w in train if s["differs"] == dim], feats)
            for dim in DIMS
        }
    }


def digest(records: Sequence[dict[str, Any]]) -> str:
    h = hashlib.sha256()
    for r in records:
        h.update(json.dumps({k: v for k, v in r.items() if k != "_set"}, sort_keys=True).encode("utf-8"))
    return h.hexdigest()[:16]


def judge_pairs(
    test: Sequence[tuple[dict[str, Any], dict[str, Any]]],
    model: grading.GradeModel,
    scen: dict[str, Scenario],
    measured: dict[str, Measured],
) -> list[tuple[dict[str, Any], int | None, int | None, float, float]]:
    """(stronger record, its score, the weaker one's score, values) through ``rubric.grade``, as the
    debrief scores."""
    out = []
    for s, w in test:
        q = scen[s["scenario"]].question(s["question"])
        gs = grade(q, measured[s["id"]], model).get(s["differs"])
        gw = grade(q, measured[w["id"]], model).get(s["differs"])
        out.append(
            (
                s,
                gs.score if gs else None,
                gw.score if gw else None,
                gs.value if gs else 0.0,
                gw.value if gw else 0.0,
            )
        )
    return out


def summary(rows: Sequence[tuple[dict[str, Any], int | None, int | None, float, float]]) -> str:
    n = len(rows)
    won = sum(1 for _s, a, b, _u, _v in rows if (a or 0) > (b or 0))
    ties = sum(1 for _s, a, b, _u, _v in rows if a == b)
    value = sum(1 for _s, _a, _b, u, v in rows if u > v)
    trap = [(a or 0) > (b or 0) for s, a, b, _u, _v in rows if s.get("trap")]
    per = Counter()
    for s, a, b, _u, _v in rows:
        per[s["differs"]] += 1
        per[s["differs"] + "+"] += (a or 0) > (b or 0)
    high = sum(1 for _s, a, _b, _u, _v in rows if (a or 0) >= 4)
    low = sum(1 for _s, _a, b, _u, _v in rows if (b or 9) <= 2)
    return (
        f"pairwise {won}/{n} = {won / n:.3f} (ties {ties}, counted wrong; by value {value / n:.3f}); "
        f"trap pairs {sum(trap)}/{len(trap)}; "
        + " ".join(f"{d}: {per[d + '+']}/{per[d]}" for d in DIMS)
        + f"; stronger at 4-5: {high}/{n}, weaker at 1-2: {low}/{n}"
    )


def cross_validate(
    dev: Sequence[tuple[dict[str, Any], dict[str, Any]]],
    extra: Sequence[tuple[dict[str, Any], dict[str, Any]]],
    measured: dict[str, Measured],
    scen: dict[str, Scenario],
) -> None:
    order = sorted({s["pair"] for s, _w in dev})
    random.Random(0).shuffle(order)
    fold_of = {p: i % 10 for i, p in enumerate(order)}
    schemes: dict[str, Callable[[dict[str, Any]], str]] = {
        "leave one writer out": lambda s: s["id"][:4],
        "10 folds by pair": lambda s: str(fold_of[s["pair"]]),
    }
    for name, key in schemes.items():
        rows = []
        for k in sorted({key(s) for s, _w in dev}):
            train = [p for p in dev if key(p[0]) != k] + list(extra)
            model = grading.parse_model(fit(train, {i: m.features for i, m in measured.items()}))
            rows += judge_pairs([p for p in dev if key(p[0]) == k], model, scen, measured)
        print(f"  {name}: {summary(rows)}")
        if SHOW_ITEMS:
            for st, a, b, u, v in rows:
                if not (a or 0) > (b or 0):
                    print(f"    {st['pair']} {st['differs']}: {a} vs {b} (values {u:.2f} vs {v:.2f})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cv", action="store_true", help="print cross-validated figures on dev3")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--with-old", action="store_true", help="also train on the older sets' pairs")
    ap.add_argument("--out", type=Path, default=grading.model_path())
    ap.add_argument("--items", action="store_true", help="list the pairs cross-validation gets wrong")
    ap.add_argument("--spread", type=float, nargs=2, metavar=("LOW", "HIGH"), help="try another line to 1-5")
    ap.add_argument("--c", type=float, help="try another regularisation")
    args = ap.parse_args()
    global SHOW_ITEMS, LOW, HIGH, C_VALUE
    SHOW_ITEMS = args.items
    if args.spread:
        LOW, HIGH = args.spread
    if args.c:
        C_VALUE = args.c
    scen = scenarios()
    dev_records = load(DEV_SETS)
    old_records = load(OLD_SETS) if args.with_old else []
    t0 = time.perf_counter()
    load_embeddings()
    measured = measure_all([*dev_records, *old_records], scen)
    save_embeddings()
    feats = {i: m.features for i, m in measured.items()}
    dev, extra = pairs(dev_records), pairs(old_records)
    print(
        f"{len(dev)} development pairs (+{len(extra)} older), features of "
        f"{len(dev_records) + len(old_records)} answers in {time.perf_counter() - t0:.1f} s"
    )
    if args.cv:
        cross_validate(dev, extra, measured, scen)
    model = fit([*dev, *extra], feats)
    model["meta"] = {
        "sets": list(DEV_SETS) + (list(OLD_SETS) if args.with_old else []),
        "data": digest([*dev_records, *old_records]),
        "c": C_VALUE,
        "low": LOW,
        "high": HIGH,
    }
    if args.no_write:
        return 0
    args.out.write_text(json.dumps(model, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    grading.load_model.cache_clear()
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
