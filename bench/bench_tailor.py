"""Offline tailoring per CV: how many questions and follow-ups quote the candidate, and how long it takes.

For each CV and job description in ``tests/data/tailor/`` and ``tests/data/tailor-heldout/`` (text, Markdown, PDF and DOCX CVs of different
seniority and domains), read both files, extract the facts and tailor every shipped scenario; print the
main questions and follow-ups that now quote the CV or job description, the top "practise next" scenario
for the job description, and the time for the whole pass. The baseline, measured in the same run, is
loading the shipped scenarios (which every session does anyway), so the ratio says what tailoring adds.

These fixtures were written while the extractor was developed (a development set, not a blind one); the
counts say what tailoring does on them, not how well it generalises.

Run: ``.venv/bin/python bench/bench_tailor.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from voicemock import paths
from voicemock.scenario import ScenarioSet
from voicemock.tailor import rank_scenarios, tailor
from voicemock.tailoring import read_material

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
SETS = (DATA / "tailor", DATA / "tailor-heldout")
"""The development CVs, then the two written after the extractor was first frozen (their README says what
they showed before they, too, became development data)."""


def _file(directory: Path, stem: str) -> Path:
    return next(p for p in sorted(directory.iterdir()) if p.stem == stem)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="timed passes per CV (the median is shown)")
    args = parser.parse_args()

    baseline: list[float] = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        scenarios = ScenarioSet([paths.shipped_scenarios_dir()])
        baseline.append(time.perf_counter() - started)
    base = statistics.median(baseline)
    q_slots = sum(1 for s in scenarios for q in s.questions if q.slot)
    f_slots = sum(1 for s in scenarios for q in s.questions for r in q.signals if r.slot)
    n_questions = sum(len(s.questions) for s in scenarios)
    print(
        f"{len(scenarios)} shipped scenarios, {n_questions} questions; slots on {q_slots} questions and "
        f"{f_slots} follow-ups; baseline (load the scenarios): {base * 1000:.1f} ms"
    )
    header = (
        f"{'CV':28} {'format':9} {'facts':>5} {'AI':>3} {'questions':>9} {'follow-ups':>10} {'ms':>7} "
        f"{'x base':>6}  practise next"
    )
    print(header)
    print("-" * len(header))
    totals = [0, 0]
    pairs = [p for folder in SETS for p in sorted(folder.iterdir()) if p.is_dir()]
    for directory in pairs:
        cv, job = _file(directory, "cv"), _file(directory, "job")
        times: list[float] = []
        counts = (0, 0)
        material = None
        for _ in range(args.repeat):
            started = time.perf_counter()
            material = read_material(cv, job)
            assert material is not None and material.profile is not None
            results = [tailor(s, material.profile, material.posting) for s in scenarios]
            times.append(time.perf_counter() - started)
            counts = (sum(r.questions for r in results), sum(r.follow_ups for r in results))
        assert material is not None and material.profile is not None and material.posting is not None
        profile = material.profile
        facts = len(profile.roles) + len(profile.projects) + len(profile.claims) + len(profile.skills)
        took = statistics.median(times)
        top = rank_scenarios(material.posting, scenarios, top=1)[0].scenario.id
        totals[0] += counts[0]
        totals[1] += counts[1]
        print(
            f"{directory.name:28} {material.cv.format if material.cv else '-':9} {facts:5d} "
            f"{'yes' if profile.has_ai else 'no':>3} {counts[0]:>6}/{q_slots:<2} {counts[1]:>7}/{f_slots:<2} "
            f"{took * 1000:7.1f} {took / base:6.1f}  {top}"
        )
    print(
        f"total: {totals[0]} tailored questions and {totals[1]} tailored follow-ups over "
        f"{len(pairs)} CVs (each CV against all {len(scenarios)} scenarios)"
    )


if __name__ == "__main__":
    main()
