"""SVG snapshots of every screen at 80x24 (the picker, debrief and history also at 120x40), with the answer
clock frozen, meters idle and no cursor blink.

Sessions shown in history and the debrief are made by the real Rehearsal with a fixed clock and answer
directories named relative to the test's directory, then moved to fixed directory names, so the pictures do
not depend on when or where the test runs. Update with ``pytest tests/test_tui_snapshots.py
--snapshot-update`` after checking the new SVGs by eye (``tests/tui_pilot.svg_text`` reads one as text).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable

from tui_fakes import factory
from tui_pilot import FOLLOW_UP_1, GOOD_Q2, STRONG_Q1, WEAK_Q1, active_tab, make_session
from voicemock import paths, store
from voicemock.config import Settings
from voicemock.scenario import ScenarioSet
from voicemock.store import SessionDir, SessionStore
from voicemock.tui.app import VoiceMockApp
from voicemock.tui.interview_screen import AnswerBox

SMALL = (80, 24)
WIDE = (120, 40)
WEAK = "I would look at how many fraud cases we catch, [bold]mostly[/] the big ones."


def make_app(answers: Path | None = None, typed: bool = False) -> VoiceMockApp:
    scenarios = ScenarioSet([paths.shipped_scenarios_dir()])
    return VoiceMockApp(
        scenarios, Settings(), SessionStore(), factory(answers, typed=typed), clock=lambda: 0.0, live=False
    )


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in the test's directory, so answer directories are named "answers-0" on screen."""
    monkeypatch.chdir(tmp_path)
    return Path()


def fixed(monkeypatch: pytest.MonkeyPatch, at: str) -> None:
    monkeypatch.setattr(store, "_now", lambda: at)


@pytest.fixture
def two_sessions(here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An early session that ended early, then a completed one whose first question was tried again."""
    fixed(monkeypatch, "2026-01-05T10:00:00+00:00")
    make_session(here, {"1.txt": WEAK}, end_early_after=1, name="20260105-100000-fraud-success-metrics")
    fixed(monkeypatch, "2026-01-12T10:00:00+00:00")
    session = make_session(
        here,
        {"1.txt": WEAK, "1-1.txt": FOLLOW_UP_1, "2.txt": GOOD_Q2},
        name="20260112-100000-fraud-success-metrics",
    )
    retry(here, session, {"1.txt": STRONG_Q1})


def retry(here: Path, session: Path, answers: dict[str, str]) -> None:
    """Answer question 1 of a session again, as ``voicemock retry`` does."""
    from tui_fakes import ToneSpeaker
    from voicemock.backends import build
    from voicemock.session import Rehearsal

    directory = here / "retry-answers"
    directory.mkdir()
    for name, text in answers.items():
        (directory / name).write_text(text, encoding="utf-8")
    backends = build(Settings(), answers=directory, speech=False)
    backends.speaker = ToneSpeaker()
    scenarios = ScenarioSet([paths.shipped_scenarios_dir()])
    rehearsal = Rehearsal.resume(SessionDir(session), scenarios, backends, reask_on_silence=False, reopen=True)
    rehearsal.retry(1)
    rehearsal.run()
    rehearsal.close()


async def wait_phase(pilot: Pilot[Any], phase: str) -> None:
    for _ in range(500):
        if getattr(pilot.app.screen, "phase", None) == phase:
            return
        await pilot.pause(0.02)
    raise AssertionError(f"never reached {phase}")


async def open_history(pilot: Pilot[Any]) -> None:
    await pilot.press("h")
    for _ in range(200):
        if getattr(pilot.app.screen, "rows", None):
            break
        await pilot.pause(0.02)
    # DataTable sizes its columns when idle, after the rows are added: wait until the dates are measured.
    table = pilot.app.screen.query_one("#sessions", DataTable)
    for _ in range(200):
        if table.ordered_columns and table.ordered_columns[0].content_width >= len("2026-01-12 10:00"):
            break
        await pilot.pause(0.02)
    # On a loaded machine the history's loader and the table's idle-time layout can finish after the first
    # measured frame: wait for every worker and a settled screen before the snapshot is taken.
    await pilot.app.workers.wait_for_complete()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause(0.3)


async def open_debrief(pilot: Pilot[Any], tab: str = "summary") -> None:
    await open_history(pilot)
    await pilot.press("enter")  # the newest session: the completed one with a retry
    for _ in range(200):
        if active_tab(pilot.app.screen) is not None:
            break
        await pilot.pause(0.02)
    while active_tab(pilot.app.screen) != tab:
        await pilot.press("right")
    await pilot.pause(0.2)


@pytest.mark.parametrize("size", [SMALL, WIDE], ids=["80x24", "120x40"])
def test_picker(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(typed=True), terminal_size=size)


def test_picker_filtered(snap_compare: Any) -> None:
    assert snap_compare(make_app(typed=True), press=["slash", *"fraud"], terminal_size=SMALL)


def test_settings(snap_compare: Any) -> None:
    assert snap_compare(make_app(typed=True), press=["o"], terminal_size=SMALL)


def test_interview_with_markup_in_transcript(snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await pilot.press("slash", *"fraud-success", "enter", "enter")
        await wait_phase(pilot, "your_turn")
        await pilot.press("t")
        pilot.app.screen.query_one("#typed", AnswerBox).text = WEAK
        await pilot.press("enter")
        await pilot.pause(0.1)
        await wait_phase(pilot, "your_turn")
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(make_app(typed=True), terminal_size=SMALL, run_before=run_before)


def test_interview_from_answer_files(snap_compare: Any, here: Path) -> None:
    answers = here / "my-answers"
    answers.mkdir()
    (answers / "1.txt").write_text(WEAK_Q1, encoding="utf-8")

    async def run_before(pilot: Pilot[Any]) -> None:
        await pilot.press("slash", *"fraud-success", "enter", "enter")
        await wait_phase(pilot, "your_turn")
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(make_app(answers), terminal_size=SMALL, run_before=run_before)


def test_interview_typing_a_long_answer(snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await pilot.press("slash", *"fraud-success", "enter", "enter")
        await wait_phase(pilot, "your_turn")
        await pilot.press("t")
        pilot.app.screen.query_one("#typed", AnswerBox).insert(STRONG_Q1)
        pilot.app.clear_notifications()
        await pilot.pause(0.1)

    assert snap_compare(make_app(typed=True), terminal_size=SMALL, run_before=run_before)


def test_end_asks_first(snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await pilot.press("slash", *"fraud-success", "enter", "enter")
        await wait_phase(pilot, "your_turn")
        await pilot.press("e")
        pilot.app.clear_notifications()
        await pilot.pause(0.1)

    assert snap_compare(make_app(typed=True), terminal_size=SMALL, run_before=run_before)


@pytest.mark.parametrize("size", [SMALL, WIDE], ids=["80x24", "120x40"])
def test_history(snap_compare: Any, two_sessions: None, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(typed=True), terminal_size=size, run_before=open_history)


def test_history_questions(snap_compare: Any, two_sessions: None) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_history(pilot)
        await pilot.press("right")
        await pilot.pause(0.2)

    assert snap_compare(make_app(typed=True), terminal_size=SMALL, run_before=run_before)


def test_attempts_at_a_question(snap_compare: Any, two_sessions: None) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_history(pilot)
        await pilot.press("right")
        await pilot.pause(0.1)
        await pilot.press("enter")  # the question practised last: Q1, tried twice
        await pilot.pause(0.2)

    assert snap_compare(make_app(typed=True), terminal_size=SMALL, run_before=run_before)


@pytest.mark.parametrize("size", [SMALL, WIDE], ids=["80x24", "120x40"])
def test_debrief(snap_compare: Any, two_sessions: None, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(typed=True), terminal_size=size, run_before=open_debrief)


@pytest.mark.parametrize("size", [SMALL, WIDE], ids=["80x24", "120x40"])
def test_debrief_attempts_side_by_side(snap_compare: Any, two_sessions: None, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_debrief(pilot, "q1")

    assert snap_compare(make_app(typed=True), terminal_size=size, run_before=run_before)


def test_export(snap_compare: Any, two_sessions: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/home/you")

    async def run_before(pilot: Pilot[Any]) -> None:
        await open_debrief(pilot)
        await pilot.press("x")
        await pilot.pause(0.1)

    assert snap_compare(make_app(typed=True), terminal_size=SMALL, run_before=run_before)
