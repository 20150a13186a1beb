"""The rehearsal loop in the app: answer a question again (in the interview and from the debrief), read the
attempts side by side, and hear exactly the sentence behind a quote (real Whisper word timings)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import speak_to_wav
from tui_fakes import RecordingPlayer, factory
from tui_pilot import (
    FOLLOW_UP_1,
    STRONG_Q1,
    WEAK_Q1,
    active_tab,
    conversation,
    make_app,
    make_session,
    pick,
    screen_text,
    wait_for,
    your_turn,
)
from voicemock import audio
from voicemock.store import SessionDir
from voicemock.tui.debrief_screen import PLAY, DebriefScreen
from voicemock.tui.interview_screen import AnswerBox, InterviewScreen


async def type_answer(pilot: object, screen: InterviewScreen, text: str) -> None:
    await pilot.press("t")  # type: ignore[attr-defined]
    screen.query_one("#typed", AnswerBox).text = text
    await pilot.press("enter")  # type: ignore[attr-defined]


def journal(session: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (session / "journal.jsonl").read_text().splitlines()]


async def test_retry_in_the_interview_then_the_debrief_compares() -> None:
    app = make_app(factory(None, typed=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await pick(pilot)
        screen = await your_turn(pilot)
        assert "a: Q" not in str(screen.query_one("#hint").render())  # nothing answered yet
        await type_answer(pilot, screen, WEAK_Q1)
        screen = await your_turn(pilot)  # the follow-up
        assert "a: Q1 again" in str(screen.query_one("#hint").render())
        await pilot.press("a")
        screen = await your_turn(pilot)
        assert screen.prompt is not None and screen.prompt.attempt == 2 and screen.prompt.follow_up_index == 0
        assert "Priya (Q1 again, attempt 2):" in conversation(screen)
        await type_answer(pilot, screen, STRONG_Q1)
        await your_turn(pilot)
        await pilot.press("e", "y")
        await wait_for(pilot, lambda: isinstance(app.screen, DebriefScreen))
        debrief = app.screen
        assert isinstance(debrief, DebriefScreen)
        await pilot.pause(0.2)
        # the debrief opens on the question tried again, attempts side by side
        text = "\n".join(screen_text(app))
        assert "Side by side" in text and "Attempt 1" in text and "Attempt 2" in text
        assert "What changed: now" in text
        events = journal(debrief.directory)
        retry = next(e for e in events if e["event"] == "retry")
        assert retry["attempt"] == 2 and retry["after"] is None
        prompts = [e["prompt"]["id"] for e in events if e["event"] == "prompt"]  # type: ignore[index]
        assert prompts[:3] == ["define-success", "define-success.f1", "define-success.a2"]


async def test_retry_from_the_debrief_comes_back_compared(tmp_path: Path) -> None:
    session = make_session(tmp_path, {"1.txt": WEAK_Q1, "2.txt": "We would A/B test it."}, speech=False)
    app = make_app(factory(None, typed=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.screen is not None)
        app.show_debrief(SessionDir(session))
        await wait_for(pilot, lambda: isinstance(app.screen, DebriefScreen))
        await wait_for(pilot, lambda: active_tab(app.screen) == "summary")
        await pilot.press("right")  # the Q1 tab
        await pilot.press("a")
        screen = await your_turn(pilot)
        assert screen.prompt is not None and screen.prompt.number == 1 and screen.prompt.attempt == 2
        assert "Answering Q1 again (attempt 2)" in conversation(screen)
        await type_answer(pilot, screen, FOLLOW_UP_1)
        screen = await your_turn(pilot)  # a follow-up of the new attempt
        assert screen.prompt is not None and screen.prompt.attempt == 2 and screen.prompt.follow_up_index == 1
        await pilot.press("s")  # skip it: the retry is over, the interview ends as it had (completed)
        await wait_for(pilot, lambda: isinstance(app.screen, DebriefScreen))
        await pilot.pause(0.2)
        debrief = app.screen
        assert isinstance(debrief, DebriefScreen)
        assert debrief.report.ended == "completed" and len(debrief.report.questions[0].attempts) == 2
        assert "What changed: now" in "\n".join(screen_text(app))
        assert SessionDir(session).state().finished
        # Esc goes back to where the debrief was opened from, not to a stale interview
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, (DebriefScreen, InterviewScreen)))


async def test_p_on_a_quote_plays_exactly_that_sentence(tmp_path: Path, transcriber: object) -> None:
    spoken = speak_to_wav(STRONG_Q1, tmp_path / "spoken" / "1.wav")
    session = make_session(tmp_path, {"1.wav": f"@{spoken}", "2.txt": "We would A/B test it."})
    player = RecordingPlayer()
    app = make_app(factory(None, typed=True, player=player))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.screen is not None)
        app.show_debrief(SessionDir(session))
        await wait_for(pilot, lambda: isinstance(app.screen, DebriefScreen))
        debrief = app.screen
        assert isinstance(debrief, DebriefScreen)
        await wait_for(pilot, lambda: active_tab(debrief) == "summary")
        await pilot.press("right")  # the Q1 tab
        await wait_for(pilot, lambda: active_tab(debrief) == "q1")
        for _ in range(40):
            line = debrief.selected()
            if line is not None and line.kind == "quote" and line.clip is not None:
                break
            await pilot.press("down")
        else:
            pytest.fail("no playable quote in Q1")
        assert line.text.startswith("\u201c") and PLAY
        await pilot.press("p")
        await wait_for(pilot, lambda: len(player.heard) == 1, timeout=30)
        clip = line.clip
        assert clip.start is not None and clip.end is not None and clip.end > clip.start
        whole, rate = audio.read_wav(session / clip.path)
        first = max(0, int((clip.start - audio.CLIP_PAD_SECONDS) * rate))
        last = min(len(whole), int((clip.end + audio.CLIP_PAD_SECONDS) * rate))
        heard = player.heard[0]
        # exactly that stretch of the answer's own recording, to the sample (16-bit rounding aside)
        assert len(heard) == last - first
        assert np.allclose(heard, whole[first:last], atol=1 / 32768)
        assert len(heard) < 0.8 * len(whole)  # one sentence, not the whole answer
