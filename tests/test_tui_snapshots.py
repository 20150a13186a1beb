"""SVG snapshots of every screen at 80x24, with the answer clock frozen, meters idle and no cursor blink.

Sessions shown in history and the debrief are made by the real Rehearsal with a fixed clock, then moved to a
fixed directory name, so the pictures do not depend on when the test runs. Update with
``pytest tests/test_tui_snapshots.py --snapshot-update`` after checking the new SVGs by eye.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from tui_fakes import ToneSpeaker, factory
from voicemock import paths, store
from voicemock.backends import build
from voicemock.config import Settings
from voicemock.scenario import ScenarioSet
from voicemock.session import Rehearsal
from voicemock.store import SessionStore
from voicemock.tui.app import VoiceMockApp

SIZE = (80, 24)
WEAK = "I would look at how many fraud cases we catch, [bold]mostly[/] the big ones."
GOOD = (
    "A stolen card hurts the cardholder and a card declined at the checkout hurts a good customer. "
    "Our success metric is fraud loss in basis points while the approval rate holds steady."
)


def make_app(answers: Path | None = None, typed: bool = False) -> VoiceMockApp:
    scenarios = ScenarioSet([paths.shipped_scenarios_dir()])
    return VoiceMockApp(
        scenarios, Settings(), SessionStore(), factory(answers, typed=typed), clock=lambda: 0.0, live=False
    )


def fixed_session(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, at: str, answers: dict[str, str]
) -> Path:
    """A finished session made by the real Rehearsal, with fixed timestamps and directory name."""
    monkeypatch.setattr(store, "_now", lambda: at)
    directory = tmp_path / f"answers-{name}"
    directory.mkdir()
    for file, text in answers.items():
        (directory / file).write_text(text, encoding="utf-8")
    backends = build(Settings(), answers=directory, speech=False)
    backends.speaker = ToneSpeaker()
    scenario = ScenarioSet([paths.shipped_scenarios_dir()]).get("fraud-success-metrics")
    rehearsal = Rehearsal.begin(scenario, backends, SessionStore(), reask_on_silence=False)
    rehearsal.run()
    target = rehearsal.session.path.with_name(name)
    rehearsal.session.path.rename(target)
    return target


async def wait_phase(pilot: Pilot[Any], phase: str) -> None:
    for _ in range(500):
        if getattr(pilot.app.screen, "phase", None) == phase:
            return
        await pilot.pause(0.02)
    raise AssertionError(f"never reached {phase}")


def test_picker(snap_compare: Any) -> None:
    assert snap_compare(make_app(typed=True), terminal_size=SIZE)


def test_settings(snap_compare: Any) -> None:
    assert snap_compare(make_app(typed=True), press=["o"], terminal_size=SIZE)


def test_interview_with_markup_in_transcript(snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await pilot.press("slash", *"fraud-success", "enter", "enter")
        await wait_phase(pilot, "your_turn")
        await pilot.press("t")
        pilot.app.screen.query_one("#typed", Input).value = WEAK
        await pilot.press("enter")
        await pilot.pause(0.1)
        await wait_phase(pilot, "your_turn")
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(make_app(typed=True), terminal_size=SIZE, run_before=run_before)


def test_history(snap_compare: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fixed_session(
        tmp_path,
        monkeypatch,
        "20260105-100000-fraud-success-metrics",
        "2026-01-05T10:00:00+00:00",
        {"1.txt": WEAK, "2.txt": "We would A/B test it."},
    )
    fixed_session(
        tmp_path,
        monkeypatch,
        "20260112-100000-fraud-success-metrics",
        "2026-01-12T10:00:00+00:00",
        {"1.txt": GOOD, "1-1.txt": "A false decline costs more than the fraud.", "2.txt": GOOD},
    )

    async def run_before(pilot: Pilot[Any]) -> None:
        await pilot.press("h")
        for _ in range(200):
            if getattr(pilot.app.screen, "rows", None):
                break
            await pilot.pause(0.02)
        # DataTable sizes its columns when idle, after the rows are added: on a loaded machine a fixed pause
        # captured "2026 " for "2026-01-12 10:00". Wait until the date cells have been measured.
        table = pilot.app.screen.query_one("#sessions", DataTable)
        for _ in range(200):
            if table.ordered_columns[0].content_width >= len("2026-01-12 10:00"):
                break
            await pilot.pause(0.02)
        await pilot.pause(0.1)

    assert snap_compare(make_app(typed=True), terminal_size=SIZE, run_before=run_before)


def test_debrief(snap_compare: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fixed_session(
        tmp_path,
        monkeypatch,
        "20260105-100000-fraud-success-metrics",
        "2026-01-05T10:00:00+00:00",
        {"1.txt": WEAK, "1-1.txt": GOOD, "2.txt": "We would A/B test it."},
    )

    async def run_before(pilot: Pilot[Any]) -> None:
        await pilot.press("h")
        for _ in range(200):
            if getattr(pilot.app.screen, "rows", None):
                break
            await pilot.pause(0.02)
        await pilot.press("enter")
        await pilot.pause(0.2)

    assert snap_compare(make_app(typed=True), terminal_size=SIZE, run_before=run_before)
