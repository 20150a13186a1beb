"""The two long waits in the app, shown and escapable: a long answer's transcription (a percentage and the
time left) and the coach's debrief notes (seconds waited, and n skips them; the debrief says so)."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from textual.widgets import Static

from test_tui import interview, make_app, pick, wait_for, write_answers, your_turn
from tui_fakes import ToneSpeaker, factory
from voicemock.errors import CoachError
from voicemock.models import Transcript
from voicemock.protocols import CoachNote, FollowUp, FollowUpRequest, NotesRequest
from voicemock.scenario import Voice
from voicemock.store import SessionStore
from voicemock.tui.debrief_screen import DebriefScreen
from voicemock.tui.history import HistoryScreen
from voicemock.tui.interview_screen import InterviewScreen
from voicemock.tui.picker import PickerScreen


class SteppedTranscriber:
    """Stands in for Whisper on a long answer: reports half done, then waits until the test lets it finish."""

    name = "stepped"

    def __init__(self) -> None:
        self.release = threading.Event()

    def transcribe(self, audio_path: Path, on_progress: Callable[[float], None] | None = None) -> Transcript:
        assert on_progress is not None, "the app must ask for progress"
        on_progress(0.5)
        self.release.wait(10)
        on_progress(1.0)
        return Transcript("I would track fraud losses and the approval rate.", duration=1.0, source=self.name)


class SlowNotesCoach:
    """A remote coach that never moves on to a follow-up and whose notes never come until cancelled."""

    name = "llm:slow"

    def follow_up(self, request: FollowUpRequest) -> FollowUp | None:
        return None

    def notes(self, request: NotesRequest) -> list[CoachNote]:
        if request.cancel.wait(20):
            raise CoachError("skipped by the user")
        return []


def partial(app: object) -> str:
    return str(interview(app).query_one("#partial", Static).render())  # type: ignore[arg-type]


async def test_long_transcription_shows_percentage_and_time_left(tmp_path: Path) -> None:
    answers = write_answers(tmp_path / "answers", {"2.txt": "An A/B test with a holdout group."})
    ToneSpeaker().synthesize("a recorded answer", Voice(), answers / "1.wav")  # any real WAV will do
    stepped = SteppedTranscriber()
    app = make_app(factory(answers, transcriber=stepped))
    async with app.run_test(size=(80, 24)) as pilot:
        await pick(pilot)
        await your_turn(pilot)
        await pilot.press("space")
        await wait_for(pilot, lambda: "Transcribing your answer: 50%" in partial(app))
        assert "left)" in partial(app)  # an estimate from the pace so far
        first = interview(app).prompt
        stepped.release.set()
        screen = await your_turn(pilot)  # the interview goes on to the next prompt
        assert screen.prompt is not None and screen.prompt.id != (first.id if first else "")
        assert "Transcribing" not in partial(app)


async def test_notes_wait_is_shown_and_n_skips_it(tmp_path: Path) -> None:
    answers = write_answers(tmp_path / "answers", {"1.txt": "I would track fraud losses.", "2.txt": "An A/B test."})
    app = make_app(factory(answers, coach=SlowNotesCoach()))
    async with app.run_test(size=(80, 24)) as pilot:
        await pick(pilot)
        for _ in range(2):
            await your_turn(pilot)
            await pilot.press("space")
        await wait_for(pilot, lambda: isinstance(app.screen, DebriefScreen) or interview(app).phase == "notes")
        assert "Press n to skip them" in partial(app)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, DebriefScreen), timeout=15)  # < the 20 s notes wait
        notes = app.screen.report.notes  # type: ignore[attr-defined]
    assert any(n.startswith("No notes from the llm:slow coach: skipped after") and "you pressed n" in n for n in notes)


async def test_a_session_open_in_another_process_is_refused_in_the_app(tmp_path: Path) -> None:
    """Resuming from history a session that another voicemock is writing: refused, naming its pid."""
    answers = write_answers(tmp_path / "answers", {"1.txt": "I would track fraud losses."})
    store = SessionStore()
    session = store.create("fraud-success-metrics", title="Defining success for a fraud-detection model")
    session.unlock()  # this test process only made it; the holder below is "another voicemock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from voicemock.store import SessionDir;"
            f"SessionDir(Path({str(session.path)!r})).lock(); print('locked', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        app = make_app(factory(answers))
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
            await pilot.press("h")
            await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen) and bool(app.screen.rows))
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, InterviewScreen) and app.screen.phase == "error")
            caption = str(app.screen.query_one("#caption", Static).render())
            assert f"is open in another voicemock (pid {holder.pid})" in caption
    finally:
        holder.kill()
        holder.wait(10)
    events = (session.path / "journal.jsonl").read_text().splitlines()
    assert len(events) == 1  # the app wrote nothing into it
