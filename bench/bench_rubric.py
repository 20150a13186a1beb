"""Benchmark the rubric on a labelled set, on typed text and on the same answers spoken and transcribed.

For each answer of a set in ``bench/eval/`` this prints what the set's labels allow:

- pairwise accuracy: for each pair of a stronger and a weaker answer to the same question, whether the
  stronger one scores strictly higher on the one dimension that differs (the per-question score of
  ``debrief.json``; a tie counts as wrong, and so does a dimension left unscored), overall, per dimension,
  and on the set's "trap" pairs (the weaker answer uses the expected words without substance) with the
  number of reversals (the weaker answer scored higher);
- calibration: how many stronger answers score 4-5 and how many weaker ones 1-2;
- per-signal precision, recall and F1 of the signal verdicts, for sets labelled per signal;
- per-signal level agreement (exact and within one level), for sets labelled with levels;
- the same after each answer is spoken (``--voice``: espeak-ng, or the optional Piper voice) and transcribed
  by the shipped Whisper model (``bench/speech_cache.py`` caches WAVs and transcripts under ``bench/out/``).

Blind sets (``blind*.jsonl``) print aggregate figures only: no per-pair or per-answer lines, so nobody tunes
on them by accident (``--items`` overrides for the older blind sets, whose per-item results are published).

Usage: ``python bench/bench_rubric.py [--set PATH] [--text-only | --spoken-only] [--voice espeak|piper]
[--patterns-only]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "bench" / "eval" / "answers.jsonl"
#: Blind sets measured only in aggregate: ``--items`` is refused for them.
FROZEN = frozenset({"blind3.jsonl"})

sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

import speech_cache  # noqa: E402

from voicemock import paths  # noqa: E402
from voicemock.debrief import rubric_label  # noqa: E402
from voicemock.models import Transcript  # noqa: E402
from voicemock.rubric import SHIPPED, Assessment, assess  # noqa: E402
from voicemock.scenario import Scenario, ScenarioSet  # noqa: E402
from voicemock.scoring import score_answer_delivery  # noqa: E402
from voicemock.signals import Dimension  # noqa: E402


def load_eval(path: Path = EVAL) -> list[dict[str, Any]]:
    """The evaluation records, one per answer."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load_scenarios() -> dict[str, Scenario]:
    return dict(ScenarioSet([paths.shipped_scenarios_dir()]).scenarios)


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        self.tn += other.tn


@dataclass(frozen=True)
class Pair:
    id: str
    dimension: str
    stronger: int | None
    weaker: int | None
    trap: bool = False
    judged: bool = True
    """False for a delivery pair of typed answers: the debrief never judges delivery on typed text, so such
    a pair is left out of the typed figures (and counted in the spoken ones)."""

    @property
    def ok(self) -> bool:
        """The stronger answer scored strictly higher (a tie or an unscored dimension is wrong)."""
        return self.stronger is not None and self.weaker is not None and self.stronger > self.weaker

    @property
    def reversed(self) -> bool:
        return self.stronger is not None and self.weaker is not None and self.weaker > self.stronger


@dataclass
class Report:
    """Figures for one run (text or speech)."""

    signals: dict[str, Counts] = field(default_factory=dict)
    pairs: list[Pair] = field(default_factory=list)
    levels: dict[str, Counter[str]] = field(default_factory=dict)
    """Per signal: "n", "exact", "within1" level agreements with the labels."""
    ladders: dict[str, Counter[str]] = field(default_factory=dict)
    """Per ladder of the issue (metric, experiment, diagnosis, story): agreement with an independent
    labeller's levels (``detector_ladders``)."""
    errors: list[str] = field(default_factory=list)
    """Per-answer disagreements, for tuning on development sets: "a12 business_cost: label True, ..."."""

    @property
    def judged_pairs(self) -> list[Pair]:
        return [p for p in self.pairs if p.judged]

    @property
    def pairwise_accuracy(self) -> float:
        """Share of judged pairs whose stronger answer scored strictly higher (ties and unscored are wrong)."""
        pairs = self.judged_pairs
        return sum(1 for p in pairs if p.ok) / len(pairs) if pairs else 0.0

    def add(self, other: Report) -> None:
        """Fold another run's figures into this one (cross-validation's folds)."""
        for sig, c in other.signals.items():
            self.signals.setdefault(sig, Counts()).add(c)
        self.pairs += other.pairs
        for sig, agree in other.levels.items():
            self.levels.setdefault(sig, Counter()).update(agree)
        for ladder, agree in other.ladders.items():
            self.ladders.setdefault(ladder, Counter()).update(agree)
        self.errors += other.errors

    @property
    def micro(self) -> Counts:
        total = Counts()
        for c in self.signals.values():
            total.add(c)
        return total


def pair_score(
    record: dict[str, Any], transcript: Transcript, scenario: Scenario, dim: Dimension, assessment: Assessment
) -> int | None:
    """The score the debrief gives this one answer on ``dim`` (``questions[i].scores[dim]``): the graded
    content score, or delivery for a spoken answer (None for a typed one, as in the debrief)."""
    if dim is Dimension.DELIVERY:
        if not transcript.is_audio:
            return None
        budget = scenario.budget(scenario.question(record["question"]))
        return score_answer_delivery(transcript, budget).score
    grade = assessment.grades.get(str(dim))
    return grade.score if grade is not None else None


#: The issue's four ladders, as an independent labeller applies them (``<set>_levels.jsonl``), and the
#: detector's signals each one is compared with. The mapping was fixed before any agreement was computed.
DIAGNOSIS_SIGNALS = ("drift", "data_quality", "leakage", "overfitting")
STORY_SCENE = ("situation",)
STORY_ACTIONS = ("action", "personal_ownership")
STORY_RESULT = ("quantified_result", "result", "impact_story")


def detector_ladders(a: Assessment) -> dict[str, int]:
    """The detector's level on each of the issue's ladders, from its own signal levels.

    - metric (0-4) is ``success_metric``'s level (named, measurable, baseline or target, guardrail with its
      limit), 0 when the question does not list it;
    - experiment (0-3) is ``experiment``'s level;
    - diagnosis (0-2: a guess, checks that separate causes) is the best of ``DIAGNOSIS_SIGNALS``, their
      level 1 and 2 ("guesses", "says how to check") counting as a guess and their level 3 ("separates the
      causes") as 2;
    - story (0-3: general, a specific situation with "I" actions, a result with a number): 1 when any story
      signal is shown, 2 with a real scene (``situation`` at 2, or a real scene marker where the question
      lists no situation) and first-person actions (``action`` or ``personal_ownership`` at 2), 3 when a
      result signal also carries a number (``quantified_result`` or ``impact_story`` at 2, ``result`` at 3).
    """
    lv = {r.id: r.level for r in a.results}
    story_ids = (*STORY_SCENE, *STORY_ACTIONS, *STORY_RESULT)
    diag = max((lv[s] for s in DIAGNOSIS_SIGNALS if s in lv), default=0)
    story = 1 if any(lv.get(s, 0) > 0 for s in story_ids) else 0
    profile = a.profile
    scene = (
        lv["situation"] >= 2
        if "situation" in lv
        else (profile is not None and profile.count("story_anchor") > 0)
    )
    own = any(lv.get(s, 0) >= 2 for s in STORY_ACTIONS)
    if story and scene and own:
        story = 2
        if lv.get("quantified_result", 0) >= 2 or lv.get("impact_story", 0) >= 2 or lv.get("result", 0) >= 3:
            story = 3
    return {
        "metric": lv.get("success_metric", 0),
        "experiment": lv.get("experiment", 0),
        "diagnosis": {0: 0, 1: 1, 2: 1}.get(diag, 2),
        "story": story,
    }


def load_ladder_labels(path: Path) -> dict[str, dict[str, int]]:
    """Per answer id, the labeller's ladder levels (ladders that do not apply are absent)."""
    return {r["id"]: dict(r["ladders"]) for r in load_eval(path)}


def evaluate(
    records: Sequence[dict[str, Any]],
    transcripts: dict[str, Transcript],
    scenarios: dict[str, Scenario] | None = None,
    judge: Any = SHIPPED,
    model: Any = None,
    ladder_labels: dict[str, dict[str, int]] | None = None,
) -> Report:
    """Compare the rubric's verdicts with the labels and score the pairs. ``judge`` is ``rubric.assess``'s:
    the shipped classifier, None for the patterns alone, or one trained in cross-validation; ``model`` the
    grade model (None: the shipped one)."""
    scenarios = scenarios or load_scenarios()
    report = Report()
    by_pair: dict[str, dict[str, dict[str, Any]]] = {}
    assessed: dict[str, Assessment] = {}
    for rec in records:
        scenario = scenarios[rec["scenario"]]
        question = scenario.question(rec["question"])
        text = transcripts[rec["id"]].text
        assessed[rec["id"]] = a = assess(question, scenario.persona, [("1", text)], judge=judge, model=model)
        results = {r.id: r for r in a.results}
        for sig, label in rec.get("labels", {}).items():
            got = results[sig].shown
            c = report.signals.setdefault(sig, Counts())
            if label and got:
                c.tp += 1
            elif label:
                c.fn += 1
                report.errors.append(f"{rec['id']} {sig}: label True, detector False")
            elif got:
                c.fp += 1
                report.errors.append(f"{rec['id']} {sig}: label False, detector True")
            else:
                c.tn += 1
        for sig, level in rec.get("levels", {}).items():
            lv = report.levels.setdefault(sig, Counter())
            lv["n"] += 1
            lv["exact"] += results[sig].level == level
            lv["within1"] += abs(results[sig].level - level) <= 1
        if ladder_labels and rec["id"] in ladder_labels:
            mine = detector_ladders(a)
            for ladder, level in ladder_labels[rec["id"]].items():
                lv = report.ladders.setdefault(ladder, Counter())
                lv["n"] += 1
                lv["exact"] += mine[ladder] == level
                lv["within1"] += abs(mine[ladder] - level) <= 1
        if rec.get("pair"):
            by_pair.setdefault(rec["pair"], {})[rec["role"]] = rec
    for pair_id, roles in sorted(by_pair.items()):
        strong, weak = roles["stronger"], roles["weaker"]
        dim = Dimension(strong["differs"])
        scenario = scenarios[strong["scenario"]]
        s = pair_score(strong, transcripts[strong["id"]], scenario, dim, assessed[strong["id"]])
        w = pair_score(weak, transcripts[weak["id"]], scenario, dim, assessed[weak["id"]])
        typed = not transcripts[strong["id"]].is_audio
        judged = not (dim is Dimension.DELIVERY and typed)
        report.pairs.append(Pair(pair_id, str(dim), s, w, bool(strong.get("trap")), judged))
    return report


def text_transcripts(records: Sequence[dict[str, Any]]) -> dict[str, Transcript]:
    return {r["id"]: Transcript(r["answer"], source="text-file") for r in records}


def pair_lines(report: Report) -> list[str]:
    """The aggregate pair figures: overall, per dimension, trap pairs, calibration."""
    pairs = report.judged_pairs
    skipped = len(report.pairs) - len(pairs)
    if not pairs:
        return []
    won = sum(p.ok for p in pairs)
    ties = sum(1 for p in pairs if p.stronger is not None and p.stronger == p.weaker)
    unscored = sum(1 for p in pairs if p.stronger is None or p.weaker is None)
    lines = [
        f"pairwise {won}/{len(pairs)} = {won / len(pairs):.2f} (ties {ties} and unscored {unscored} counted "
        f"wrong; reversed {sum(p.reversed for p in pairs)})"
    ]
    if skipped:
        lines.append(f"  ({skipped} delivery pair(s) left out: delivery is not judged on typed answers)")
    for dim in sorted({p.dimension for p in pairs}):
        mine = [p for p in pairs if p.dimension == dim]
        lines.append(f"  {dim:18} {sum(p.ok for p in mine)}/{len(mine)}")
    trap = [p for p in pairs if p.trap]
    if trap:
        lines.append(
            f"trap pairs (expected words without substance vs plain substance): {sum(p.ok for p in trap)}/"
            f"{len(trap)} stronger higher, {sum(p.reversed for p in trap)} reversed, "
            f"{sum(1 for p in trap if p.stronger == p.weaker)} tied"
        )
    scored = [p for p in pairs if p.stronger is not None and p.weaker is not None]
    lines.append(
        f"calibration: stronger answers at 4-5: {sum(1 for p in scored if (p.stronger or 0) >= 4)}/"
        f"{len(scored)}; weaker answers at 1-2: {sum(1 for p in scored if (p.weaker or 9) <= 2)}/{len(scored)}"
    )
    return lines


def print_report(name: str, report: Report, items: bool) -> None:
    """Print the figures; per-pair and per-answer lines only when ``items``."""
    print(f"\n## {name}\n")
    if report.signals:
        print(f"{'signal':24} {'P':>5} {'R':>5} {'F1':>5}  {'tp':>3} {'fp':>3} {'fn':>3} {'tn':>3}")
        for sig, c in sorted(report.signals.items()):
            print(
                f"{sig:24} {c.precision:5.2f} {c.recall:5.2f} {c.f1:5.2f}  {c.tp:3} {c.fp:3} {c.fn:3} {c.tn:3}"
            )
        m = report.micro
        print(f"{'(all signals, micro)':24} {m.precision:5.2f} {m.recall:5.2f} {m.f1:5.2f}\n")
    if report.levels:
        print("per-signal level agreement with the labels (exact, within one level):")
        n = sum(c["n"] for c in report.levels.values())
        for sig, c in sorted(report.levels.items()):
            print(f"  {sig:24} {c['exact'] / c['n']:.2f} {c['within1'] / c['n']:.2f}  (n {c['n']})")
        exact = sum(c["exact"] for c in report.levels.values())
        within = sum(c["within1"] for c in report.levels.values())
        print(f"  {'(all)':24} {exact / n:.2f} {within / n:.2f}  (n {n})\n")
    if report.ladders:
        print("ladder level agreement with the independent labeller (exact, within one level; aggregate):")
        for ladder in ("metric", "experiment", "diagnosis", "story"):
            agree = report.ladders.get(ladder)
            if agree and agree["n"]:
                print(
                    f"  {ladder:12} {agree['exact'] / agree['n']:.2f} {agree['within1'] / agree['n']:.2f}"
                    f"  (n {agree['n']})"
                )
        total = sum(report.ladders.values(), Counter())
        print(f"  {'(all)':12} {total['exact'] / total['n']:.2f} {total['within1'] / total['n']:.2f}  (n {total['n']})\n")
    for line in pair_lines(report):
        print(line)
    if items:
        for p in report.pairs:
            print(f"  {p.id} {p.dimension:18} {p.stronger} vs {p.weaker} {'ok' if p.ok else 'WRONG'}")
        for e in report.errors:
            print("  " + e)


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the rubric against a labelled set.")
    parser.add_argument("--text-only", action="store_true", help="skip the spoken half")
    parser.add_argument("--spoken-only", action="store_true", help="skip the typed half")
    parser.add_argument(
        "--set", type=Path, default=EVAL, help=f"labelled answers (default {EVAL.relative_to(ROOT)})"
    )
    parser.add_argument("--voice", choices=speech_cache.VOICES, default="espeak")
    parser.add_argument(
        "--patterns-only",
        action="store_true",
        help="judge signals with the patterns alone, without the sentence classifier",
    )
    parser.add_argument("--items", action="store_true", help="print per-pair and per-answer lines")
    args = parser.parse_args(list(argv))
    judge = None if args.patterns_only else SHIPPED
    records = load_eval(args.set)
    scenarios = load_scenarios()
    items = args.items or not args.set.name.startswith("blind")
    if items and args.set.name in FROZEN:
        parser.error(f"{args.set.name} is a frozen blind set: aggregate figures only, never per-item lines")
    levels_file = args.set.with_name(f"{args.set.stem}_levels.jsonl")
    ladder_labels = load_ladder_labels(levels_file) if levels_file.is_file() else None
    print(
        f"evaluation set {args.set.relative_to(ROOT) if args.set.is_relative_to(ROOT) else args.set}: "
        f"{len(records)} answers, {sum(1 for r in records if r.get('pair')) // 2} pairs; detector: "
        f"{'patterns only' if judge is None else rubric_label()}"
    )
    if not args.spoken_only:
        print_report(
            "typed answers",
            evaluate(records, text_transcripts(records), scenarios, judge, ladder_labels=ladder_labels),
            items,
        )
    if not args.text_only:
        started = time.perf_counter()
        transcripts = speech_cache.transcripts(records, args.voice, args.set.stem)
        print(
            f"\nspoken by {args.voice}, transcribed by the shipped Whisper model "
            f"({time.perf_counter() - started:.0f} s, cached ones skipped)"
        )
        print_report(
            f"spoken ({args.voice} -> Whisper tiny.en)",
            evaluate(records, transcripts, scenarios, judge, ladder_labels=ladder_labels),
            items,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
