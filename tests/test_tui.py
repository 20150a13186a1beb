"""Pilot flows through the real engine, store and Rehearsal; fakes only at the audio and LLM boundaries."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Input

from tui_fakes import RaisingCoach, RaisingRecorder, RecordingPlayer, factory
from tui_pilot import (
    FOLLOW_UP_1,
    GOOD_Q2,
    SCENARIO,
    WEAK_Q1,
    active_tab,
    answer_until_debrief,
    conversation,
    interview,
    make_app,
    pick,
    wait_for,
    write_answers,
    your_turn,
)
from voicemock.store import SessionStore
from voicemock.tui.debrief_screen import DebriefScreen
from voicemock.tui.history import HistoryScreen
from voicemock.tui.interview_screen import AnswerBox, InterviewScreen
from voicemock.tui.picker import PickerScreen


async def test_full_flow_answer_files_follow_up_debrief_history(tmp_path: Path) -> None:
    answers = write_answers(
        tmp_path / "answers", {"1.txt": WEAK_Q1, "1-1.txt": FOLLOW_UP_1, "2.txt": GOOD_Q2}
    )
    player = RecordingPlayer()
    app = make_app(factory(answers, player=player))
    async with app.run_test(size=(100, 30)) as pilot:
        await pick(pilot)
        screen = await your_turn(pilot)
        assert "How would you define success" in conversation(screen)
        await pilot.press("space")  # Q1 from 1.txt
        screen = await your_turn(pilot)
        assert screen.prompt is not None and screen.prompt.follow_up_index == 1
        text = conversation(screen)
        assert WEAK_Q1 in text
        assert "(follow-up 1, scripted)" in text
        await pilot.press("space")  # follow-up from 1-1.txt
        await answer_until_debrief(pilot)
        debrief = app.screen
        assert isinstance(debrief, DebriefScreen)
        assert debrief.report.scenario["id"] == SCENARIO
        texts = [line.text for line in debrief.lines.values()]
        assert "Top improvements" in texts
        assert any(line.marker == "Follow-up 1 (asked by scripted):" for line in debrief.lines.values())
        assert (debrief.directory / "debrief.md").is_file()
        # everything the persona said went through the Player, ending with the outro
        spoken = len(player.played)
        assert spoken >= 5 and player.played[-1].name.startswith("outro")
        await wait_for(pilot, lambda: active_tab(debrief) == "summary")
        await pilot.press("right")  # the question's tab: its first recording is the question itself
        while (line := debrief.selected()) is None or line.kind != "audio":
            await pilot.press("down")
        await pilot.press("p")
        await wait_for(pilot, lambda: len(player.played) == spoken + 1)
        assert player.played[-1].name == "define-success.question.wav"
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen) and bool(app.screen.rows))
        history = app.screen
        assert isinstance(history, HistoryScreen)
        assert history.rows[0]["finished"] and history.rows[0]["title"].startswith("Defining success")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DebriefScreen))


async def test_typed_answers_and_markup_shown_literally(tmp_path: Path) -> None:
    app = make_app(factory(None, typed=True))
    nasty = "I'd say [bold]fraud loss[/] and [red]approval rate[/red] [/] [link=x]y"
    async with app.run_test(size=(80, 24)) as pilot:
        await pick(pilot)
        screen = await your_turn(pilot)
        assert screen.typed_only
        await pilot.press("space")  # typed mode: space opens the typing box too
        assert screen.query_one("#typed-box").has_class("open")
        screen.query_one("#typed", AnswerBox).text = nasty
        await pilot.press("enter")
        screen = await your_turn(pilot)
        assert nasty in conversation(screen)
        assert not screen.query_one("#typed-box").has_class("open")
        await pilot.press("e", "y")
        await wait_for(pilot, lambda: isinstance(app.screen, DebriefScreen))
        debrief = app.screen
        assert isinstance(debrief, DebriefScreen)
        assert any(line.text == nasty for line in debrief.lines.values() if line.kind == "answer")
        session = SessionStore().summaries()[-1]
        assert session.finished and session.answered == 1


async def test_resume_unfinished_session_from_history(tmp_path: Path) -> None:
    answers = write_answers(
        tmp_path / "answers", {"1.txt": WEAK_Q1, "1-1.txt": FOLLOW_UP_1, "2.txt": GOOD_Q2}
    )
    app = make_app(factory(answers))
    async with app.run_test(size=(80, 24)) as pilot:
        await pick(pilot)
        await your_turn(pilot)
        await pilot.press("space")
        screen = await your_turn(pilot)
        assert screen.prompt is not None and screen.prompt.follow_up_index == 1
        await pilot.press("escape")  # leave: the session stays unfinished
        await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen) and bool(app.screen.rows))
        table = app.screen.query_one("#sessions", DataTable)
        assert "unfinished" in str(table.get_row_at(0)[2])
        await pilot.press("enter")
        screen = await your_turn(pilot)
        assert "Resumed" in conversation(screen) and WEAK_Q1 in conversation(screen)
        assert screen.prompt is not None and screen.prompt.follow_up_index == 1
        await answer_until_debrief(pilot)
    rows = SessionStore().summaries()
    assert len(rows) == 1 and rows[0].finished and rows[0].answered >= 3


async def test_recorder_error_is_a_notification_and_the_interview_continues(tmp_path: Path) -> None:
    answers = write_answers(tmp_path / "answers", {"1.txt": WEAK_Q1, "2.txt": GOOD_Q2})
    app = make_app(factory(answers, wrap_recorder=RaisingRecorder))
    async with app.run_test(size=(80, 24)) as pilot:
        await pick(pilot)
        await your_turn(pilot)
        await pilot.press("space")  # the recorder raises AudioError: Q1 is unavailable, Q2 comes next
        await wait_for(
            pilot, lambda: interview(app).phase == "your_turn" and interview(app).prompt.number == 2
        )  # type: ignore[union-attr]
        assert any("input device disappeared" in n.message for n in app._notifications)
        await answer_until_debrief(pilot)


async def test_coach_failure_falls_back_to_scripted_follow_up_with_notice(tmp_path: Path) -> None:
    answers = write_answers(
        tmp_path / "answers", {"1.txt": WEAK_Q1, "1-1.txt": FOLLOW_UP_1, "2.txt": GOOD_Q2}
    )
    app = make_app(factory(answers, coach=RaisingCoach()))
    async with app.run_test(size=(80, 24)) as pilot:
        await pick(pilot)
        await your_turn(pilot)
        await pilot.press("space")
        screen = await your_turn(pilot)
        assert screen.prompt is not None and screen.prompt.origin == "scripted"
        assert any("used the scripted follow-up" in n.message for n in app._notifications)


async def test_unexpected_worker_error_is_recoverable(tmp_path: Path) -> None:
    class Boom:
        label = "boom"

        def __init__(self, inner: Any) -> None:
            self.inner, self.calls = inner, 0

        def record(self, prompt: Any, dest: Path) -> Any:
            self.calls += 1
            if self.calls == 1:
                raise RuntimeError("driver bug")
            return self.inner.record(prompt, dest)

    answers = write_answers(tmp_path / "answers", {"1.txt": WEAK_Q1, "2.txt": GOOD_Q2})
    app = make_app(factory(answers, wrap_recorder=Boom))
    async with app.run_test(size=(80, 24)) as pilot:
        await pick(pilot)
        await your_turn(pilot)
        await pilot.press("space")
        screen = await your_turn(pilot)  # back on the same question, nothing lost
        assert screen.prompt is not None and screen.prompt.number == 1
        assert any("driver bug" in n.message for n in app._notifications)
        await pilot.press("space")  # try again: works
        await wait_for(
            pilot, lambda: interview(app).phase == "your_turn" and interview(app).prompt.follow_up_index == 1
        )  # type: ignore[union-attr]


async def test_barge_in_stops_speech_and_answers(tmp_path: Path) -> None:
    answers = write_answers(tmp_path / "answers", {"1.txt": WEAK_Q1, "2.txt": GOOD_Q2})
    player = RecordingPlayer(hold=True)
    app = make_app(factory(answers, player=player))
    async with app.run_test(size=(80, 24)) as pilot:
        await pick(pilot)
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, InterviewScreen)
                and app.screen.phase == "speaking"
                and len(player.played) == 1
            ),
        )
        await pilot.press("space")  # stops the intro, skips playing Q1, answers from 1.txt
        await wait_for(pilot, lambda: WEAK_Q1 in conversation(interview(app)))
        assert player.stops >= 1
        # Q1 was shown and saved but not played; the follow-up after the answer is played again
        assert not any(p.name == "define-success.question.wav" for p in player.played)
        player.hold = False
        player.stop()


async def test_real_whisper_answer(tmp_path: Path) -> None:
    """One answer is real speech (espeak-ng) transcribed by the real Whisper transcriber."""
    import subprocess

    from voicemock.backends.whisper import WhisperTranscriber

    if not shutil.which("espeak-ng"):
        pytest.skip("espeak-ng not installed")
    answers = tmp_path / "answers"
    answers.mkdir()
    subprocess.run(
        ["espeak-ng", "-w", str(answers / "1.wav"), "I would measure fraud loss and the approval rate."],
        check=True,
    )
    app = make_app(factory(answers, transcriber=WhisperTranscriber()))
    async with app.run_test(size=(80, 24)) as pilot:
        await pick(pilot)
        await your_turn(pilot)
        await pilot.press("space")
        await wait_for(
            pilot, lambda: "fraud" in conversation(interview(app)).split("You:")[-1].lower(), timeout=60
        )


async def test_settings_saved_to_config(tmp_path: Path, voicemock_home: Path) -> None:
    app = make_app(factory(None, typed=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
        await pilot.press("o")
        await pilot.pause()
        app.screen.query_one("#model", Input).value = "llama3.2"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
    assert 'model = "llama3.2"' in (voicemock_home / "config.toml").read_text()


async def test_picker_filter_and_small_terminal() -> None:
    app = make_app(factory(None, typed=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
        await pilot.press("slash", *"nothing-matches-this")
        await pilot.pause()
        await pilot.press("escape")


def test_readme_key_table_matches_the_bindings() -> None:
    """Every key the README's table names in backticks is bound on that screen (and the screens' own keys
    shown in their footers are in the table)."""
    import re

    from conftest import ROOT
    from voicemock.tui.settings import SettingsScreen

    screens = {
        "Picker": PickerScreen,
        "Interview": InterviewScreen,
        "Debrief": DebriefScreen,
        "History": HistoryScreen,
        "Settings": SettingsScreen,
    }
    names = {"Esc": "escape", "/": "slash"}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| (\w+) \| (.+) \|$", readme, re.MULTILINE))
    for title, screen in screens.items():
        bound = {key for b in screen.BINDINGS for key in b.key.split(",")}  # type: ignore[union-attr]
        said = {names.get(k, k) for k in re.findall(r"`([^`]+)`", rows[title])}
        assert said <= bound, (title, said - bound)
        shown = {b.key for b in screen.BINDINGS if b.show}  # type: ignore[union-attr]
        assert shown <= said | {"enter"}, (title, shown - said)
