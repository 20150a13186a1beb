"""The interview: the persona speaks, the candidate answers, the coach follows up; the UI never blocks.

Every blocking step (speaking, recording, transcribing, the coach's decision, retrying, the debrief) runs in a
thread worker (``InterviewWorkers``) that calls ``Rehearsal`` and posts a message; the handlers below are the
only code that touches widgets. The screen is a small state machine over ``phase``:

    starting -> speaking -> your_turn -> listening -> transcribing -> thinking -> speaking ... -> debrief

Space is context-sensitive: while the persona speaks it stops the speech (barge-in) and then starts the
answer; on your turn it starts the answer; while listening it finishes the answer. ``a`` asks the question
just answered again, as a new attempt; the debrief then shows the attempts side by side. A line under the
status row always says what the keys will do now (which answer file Space uses, for instance). Hands-free
(``audio.end_mode = "hands-free"``) the answer starts by itself after the persona speaks and ends by itself
when the candidate stops; ``w`` holds the turn during a thinking pause.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, RichLog, Static

from voicemock.models import Prompt, RecordedAnswer
from voicemock.protocols import PreparedAnswers
from voicemock.scenario import Scenario
from voicemock.session import shorten
from voicemock.tui.conversation import AnswerBox, hint, speaker
from voicemock.tui.dialogs import ConfirmScreen
from voicemock.tui.interview_workers import InterviewWorkers
from voicemock.tui.messages import (
    AnswerRecorded,
    AnswerTranscribed,
    DebriefReady,
    LevelMeasured,
    NoticeRaised,
    PartialTranscript,
    PhaseChanged,
    ProgressReported,
    QuestionSpeaking,
    QuestionSpoken,
    SessionStarted,
    TurnPaused,
    TurnResumed,
    TurnSettled,
)
from voicemock.tui.widgets import PHASE_LABELS, LevelMeter, PersonaCard, PhaseIndicator, TimeBudget

if TYPE_CHECKING:
    from voicemock.session import Rehearsal
    from voicemock.store import SessionDir

PHASE_LISTENING = PHASE_LABELS.get("listening", "listening")

class InterviewScreen(InterviewWorkers):
    """One rehearsal, begun from a scenario, resumed from an unfinished session, or reopened from a debrief
    to answer one question again (``retry``)."""

    AUTO_FOCUS = "#conversation"
    """Never the (hidden) typing box: space must reach the screen's binding."""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "answer", "Answer"),
        Binding("r", "repeat", "Repeat"),
        Binding("a", "retry", "Again"),
        Binding("s", "skip", "Skip"),
        Binding("t", "type_answer", "Type"),
        Binding("e", "end", "End"),
        Binding("w", "hold", "Wait, thinking", show=False),
        Binding("escape", "leave", "Leave"),
        Binding("n", "skip_notes", "Skip notes", show=False),
    ]

    def __init__(
        self, scenario: Scenario | None = None, *, resume: SessionDir | None = None, retry: int | None = None
    ) -> None:
        super().__init__()
        self.scenario = scenario
        self.resume_from = resume
        self.retry_number = retry
        self.rehearsal: Rehearsal | None = None
        self.prompt: Prompt | None = None
        self.phase = "starting"
        self.typed_only = False
        """The recorder reads stdin (typed mode, or no microphone): answers come from the box instead."""
        self.after_speech: str | None = None
        """What to do once the persona stops: "answer", "type", "skip", "retry" or "end" (barge-in)."""
        self.end_requested = False
        self.retry_requested = False
        """``a`` was pressed while an answer was being saved: retry once it is settled."""
        self.retried: int | None = retry
        """The question last tried again here: the debrief opens on it, with the attempts compared."""
        self._barged = threading.Event()
        self._finishing = False
        self._notes_since: float | None = None
        """When the wait for the coach's debrief notes began (None when not waiting)."""

    # -- layout -------------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield PersonaCard(self.scenario.persona if self.scenario else None, id="persona")
        yield Static(id="caption")
        with Horizontal(id="status-row"):
            yield PhaseIndicator(self.vm.clock, id="phase")
            yield TimeBudget(self.vm.clock, id="budget")
            yield LevelMeter(id="meter")
        yield Static(id="hint")
        yield Static(id="partial")
        yield RichLog(id="conversation", wrap=True, markup=False, min_width=20)
        with Vertical(id="typed-box"):
            yield Static(Text("Your answer: Enter sends it, Escape closes the box"), classes="box-label")
            yield AnswerBox(id="typed", soft_wrap=True, show_line_numbers=False, tab_behavior="focus")
        yield Static(id="model-status", classes="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#typed", AnswerBox).cursor_blink = self.vm.live
        self.query_one("#meter", LevelMeter).display = False
        self.query_one("#caption", Static).update(Text("Getting the interview ready..."))
        self.show_model_state(self.vm.model_state, self.vm.model_detail)
        if self.vm.live:
            self.set_interval(0.25, self._tick)
        self.set_phase("starting")
        self.start_session()

    def _tick(self) -> None:
        self.query_one("#phase", PhaseIndicator).tick()
        budget = self.query_one("#budget", TimeBudget)
        if budget.started is not None:
            budget.refresh_time()
        if self._notes_since is not None:
            self._show_notes_wait()

    def _show_notes_wait(self) -> None:
        waited = self.vm.clock() - self._notes_since if self._notes_since is not None else 0.0
        self.query_one("#partial", Static).update(
            Text(f"Asking the coach for debrief notes: {waited:.0f} s so far. Press n to skip them.")
        )

    def set_phase(self, phase: str) -> None:
        self.phase = phase
        self.query_one("#phase", PhaseIndicator).phase = phase
        budget = self.query_one("#budget", TimeBudget)
        timed = phase == "listening" or (phase == "your_turn" and self.typed_only)
        if timed and self.prompt is not None:
            if budget.started is None:
                budget.start(self.prompt.budget_seconds)
        elif budget.started is not None:
            budget.stop()
        if phase != "listening":
            self.query_one("#meter", LevelMeter).db = None
        self.show_hint()

    def show_hint(self) -> None:
        """Say what the keys do now (which answer file Space uses, what to press to type, and so on)."""
        self.query_one("#hint", Static).update(
            Text(hint(self.phase, self.prompt, self.rehearsal, self.typed_only))
        )

    def log_line(self, who: str, text: str, style: str = "") -> None:
        """Append to the conversation; ``text`` is literal (transcripts may contain brackets)."""
        line = Text()
        line.append(f"{who}: ", style="bold")
        line.append(text, style=style)
        self.query_one("#conversation", RichLog).write(line)

    def show_model_state(self, state: str, detail: str) -> None:
        status = self.query_one("#model-status", Static)
        if state == "loading":
            status.update(Text(f"{detail} (first run can take a few seconds; you can start answering)"))
        elif state == "failed":
            status.update(Text(detail))
        else:
            status.update("")
        status.set_class(state not in ("loading", "failed"), "empty")

    @property
    def persona_name(self) -> str:
        scenario = self.rehearsal.scenario if self.rehearsal else self.scenario
        return scenario.persona.name.split()[0] if scenario else "Interviewer"

    # -- workers are in InterviewWorkers (interview_workers.py) -------------------------------------------

    def recover(self, worker_name: str, error: BaseException) -> None:
        """After a failed worker: keep everything, and put the screen back where the user can act."""
        self._finishing = False
        if self.rehearsal is None:
            self.set_phase("error")
            self.query_one("#caption", Static).update(
                Text(f"Could not start: {error}\nPress Escape to go back.")
            )
            return
        self.after_speech = None
        self._notes_since = None
        self.set_phase("your_turn" if self.prompt is not None else "ended")
        from voicemock.diskspace import is_full

        if is_full(error):  # the one message that says what is saved and how to resume
            self.log_line("voicemock", str(self.rehearsal.disk_full(error)), style="italic")
            return
        self.log_line(
            "voicemock",
            f"{worker_name} failed; everything so far is saved. Space to try again, "
            "t to type, s to skip, e to end.",
            style="italic",
        )

    # -- messages from workers ----------------------------------------------------------------------------

    def on_session_started(self, message: SessionStarted) -> None:
        rehearsal = message.rehearsal
        self.rehearsal = rehearsal
        self.scenario = rehearsal.scenario
        self.prompt = message.prompt
        self.query_one("#meter", LevelMeter).display = rehearsal.live_input
        self.query_one("#budget", TimeBudget).display = not isinstance(
            rehearsal.backends.recorder, PreparedAnswers
        )
        self.query_one("#persona", PersonaCard).set_persona(rehearsal.scenario.persona, self._progress())
        if message.retry is not None and message.prompt is not None:
            self.log_line(
                "voicemock",
                f"Answering Q{message.retry} again (attempt {message.prompt.attempt}). Your earlier answers are "
                "kept; the debrief will put the attempts side by side.",
                style="italic",
            )
        elif message.resumed:
            for line in self._replayed(rehearsal):
                self.log_line(*line)
        if message.prompt is None:
            self._finish(early=False)
            return
        if rehearsal.has_recovery:
            self.log_line(speaker(message.prompt, self.persona_name), message.prompt.text)
            self.set_phase("transcribing")
            self.recover_answer()
            return
        opening = rehearsal.opening
        self.speak([opening, message.prompt] if opening is not None else [message.prompt])

    def _replayed(self, rehearsal: Rehearsal) -> list[tuple[str, str, str]]:
        lines: list[tuple[str, str, str]] = [("voicemock", "Resumed: the conversation so far.", "italic")]
        for turn in rehearsal.interview.turns:
            lines.append((speaker(turn.prompt, self.persona_name), turn.prompt.text, ""))
            answer = turn.transcript.text if turn.transcript else f"({turn.status})"
            lines.append(("You", answer, ""))
        return lines

    def _progress(self) -> str:
        if self.rehearsal is None or self.prompt is None:
            return ""
        total = len(self.rehearsal.scenario.questions)
        extra = f", follow-up {self.prompt.follow_up_index}" if self.prompt.follow_up_index else ""
        again = f", attempt {self.prompt.attempt}" if self.prompt.attempt > 1 else ""
        return f"Q{self.prompt.number} of {total}{again}{extra}"

    def on_question_speaking(self, message: QuestionSpeaking) -> None:
        self.set_phase("speaking")
        self.query_one("#caption", Static).update(Text(message.prompt.text))
        self.query_one("#partial", Static).update("")
        self.log_line(speaker(message.prompt, self.persona_name, message.again), message.prompt.text)
        assert self.rehearsal is not None
        self.query_one("#persona", PersonaCard).set_persona(self.rehearsal.scenario.persona, self._progress())

    def on_question_spoken(self, message: QuestionSpoken) -> None:
        if self._finishing:
            return
        self.set_phase("your_turn")
        if self.prompt is not None:
            self.query_one("#budget", TimeBudget).show_budget(self.prompt.budget_seconds)
        todo, self.after_speech = self.after_speech, None
        conversation = self.rehearsal is not None and (self.rehearsal.hands_free or self.rehearsal.barged_in)
        if todo is None and conversation and not self.typed_only and not self.end_requested:
            todo = "answer"  # a conversation: the answer starts when the persona stops (or is interrupted)
        if todo == "answer":
            self.action_answer()
        elif todo == "type":
            self.action_type_answer()
        elif todo == "skip":
            self.action_skip()
        elif todo == "retry":
            self.action_retry()
        elif todo == "end" or self.end_requested:
            self._finish(early=True)

    def on_phase_changed(self, message: PhaseChanged) -> None:
        if message.phase in ("listening", "transcribing", "thinking", "debrief", "notes"):
            self.set_phase(message.phase)
        if message.phase == "notes":
            self._notes_since = self.vm.clock()
            self._show_notes_wait()
        elif self._notes_since is not None:
            self._notes_since = None
            self.query_one("#partial", Static).update("")

    def on_progress_reported(self, message: ProgressReported) -> None:
        if message.what != "transcribing" or self.phase != "transcribing":
            return
        left = ""
        if message.eta is not None and message.fraction < 1:
            s = round(message.eta)
            left = f" (about {s // 60} min {s % 60:02d} s left)" if s >= 60 else f" (about {s} s left)"
        self.query_one("#partial", Static).update(
            Text(f"Transcribing your answer: {message.fraction * 100:.0f}%{left}")
        )

    def on_notice_raised(self, message: NoticeRaised) -> None:
        self.notify(message.text, severity=message.severity, timeout=8, markup=False)  # type: ignore[arg-type]
        if self.is_mounted:
            self.log_line("voicemock", message.text, style="italic")

    def on_level_measured(self, message: LevelMeasured) -> None:
        if self.phase == "listening":
            self.query_one("#meter", LevelMeter).db = message.db

    def on_partial_transcript(self, message: PartialTranscript) -> None:
        self.query_one("#partial", Static).update(Text(message.text))

    def on_turn_paused(self, message: TurnPaused) -> None:
        if self.phase == "listening" and self.rehearsal is not None and self.rehearsal.hands_free:
            hint = "thinking? take your time (w: hold)" if message.thinking else "pause (w: hold, keep talking)"
            self.query_one("#phase", PhaseIndicator).update(Text(f"listening · {hint}"))

    def on_turn_resumed(self, message: TurnResumed) -> None:
        if self.phase == "listening":
            self.query_one("#phase", PhaseIndicator).phase = "listening"
            self.query_one("#phase", PhaseIndicator).update(Text(PHASE_LISTENING))

    def on_answer_recorded(self, message: AnswerRecorded) -> None:
        self.query_one("#partial", Static).update(Text(f"Answer saved ({message.source})."))

    def on_answer_transcribed(self, message: AnswerTranscribed) -> None:
        self.query_one("#partial", Static).update("")
        if message.text is not None:
            self.log_line("You", message.text)
        elif message.status == "no_speech":
            self.log_line("You", "(no speech heard)", style="italic")
        else:
            self.log_line("You", "(no answer)", style="italic")

    def on_turn_settled(self, message: TurnSettled) -> None:
        self.prompt = message.prompt
        target = self.rehearsal.interview.retry_target() if self.rehearsal else None
        if self.retry_requested and target is not None and not self.end_requested:
            self.retry_requested = False
            self._start_retry(target)
        elif message.prompt is None:
            self._finish(early=False)
        elif self.end_requested:
            self._finish(early=True)
        else:
            self.speak([message.prompt])

    def on_debrief_ready(self, message: DebriefReady) -> None:
        from voicemock.store import SessionDir

        self.vm.show_debrief(SessionDir(message.directory), message.report, question=self.retried)

    # -- actions ------------------------------------------------------------------------------------------

    def _finish(self, early: bool) -> None:
        if self._finishing or self.rehearsal is None:
            return
        self._finishing = True
        self.set_phase("debrief")
        self.finish(early)

    def _barge_in(self, then: str) -> None:
        """Stop the persona mid-sentence; ``then`` runs when the speech worker returns."""
        assert self.rehearsal is not None
        self.after_speech = then
        self._barged.set()
        self.rehearsal.stop_speaking()

    def action_answer(self) -> None:
        if self.phase == "speaking":
            self._barge_in("answer")
        elif self.phase == "your_turn" and self.prompt is not None:
            if self.typed_only:
                self.action_type_answer()
                return
            self.set_phase("listening")
            self.answer(self.prompt)
        elif self.phase == "listening" and self.rehearsal is not None:
            self.rehearsal.finish_answer()

    def action_hold(self) -> None:
        """Hands-free: hold the turn while thinking (the pause does not end the answer)."""
        if self.phase == "listening" and self.rehearsal is not None and self.rehearsal.hands_free:
            self.rehearsal.hold_turn()
            self.query_one("#phase", PhaseIndicator).update(Text("listening · holding: take your time"))

    def action_skip_notes(self) -> None:
        """n while the coach's notes are awaited: write the debrief without them (it says so)."""
        if self.phase == "notes" and self.rehearsal is not None:
            self.rehearsal.skip_notes("you pressed n")
            self.query_one("#partial", Static).update(Text("Skipping the coach's notes..."))

    def action_repeat(self) -> None:
        if self.phase == "your_turn" and self.prompt is not None:
            self.speak([self.prompt], again=True)

    def action_retry(self) -> None:
        """Ask the question just answered again, as a new attempt (the earlier one is kept)."""
        if self.rehearsal is None or self._finishing:
            return
        if self.phase == "listening":
            self.notify("Finish this answer first (space), then press a to answer again.", markup=False)
            return
        if self.phase in ("transcribing", "thinking"):
            # An answer is being saved or judged: ask the question again as soon as it is settled.
            self.retry_requested = True
            self.notify("Saving your answer first; then the question is asked again.", markup=False)
            return
        target = self.rehearsal.interview.retry_target()
        if target is None:
            self.notify("Nothing answered yet to try again: answer this question first.", markup=False)
        elif self.phase == "speaking":
            self._barge_in("retry")
        elif self.phase == "your_turn":
            self._start_retry(target)

    def _start_retry(self, target: int) -> None:
        self.retried = target
        self._close_typing()
        self.set_phase("thinking")
        self.log_line("voicemock", f"Trying Q{target} again; your earlier answer is kept.", style="italic")
        self.retry(target)

    def action_skip(self) -> None:
        if self.phase == "speaking":
            self._barge_in("skip")
        elif self.phase == "your_turn" and self.prompt is not None:
            self._close_typing()
            self.log_line("You", "(skipped)", style="italic")
            self.set_phase("thinking")
            self.skip()

    def action_type_answer(self) -> None:
        if self.phase == "speaking":
            self._barge_in("type")
            return
        if self.phase != "your_turn":
            return
        self.query_one("#typed-box").add_class("open")
        self.query_one("#typed", AnswerBox).focus()

    @on(AnswerBox.Submitted, "#typed")
    def _typed(self, event: AnswerBox.Submitted) -> None:
        text = event.text.strip()
        if not text or self.prompt is None or self.phase != "your_turn":
            return
        event.box.clear()
        self._close_typing()
        self.set_phase("thinking")
        self.answer(self.prompt, RecordedAnswer(source="typed", text=text))

    def _close_typing(self) -> None:
        self.query_one("#typed-box").remove_class("open")
        self.query_one("#conversation", RichLog).focus()

    def action_end(self) -> None:
        """Ask first: ending cannot be undone (the debrief then covers what was answered)."""
        if self.rehearsal is None or self._finishing:
            return
        answered = sum(1 for t in self.rehearsal.interview.turns if t.answered)
        retrying = self.rehearsal.interview.after_retry is not None
        question = "Stop trying this question again?" if retrying else "End the interview now?"
        if retrying:
            detail = "What you have answered in this attempt is kept and compared with the earlier ones."
        elif answered:
            detail = f"Your {answered} answer{'s' if answered > 1 else ''} so far are kept; the debrief covers them."
        else:
            detail = "Nothing is answered yet, so the debrief will have nothing to score."

        def decided(yes: bool | None) -> None:
            if yes:
                self._end_now()

        self.app.push_screen(ConfirmScreen(question, detail, "End", "Keep going"), decided)

    def _end_now(self) -> None:
        if self.rehearsal is None or self._finishing:
            return
        if self.phase == "speaking":
            self._barge_in("end")
        elif self.phase in ("your_turn", "ended", "error"):
            self._close_typing()
            self._finish(early=True)
        else:
            # An answer is in flight: keep it, then end (it is transcribed and settled first).
            self.end_requested = True
            if self.phase == "listening":
                self.rehearsal.finish_answer()
            self.notify("Ending after this answer is saved.")

    def action_leave(self) -> None:
        """Escape: close the typing box, or leave the interview (it stays resumable from history)."""
        if self.query_one("#typed-box").has_class("open"):
            self._close_typing()
            return
        if self.rehearsal is not None and not self._finishing:
            self.rehearsal.stop_speaking()
            if self.phase == "listening":
                self.rehearsal.cancel_answer()
            self.notify(
                f"Saved; resume it from history (h). {shorten(self.rehearsal.scenario.title, 40)}",
                markup=False,
            )
        self.vm.back()
