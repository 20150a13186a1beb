"""The rubric against the labelled evaluation set (bench/eval/answers.jsonl), on text answers.

Thresholds sit a little below the figures measured (text, 2026-11-29: micro F1 1.00, every signal F1 >= 0.97,
pairwise accuracy 1.00), so a pattern change that makes the rubric worse fails here. The speech half of the
benchmark needs Whisper and espeak-ng and lives in ``make bench``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import bench_rubric  # noqa: E402


@pytest.fixture(scope="module")
def report() -> bench_rubric.Report:
    records = bench_rubric.load_eval()
    return bench_rubric.evaluate(records, bench_rubric.text_transcripts(records))


def test_the_set_is_what_the_issue_asks_for() -> None:
    records = bench_rubric.load_eval()
    scenarios = bench_rubric.load_scenarios()
    assert len(records) >= 40
    assert {r["scenario"] for r in records} == set(scenarios), "every shipped scenario is covered"
    pairs: dict[str, list[str]] = {}
    for r in records:
        question = scenarios[r["scenario"]].question(r["question"])
        assert set(r["labels"]) == {s.id for s in question.signals}, f"{r['id']}: label every signal"
        if r["pair"]:
            pairs.setdefault(r["pair"], []).append(r["role"])
    assert all(sorted(roles) == ["stronger", "weaker"] for roles in pairs.values())
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
    low = {sig: round(c.f1, 2) for sig, c in report.signals.items() if c.f1 < 0.9}
    assert not low, f"signals below F1 0.9 on text: {low}; disagreements: {report.errors}"
    assert report.micro.f1 >= 0.95


def test_pairwise_accuracy(report: bench_rubric.Report) -> None:
    wrong = [p for p in report.pairs if not p[4]]
    assert report.pairwise_accuracy >= 0.95, wrong


def test_dodges_injections_and_empty_answers_score_1() -> None:
    from voicemock.rubric import assess
    from voicemock.scoring import score_content
    from voicemock.signals import Dimension

    scenarios = bench_rubric.load_scenarios()
    for r in bench_rubric.load_eval():
        if r["kind"] not in ("dodge", "empty") and not (
            r["kind"] == "injection" and not any(r["labels"].values())
        ):
            continue
        scenario = scenarios[r["scenario"]]
        results = assess(scenario.question(r["question"]), scenario.persona, [("1", r["answer"])]).results
        for dim in Dimension:
            if dim is Dimension.DELIVERY:
                continue
            score = score_content(results, dim).score
            assert score in (None, 1), f"{r['id']} ({r['kind']}) scored {score} on {dim}"


# --- Second development set ---------------------------------------------------------------------------------
# bench/eval/heldout.jsonl (53 answers, 9 scenarios, 13 pairs) was written and labelled blind, from the
# scenarios and docs/rubric.md only, in the way real candidates talk (paraphrase, fillers, non-native phrasing,
# keyword-dropping). It measured micro F1 0.62 and pairwise 0.85 on text before the 2026-11-29 generalisation
# pass; since then it is a DEV set (patterns were improved by classes of phrasing while looking at it), so its
# figures are no longer an honest estimate. The honest estimate is the blind set the lead measures
# (docs/rubric.md, "Held-out evaluation"). Measured on text after the pass: micro F1 0.99 (P 0.98, R 1.00),
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
    pairs: dict[str, list[str]] = {}
    for r in records:
        question = scenarios[r["scenario"]].question(r["question"])
        assert set(r["labels"]) == {s.id for s in question.signals}, f"{r['id']}: label every signal"
        if r["pair"]:
            pairs.setdefault(r["pair"], []).append(r["role"])
    assert len(pairs) >= 6
    assert all(sorted(roles) == ["stronger", "weaker"] for roles in pairs.values())


def test_heldout_micro_f1_does_not_regress(heldout_report: bench_rubric.Report) -> None:
    m = heldout_report.micro
    assert m.f1 >= 0.93 and m.precision >= 0.92 and m.recall >= 0.92, (
        f"dev-set micro F1 {m.f1:.2f} (measured 0.99); disagreements: {heldout_report.errors}"
    )


def test_heldout_pairwise_accuracy_does_not_regress(heldout_report: bench_rubric.Report) -> None:
    wrong = [p for p in heldout_report.pairs if not p[4]]
    # Measured 13 of 13 (1.00); 0.92 allows one lost pair before failing.
    assert heldout_report.pairwise_accuracy >= 0.92, wrong


# --- Blind set: never tune against it ----------------------------------------------------------------------
# bench/eval/blind.jsonl was written and labelled by someone who never saw the patterns. It is the honest
# estimate of how the rubric does on unseen answers (docs/rubric.md, "Blind evaluation"): measured on text
# 2026-11-29, micro F1 0.70 (P 0.73, R 0.68), pairwise 0.67 (10 of 15). These thresholds only catch a
# regression; do not change a pattern because of a disagreement listed here.
BLIND = ROOT / "bench" / "eval" / "blind.jsonl"


def test_blind_set_does_not_regress() -> None:
    records = bench_rubric.load_eval(BLIND)
    report = bench_rubric.evaluate(records, bench_rubric.text_transcripts(records))
    assert len(records) >= 40
    assert report.micro.f1 >= 0.66, f"blind micro F1 {report.micro.f1:.2f} (measured 0.70)"
    assert report.pairwise_accuracy >= 0.6, f"blind pairwise {report.pairwise_accuracy:.2f} (measured 0.67)"
