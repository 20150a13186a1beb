"""The rubric against the labelled evaluation set (bench/eval/answers.jsonl), on text answers.

Thresholds sit a little below the figures measured when this was written (text: every signal F1 >= 0.97,
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


# --- Held-out set -------------------------------------------------------------------------------------------
# bench/eval/heldout.jsonl (53 answers, 9 scenarios, 13 pairs) was written and labelled from the scenarios
# and docs/rubric.md only, without reading the patterns or answers.jsonl, in the way real candidates talk:
# paraphrases, fillers, non-native phrasing, keyword-dropping without substance. It is the honest estimate of
# the detector on unseen answers (docs/rubric.md, "Held-out evaluation"). Measured on text on 2026-11-29:
# micro F1 0.62 (P 0.68, R 0.57), pairwise accuracy 0.85 (11 of 13). The thresholds sit a little below those
# figures so a regression shows. Raise them when the detector improves, but never tune patterns against
# these answers or edit their labels: once the set is tuned on it stops being held out (write a new one).
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
    assert m.f1 >= 0.58, (
        f"held-out micro F1 {m.f1:.2f} (measured 0.62); disagreements: {heldout_report.errors}"
    )


def test_heldout_pairwise_accuracy_does_not_regress(heldout_report: bench_rubric.Report) -> None:
    wrong = [p for p in heldout_report.pairs if not p[4]]
    # Measured 11 of 13 (0.85); 0.76 allows one more lost pair before failing.
    assert heldout_report.pairwise_accuracy >= 0.76, wrong
