"""The rubric against the labelled evaluation set (bench/eval/answers.jsonl), on text answers.

Thresholds sit a little below the figures measured with the shipped detector (patterns + sentence
classifier; text, 2026-11-29: micro F1 0.98, every signal F1 >= 0.92, pairwise accuracy 1.00), so a change
that makes the rubric worse fails here. This set is also training data for the classifier, so these figures
are in-sample; the blind sets at the end are the honest ones. The speech half of the
benchmark needs Whisper and espeak-ng and lives in ``make bench``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import bench_rubric  # noqa: E402

from voicemock.scenario import Scenario  # noqa: E402


@pytest.fixture(scope="module")
def report() -> bench_rubric.Report:
    records = bench_rubric.load_eval()
    return bench_rubric.evaluate(records, bench_rubric.text_transcripts(records))


def _labels_and_pairs(records: list[dict[str, Any]], scenarios: dict[str, Scenario]) -> dict[str, list[str]]:
    """Check every record labels each signal of its question, in the question's order; return the roles of
    each pair (every pair has exactly a stronger and a weaker answer)."""
    pairs: dict[str, list[str]] = {}
    for r in records:
        question = scenarios[r["scenario"]].question(r["question"])
        assert list(r["labels"]) == [s.id for s in question.signals], (
            f"{r['id']}: label every signal, in order"
        )
        if r.get("pair"):
            pairs.setdefault(r["pair"], []).append(r["role"])
    assert all(sorted(roles) == ["stronger", "weaker"] for roles in pairs.values())
    return pairs


def test_the_set_is_what_the_issue_asks_for() -> None:
    records = bench_rubric.load_eval()
    scenarios = bench_rubric.load_scenarios()
    assert len(records) >= 40
    assert {r["scenario"] for r in records} == set(scenarios), "every shipped scenario is covered"
    _labels_and_pairs(records, scenarios)
    kinds = {r["kind"] for r in records}
    assert {"pair", "dodge", "injection", "empty"} <= kinds
    assert {r["differs"] for r in records if r["pair"]} >= {
        "product_sense",
        "analytical_rigor",
        "communication",
        "behavioral",
        "delivery",
    }


def test_every_signal_f1(report: bench_rubric.Report) -> None:
    # Measured 2026-12-04 with the keyword-sentence filter of the graded judgement: lowest user_outcome 0.88.
    low = {sig: round(c.f1, 2) for sig, c in report.signals.items() if c.f1 < 0.85}
    assert not low, f"signals below F1 0.85 on text: {low}; disagreements: {report.errors}"
    assert report.micro.f1 >= 0.95


def test_pairwise_accuracy(report: bench_rubric.Report) -> None:
    # The graded per-question score of the differing dimension, ties counted wrong, delivery pairs left out
    # on typed answers. These pairs differ in which signals are *present*, and graded scores tie on some of
    # them: measured 15 of 18 (0.83) on 2026-12-04, before that 1.00 with the presence-based scores.
    wrong = [p for p in report.judged_pairs if not p.ok]
    assert report.pairwise_accuracy >= 0.77, wrong


def test_dodges_injections_and_empty_answers_score_1() -> None:
    from voicemock.rubric import assess

    scenarios = bench_rubric.load_scenarios()
    for r in bench_rubric.load_eval():
        if r["kind"] not in ("dodge", "empty") and not (
            r["kind"] == "injection" and not any(r["labels"].values())
        ):
            continue
        scenario = scenarios[r["scenario"]]
        a = assess(scenario.question(r["question"]), scenario.persona, [("1", r["answer"])])
        for dim, grade in a.grades.items():
            assert grade.score == 1, f"{r['id']} ({r['kind']}) scored {grade.score} on {dim}"


# --- Second development set ---------------------------------------------------------------------------------
# bench/eval/heldout.jsonl (53 answers, 9 scenarios, 13 pairs) was written and labelled blind, from the
# scenarios and docs/rubric.md only, in the way real candidates talk (paraphrase, fillers, non-native phrasing,
# keyword-dropping). It measured micro F1 0.62 and pairwise 0.85 on text before the 2026-11-29 generalisation
# pass; since then it is a DEV set (patterns were improved by classes of phrasing while looking at it), so its
# figures are no longer an honest estimate. The honest estimate is the blind set the lead measures
# (docs/rubric.md). Measured on text with the shipped detector: micro F1 0.98 (P 0.98, R 0.98),
# pairwise 1.00 (13 of 13). The thresholds sit a little below so a regression shows; never edit its labels.
HELDOUT = ROOT / "bench" / "eval" / "heldout.jsonl"


@pytest.fixture(scope="module")
def heldout_report() -> bench_rubric.Report:
    records = bench_rubric.load_eval(HELDOUT)
    return bench_rubric.evaluate(records, bench_rubric.text_transcripts(records))


def test_heldout_set_is_well_formed() -> None:
    records = bench_rubric.load_eval(HELDOUT)
    scenarios = bench_rubric.load_scenarios()
    assert len(records) >= 30
    assert len({r["scenario"] for r in records}) >= 6
    assert len(_labels_and_pairs(records, scenarios)) >= 6


def test_heldout_micro_f1_does_not_regress(heldout_report: bench_rubric.Report) -> None:
    m = heldout_report.micro
    assert m.f1 >= 0.93 and m.precision >= 0.92 and m.recall >= 0.92, (
        f"dev-set micro F1 {m.f1:.2f} (measured 0.99); disagreements: {heldout_report.errors}"
    )


def test_heldout_pairwise_accuracy_does_not_regress(heldout_report: bench_rubric.Report) -> None:
    wrong = [p for p in heldout_report.judged_pairs if not p.ok]
    # Graded per-question scores, ties wrong, the delivery pair left out on typed answers: measured 7 of 12
    # (0.58) on 2026-12-04 (13 of 13 with the presence-based scores, which these pairs were written for).
    assert heldout_report.pairwise_accuracy >= 0.55, wrong


# --- The classifier's training set ----------------------------------------------------------------------------
# bench/eval/dev.jsonl: answers written and labelled by eleven writers from LABELS-style definitions, with the
# sentences that show each signal. The sentence classifier is trained on it (bench/train_signals.py), so its
# figures are in-sample and not tested here (judging its 868 answers takes minutes); its cross-validated
# figures come from `make bench`, and test_signal_model checks the shipped weights match this data.
DEV = ROOT / "bench" / "eval" / "dev.jsonl"


def test_dev_set_is_well_formed() -> None:
    records = bench_rubric.load_eval(DEV)
    scenarios = bench_rubric.load_scenarios()
    assert len(records) >= 800
    assert {r["scenario"] for r in records} == set(scenarios)
    assert len({r["id"] for r in records}) == len(records)
    assert len(_labels_and_pairs(records, scenarios)) >= 50
    for r in records:
        for sig, shown in r["labels"].items():
            quotes = r["evidence"].get(sig, [])
            assert bool(quotes) == shown, f"{r['id']} {sig}: a quote for every shown signal, none otherwise"
            assert all(q in r["answer"] for q in quotes), f"{r['id']} {sig}: quotes are verbatim"


# --- Blind sets: never train or tune on them ------------------------------------------------------------------
# bench/eval/blind.jsonl and blind2.jsonl were written and labelled by people who never saw the patterns, the
# classifier or the other sets. They are the honest estimate of how the rubric does on unseen answers
# (docs/rubric.md, "How well the rubric works"). These thresholds only catch a regression; never change a
# pattern, a label or the training data because of a disagreement listed here.
BLIND_SETS = {
    # set: (min micro F1, min pairwise accuracy), a little under the figures measured on text
    # Graded per-question scores, ties wrong, delivery pairs left out on typed answers (2026-12-04); before
    # the graded judgement, with presence-based scores: pairwise 1.00 (15 of 15) and 0.89 (17 of 19).
    "blind.jsonl": (0.84, 0.80),  # measured F1 0.87 (P 0.87, R 0.86), pairwise 0.85 (11 of 13)
    "blind2.jsonl": (0.86, 0.75),  # measured F1 0.90 (P 0.86, R 0.93), pairwise 0.79 (15 of 19)
}


@pytest.mark.parametrize("name", sorted(BLIND_SETS))
def test_blind_sets_do_not_regress(name: str) -> None:
    records = bench_rubric.load_eval(ROOT / "bench" / "eval" / name)
    report = bench_rubric.evaluate(records, bench_rubric.text_transcripts(records))
    f1, pairwise = BLIND_SETS[name]
    assert len(records) >= 50
    assert report.micro.f1 >= f1, f"{name}: micro F1 {report.micro.f1:.2f}"
    assert report.pairwise_accuracy >= pairwise, f"{name}: pairwise {report.pairwise_accuracy:.2f}"


# --- The frozen blind set of the graded judgement (issue 10) -------------------------------------------------
# bench/eval/blind3.jsonl: 72 pairs of typed answers over all nine scenarios, each pair differing in the quality
# of one dimension; 25 are trap pairs (the weaker answer uses the expected words without substance). Written by
# people who never saw the detector, frozen before the first measurement, never trained or tuned on. Only
# aggregate figures are computed and printed here, never a pair. Measured 2026-12-04 on typed answers with the
# shipped model: pairwise 67 of 72 (0.93, ties counted wrong; 4 ties, 1 reversed), trap pairs 25 of 25 with
# none reversed, stronger answers at 4-5: 65 of 72, weaker answers at 1-2: 49 of 72. Thresholds sit a little
# below so that a regression fails; never change the detector because of this test.
BLIND3 = ROOT / "bench" / "eval" / "blind3.jsonl"


def test_blind3_graded_pairs_do_not_regress() -> None:
    records = bench_rubric.load_eval(BLIND3)
    report = bench_rubric.evaluate(records, bench_rubric.text_transcripts(records))
    pairs = report.judged_pairs
    trap = [p for p in pairs if p.trap]
    won, trap_won = sum(p.ok for p in pairs), sum(p.ok for p in trap)
    trap_reversed = sum(p.reversed for p in trap)
    strong_high = sum(1 for p in pairs if (p.stronger or 0) >= 4)
    weak_low = sum(1 for p in pairs if p.weaker is not None and p.weaker <= 2)
    # Aggregate figures only in the message: no pair of a frozen blind set is ever printed.
    figures = (
        f"pairwise {won}/{len(pairs)}, trap {trap_won}/{len(trap)} ({trap_reversed} reversed), "
        f"stronger at 4-5 {strong_high}, weaker at 1-2 {weak_low}"
    )
    assert len(pairs) == 72 and len(trap) == 25, figures
    assert report.pairwise_accuracy >= 0.90, figures
    assert trap_won >= 24 and trap_reversed == 0, figures
    assert strong_high >= 62 and weak_low >= 45, figures
