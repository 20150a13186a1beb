"""Progress over sessions: trends per dimension and a "practise next" pointing at a real scenario."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from voicemock import paths
from voicemock.progress import compute, exercise, progress, to_text
from voicemock.scenario import ScenarioSet
from voicemock.signals import Dimension
from voicemock.store import SessionStore

SCENARIOS = paths.shipped_scenarios_dir()


def _session(root: Path, name: str, at: str, scenario: str, scores: dict[str, int | None] | None) -> None:
    """A session directory as the store writes it: a journal, and debrief.json once finished."""
    path = root / name
    path.mkdir(parents=True)
    started = {"event": "started", "at": at, "scenario": scenario, "title": scenario}
    (path / "journal.jsonl").write_text(json.dumps(started) + "\n", encoding="utf-8")
    if scores is not None:
        debrief = {
            "scores": {k: {"score": v, "label": k, "basis": ""} for k, v in scores.items()},
            "overall": {},
        }
        (path / "debrief.json").write_text(json.dumps(debrief), encoding="utf-8")


@pytest.fixture
def scenarios() -> ScenarioSet:
    return ScenarioSet([SCENARIOS])


def test_trend_weakest_and_suggestion(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scenarios: ScenarioSet
) -> None:
    monkeypatch.setenv("VOICEMOCK_HOME", str(tmp_path))
    root = tmp_path / "sessions"
    base = {"product_sense": 4, "communication": 4, "behavioral": None, "delivery": 4}
    _session(
        root, "s1", "2026-01-01T10:00:00+00:00", "fraud-success-metrics", {**base, "analytical_rigor": 1}
    )
    _session(
        root, "s2", "2026-01-02T10:00:00+00:00", "fraud-success-metrics", {**base, "analytical_rigor": 2}
    )
    _session(
        root, "s3", "2026-01-03T10:00:00+00:00", "support-ticket-impact", {**base, "analytical_rigor": 3}
    )
    _session(root, "s4", "2026-01-04T10:00:00+00:00", "fraud-success-metrics", None)  # unfinished: ignored
    p = progress(SessionStore(root), scenarios)
    assert p.sessions == 3
    rigor = next(t for t in p.trends if t.dimension is Dimension.ANALYTICAL_RIGOR)
    assert [pt.score for pt in rigor.points] == [1, 2, 3]
    assert rigor.direction == "improving"
    behavioral = next(t for t in p.trends if t.dimension is Dimension.BEHAVIORAL)
    assert behavioral.points == () and behavioral.direction == "no data"
    assert p.weakest is Dimension.ANALYTICAL_RIGOR
    assert p.suggestion is not None
    # The suggestion is a shipped scenario that exercises analytical rigor more than any other.
    chosen = scenarios.get(p.suggestion.scenario_id)
    best = max(exercise(s, Dimension.ANALYTICAL_RIGOR) for s in scenarios)
    assert exercise(chosen, Dimension.ANALYTICAL_RIGOR) >= best - 0.15
    text = to_text(p)
    assert "Analytical rigor" in text and "1 2 3" in text and "improving" in text
    assert f"voicemock run --scenario {p.suggestion.scenario_id}" in text


def test_behavioral_weakness_points_at_the_story_scenario(scenarios: ScenarioSet, tmp_path: Path) -> None:
    root = tmp_path / "sessions"
    scores = {"product_sense": 4, "analytical_rigor": 4, "communication": 4, "behavioral": 1, "delivery": 5}
    _session(root, "s1", "2026-01-01T10:00:00+00:00", "leadership-stories", scores)
    p = compute(SessionStore(root).summaries(), scenarios)
    assert p.weakest is Dimension.BEHAVIORAL
    assert p.suggestion is not None and p.suggestion.scenario_id == "leadership-stories"
    assert p.trends[0].direction == "one session"


def test_no_sessions_is_a_friendly_start(scenarios: ScenarioSet, tmp_path: Path) -> None:
    p = progress(SessionStore(tmp_path / "nothing"), scenarios)
    assert p.sessions == 0 and p.weakest is None
    assert p.suggestion is not None  # a first scenario to set a baseline
    assert "No finished sessions yet" in to_text(p)


def test_a_corrupt_debrief_is_skipped(scenarios: ScenarioSet, tmp_path: Path) -> None:
    root = tmp_path / "sessions"
    _session(root, "s1", "2026-01-01T10:00:00+00:00", "recruiter-screen", {"communication": 3})
    (root / "s1" / "debrief.json").write_text("{not json", encoding="utf-8")
    p = progress(SessionStore(root), scenarios)
    assert p.sessions == 0
