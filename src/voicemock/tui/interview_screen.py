"""The interview: the persona speaks, the candidate answers, the coach follows up; the UI never blocks.

Every blocking step (speaking, recording, transcribing, the coach's decision, the debrief) runs in a thread
worker that calls ``Rehearsal`` and posts a message; the handlers below are the only code that touches
widgets. The screen is a small state machine over ``phase``:

    starting -> speaking -> your_turn -> listening -> transcribing -> thinking -> speaking ... -> debrief

Space is context-sensitive: while the persona speaks it stops the speech (barge-in) and then starts the
answer; on your turn it starts the answer; while listening it finishes the answer.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Input, RichLog, Static

from voicemock.models import Prompt, PromptKind, RecordedAnswer
from voicemock.scenario import Scenario
from voicemock.tui.messages import (
    AnswerRecorded,
    AnswerTranscribed,
    DebriefReady,
    LevelMeasured,
    NoticeRaised,
    PartialTranscript,
    PhaseChanged,
    QuestionSpeaking,
    QuestionSpoken,
    SessionStarted,
    TurnSettled,
)
from voicemock.tui.widgets import BaseScreen, LevelMeter, PersonaCard, PhaseIndicator, TimeBudget

if TYPE_CHECKING:
    from voicemock.session import Event, Rehearsal
    from voicemock.store import SessionDir

#: Phases in which a worker owns the rehearsal: user actions are queued, not run concurrently.
BUSY = {"starting", "listening", "transcribing", "thinking", "debrief"}


class InterviewScreen(BaseScreen):
    """One rehearsal, begun from a scenario or resumed from an unfinished session."""

    AUTO_FOCUS = "#conversation"
    """Never the (hidden) typing box: space must reach the screen's binding."""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "answer", "Answer/done"),
        Binding("r", "repeat", "Repeat"),
        Binding("s", "skip", "Skip"),
        Binding("t", "type_answer", "Type"),
        Binding("e", "end", "End"),
        Binding("escape", "leave", "Leave", show=False),
    ]

    def __init__(self, scenario: Scenario | None = None, *, resume: SessionDir | None = None) -> None:
        super().__init__()
        self.scenario = scenario
        self.resume_from = resume
        self.rehearsal: Rehearsal | None = None
        self.prompt: Prompt | None = None
        self.phase = "starting"
        self.typed_only = False
        """The recorder reads stdin (typed mode, or no microphone): answers come from the Input instead."""
        self.after_speech: str | None = None
        """What to do once the persona stops: "answer", "type", "skip" or "end" (barge-in and friends)."""
        self.end_requested = False
        self._barged = threading.Event()
        self._finishing = False

    # -- layout -------------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield PersonaCard(self.scenario.persona if self.scenario else None, id="persona")
        yield Static(id="caption")
        with Horizontal(id="status-row"):
            yield PhaseIndicator(id="phase")
            yield TimeBudget(self.vm.clock, id="budget")
            yield LevelMeter(id="meter")
        yield Static(id="partial")
        yield RichLog(id="conversation", wrap=True, markup=False, min_width=20)
        with Vertical(id="typed-box"):
            yield Input(placeholder="Type your answer, Enter to send, Escape to cancel", id="typed")
        yield Static(id="model-status", classes="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#typed", Input).cursor_blink = self.vm.live
        self.query_one("#caption", Static).update(Text("Getting the interview ready..."))
        self.show_model_state(self.vm.model_state, self.vm.model_detail)
        if self.vm.live:
            self.set_interval(0.25, self._tick)
        self.set_phase("starting")
        self.start_session()

    def _tick(self) -> None:
        if self.phase == "listening":
            self.query_one("#budget", TimeBudget).refresh_time()

    def set_phase(self, phase: str) -> None:
        self.phase = phase
        self.query_one("#phase", PhaseIndicator).phase = phase
        budget = self.query_one("#budget", TimeBudget)
        if phase == "listening" and self.prompt is not None:
            budget.start(self.prompt.budget_seconds)
        elif budget.started is not None:
            budget.stop()
        if phase != "listening":
            self.query_one("#meter", LevelMeter).db = None

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

    # -- workers (thread: they call Rehearsal and post messages, never touch widgets) ---------------------

    def listener(self, event: Event) -> None:
        """Rehearsal's callback, called from worker threads: forward as messages."""
        if event.kind == "phase":
            self.post_message(PhaseChanged(event.text, (event.data or {}).get("detail", "")))
        elif event.kind == "notice":
            self.post_message(NoticeRaised(event.text))

    @work(thread=True, exclusive=True, group="session", exit_on_error=False, name="Starting the interview")
    def start_session(self) -> None:
        from voicemock.session import Rehearsal

        backends = self.vm.wait_backends()
        recorder = backends.recorder
        if hasattr(recorder, "on_level"):
            recorder.on_level = lambda db: self.post_message(LevelMeasured(db))
        if hasattr(recorder, "on_partial"):
            recorder.on_partial = lambda text: self.post_message(PartialTranscript(text))
        if hasattr(recorder, "on_silent_input"):
            recorder.on_silent_input = lambda seconds: self.post_message(
                NoticeRaised(
                    f"Your microphone has picked up nothing for {seconds:.0f} s: is it muted, or the wrong input?"
                )
            )
        from voicemock.backends.answer_files import AnswerFilesRecorder
        from voicemock.backends.typed import TypedRecorder

        self.typed_only = isinstance(recorder, TypedRecorder)
        reask = not isinstance(recorder, AnswerFilesRecorder)
        if self.resume_from is not None:
            rehearsal = Rehearsal.resume(
                self.resume_from, self.vm.scenarios, backends, self.listener, reask_on_silence=reask
            )
        else:
            assert self.scenario is not None
            from voicemock.tui.tailor_screen import tailor_for_session

            scenario, tailoring = tailor_for_session(
                self.scenario, self.vm.settings, lambda text: self.post_message(NoticeRaised(text))
            )
            rehearsal = Rehearsal.begin(
                scenario, backends, self.vm.store, self.listener, reask_on_silence=reask, tailoring=tailoring
            )
        prompt = rehearsal.current  # journals the first prompt (disk I/O: here, not on the event loop)
        self.post_message(SessionStarted(rehearsal, prompt, resumed=self.resume_from is not None))

    @work(thread=True, exclusive=True, group="speech", exit_on_error=False, name="Speaking")
    def speak(self, prompts: list[Prompt], kinds: list[str]) -> None:
        """Say each prompt in turn; after a barge-in the rest are shown (and saved) but not played."""
        rehearsal = self.rehearsal
        assert rehearsal is not None
        self._barged.clear()
        for prompt, kind in zip(prompts, kinds, strict=True):
            self.post_message(QuestionSpeaking(prompt.text, kind, prompt.origin))
            if self._barged.is_set():
                rehearsal.render(prompt)
            else:
                rehearsal.speak(prompt)
        self.post_message(QuestionSpoken(prompts[-1].id))

    @work(thread=True, exclusive=True, group="answer", exit_on_error=False, name="Answering")
    def answer(self, prompt: Prompt, recorded: RecordedAnswer | None = None) -> None:
        """Capture (or take the typed text), transcribe, then let the engine and coach decide what is next."""
        rehearsal = self.rehearsal
        assert rehearsal is not None
        rec = rehearsal.capture(prompt, recorded)
        if rec is None:
            from voicemock.backends.typed import TypedRecorder

            # a failed microphone is replaced by typed answers (Rehearsal.capture): space then opens the box
            self.typed_only = isinstance(rehearsal.backends.recorder, TypedRecorder)
            self.post_message(AnswerTranscribed(None, "unavailable"))
            self.post_message(TurnSettled(rehearsal.current))
            return
        self.post_message(AnswerRecorded(rec.source, rec.ended_by))
        outcome = rehearsal.transcribe(prompt, rec)
        text = outcome.transcript.text if outcome.transcript else None
        self.post_message(AnswerTranscribed(text, outcome.status, rec.source))
        self.post_message(TurnSettled(rehearsal.settle(prompt, rec, outcome)))

    @work(thread=True, exclusive=True, group="answer", exit_on_error=False, name="Skipping")
    def skip(self) -> None:
        assert self.rehearsal is not None
        self.post_message(TurnSettled(self.rehearsal.skip()))

    @work(thread=True, exclusive=True, group="answer", exit_on_error=False, name="Writing the debrief")
    def finish(self, early: bool) -> None:
        """End (early, or say the outro when completed), then build and save the debrief."""
        rehearsal = self.rehearsal
        assert rehearsal is not None
        if early and not rehearsal.interview.finished:
            rehearsal.end()
        elif rehearsal.interview.ended == "completed" and rehearsal.scenario.outro:
            last = rehearsal.interview.turns[-1].prompt if rehearsal.interview.turns else None
            outro = Prompt(
                "outro", "outro", last.kind if last else PromptKind.QUESTION, rehearsal.scenario.outro, 0, 0
            )
            self.post_message(QuestionSpeaking(outro.text, "outro"))
            rehearsal.speak(outro)
        report = rehearsal.finish()
        self.post_message(DebriefReady(report.to_dict(), rehearsal.session.path))

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
        self.set_phase("your_turn" if self.prompt is not None else "ended")
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
        self.query_one("#persona", PersonaCard).set_persona(rehearsal.scenario.persona, self._progress())
        for line in self._replayed(rehearsal) if message.resumed else []:
            self.log_line(*line)
        if message.prompt is None:
            self._finish(early=False)
            return
        if message.resumed:
            self.speak([message.prompt], [str(message.prompt.kind)])
        else:
            intro = Prompt("intro", "intro", message.prompt.kind, rehearsal.scenario.intro, 0, 0)
            self.speak([intro, message.prompt], ["intro", str(message.prompt.kind)])

    def _replayed(self, rehearsal: Rehearsal) -> list[tuple[str, str, str]]:
        name = rehearsal.scenario.persona.name.split()[0]
        lines: list[tuple[str, str, str]] = [("voicemock", "Resumed: the conversation so far.", "italic")]
        for turn in rehearsal.interview.turns:
            lines.append((name, turn.prompt.text, ""))
            answer = turn.transcript.text if turn.transcript else f"({turn.status})"
            lines.append(("You", answer, ""))
        return lines

    def _progress(self) -> str:
        if self.rehearsal is None or self.prompt is None:
            return ""
        total = len(self.rehearsal.scenario.questions)
        extra = f", follow-up {self.prompt.follow_up_index}" if self.prompt.follow_up_index else ""
        return f"Q{self.prompt.number} of {total}{extra}"

    def on_question_speaking(self, message: QuestionSpeaking) -> None:
        self.set_phase("speaking")
        self.query_one("#caption", Static).update(Text(message.text))
        self.query_one("#partial", Static).update("")
        assert self.rehearsal is not None
        who = self.rehearsal.scenario.persona.name.split()[0]
        if message.kind == str(PromptKind.FOLLOW_UP):
            who += f" (follow-up, {message.origin})"
        self.log_line(who, message.text)
        self.query_one("#persona", PersonaCard).set_persona(self.rehearsal.scenario.persona, self._progress())

    def on_question_spoken(self, message: QuestionSpoken) -> None:
        if self._finishing:
            return
        self.set_phase("your_turn")
        if self.prompt is not None:
            self.query_one("#budget", TimeBudget).show_budget(self.prompt.budget_seconds)
        todo, self.after_speech = self.after_speech, None
        if todo == "answer":
            self.action_answer()
        elif todo == "type":
            self.action_type_answer()
        elif todo == "skip":
            self.action_skip()
        elif todo == "end" or self.end_requested:
            self._finish(early=True)

    def on_phase_changed(self, message: PhaseChanged) -> None:
        if message.phase in ("listening", "transcribing", "thinking", "debrief"):
            self.set_phase(message.phase)

    def on_notice_raised(self, message: NoticeRaised) -> None:
        self.notify(message.text, severity=message.severity, timeout=8, markup=False)  # type: ignore[arg-type]
        if self.is_mounted:
            self.log_line("voicemock", message.text, style="italic")

    def on_level_measured(self, message: LevelMeasured) -> None:
        if self.phase == "listening":
            self.query_one("#meter", LevelMeter).db = message.db

    def on_partial_transcript(self, message: PartialTranscript) -> None:
        self.query_one("#partial", Static).update(Text(message.text))

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
        if message.prompt is None:
            self._finish(early=False)
        elif self.end_requested:
            self._finish(early=True)
        else:
            self.speak([message.prompt], [str(message.prompt.kind)])

    def on_debrief_ready(self, message: DebriefReady) -> None:
        from voicemock.tui.debrief_screen import DebriefScreen

        self.app.switch_screen(DebriefScreen(message.report, message.directory, fresh=True))

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
            finish = getattr(self.rehearsal.backends.recorder, "finish", None)
            if finish is not None:
                finish()

    def action_repeat(self) -> None:
        if self.phase == "your_turn" and self.prompt is not None:
            self.speak([self.prompt], ["repeat"])

    def action_skip(self) -> None:
        if self.phase == "speaking":
            self._barge_in("skip")
        elif self.phase == "your_turn" and self.prompt is not None:
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
        self.query_one("#typed", Input).focus()

    @on(Input.Submitted, "#typed")
    def _typed(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        self._close_typing()
        if not text or self.prompt is None or self.phase != "your_turn":
            return
        event.input.value = ""
        self.set_phase("thinking")
        self.answer(self.prompt, RecordedAnswer(source="typed", text=text))

    def _close_typing(self) -> None:
        self.query_one("#typed-box").remove_class("open")
        self.query_one("#conversation", RichLog).focus()

    def action_end(self) -> None:
        if self.rehearsal is None or self._finishing:
            return
        if self.phase == "speaking":
            self._barge_in("end")
        elif self.phase in ("your_turn", "ended", "error"):
            self._finish(early=True)
        else:
            # An answer is in flight: keep it, then end (it is transcribed and settled first).
            self.end_requested = True
            if self.phase == "listening":
                finish = getattr(self.rehearsal.backends.recorder, "finish", None)
                if finish is not None:
                    finish()
            self.notify("Ending after this answer is saved.")

    def action_leave(self) -> None:
        """Escape: close the typing box, or leave the interview (it stays resumable from history)."""
        if self.query_one("#typed-box").has_class("open"):
            self._close_typing()
            return
        if self.rehearsal is not None and not self._finishing:
            self.rehearsal.stop_speaking()
            cancel: Any = getattr(self.rehearsal.backends.recorder, "cancel", None)
            if cancel is not None and self.phase == "listening":
                cancel()
            self.notify("Interview saved; resume it from history (h).", markup=False)
        self.app.pop_screen()
