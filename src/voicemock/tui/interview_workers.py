"""The interview's thread workers: each calls ``Rehearsal`` (which blocks: speech, recording, Whisper, the
coach, the journal) and posts a message. They never touch widgets; ``InterviewScreen``'s handlers do.

Kept apart from the screen so each stays small: the screen owns what is shown and the keys, this mixin owns
what runs in the background.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from textual import work
from textual.message import Message

from voicemock.models import Prompt, RecordedAnswer
from voicemock.protocols import LiveHooks, PreparedAnswers
from voicemock.scenario import Scenario
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
from voicemock.tui.widgets import BaseScreen

if TYPE_CHECKING:
    from voicemock.session import Event, Rehearsal
    from voicemock.store import SessionDir


class InterviewWorkers(BaseScreen):
    """The blocking steps of an interview, run in thread workers (see the module docstring)."""

    scenario: Scenario | None
    resume_from: SessionDir | None
    retry_number: int | None
    rehearsal: Rehearsal | None
    typed_only: bool
    _barged: threading.Event

    def listener(self, event: Event) -> None:
        """Rehearsal's callback, called from worker threads: forward as messages."""
        if event.kind == "phase":
            self.post_message(PhaseChanged(event.text, (event.data or {}).get("detail", "")))
        elif event.kind == "notice":
            self.post_message(NoticeRaised(event.text))
        elif event.kind == "progress":
            data = event.data or {}
            self.post_message(ProgressReported(event.text, float(data.get("fraction", 0.0)), data.get("eta")))

    def _tell(self, message: Message) -> None:
        """Post from a worker or recorder thread (thread-safe)."""
        self.post_message(message)

    @work(thread=True, exclusive=True, group="session", exit_on_error=False, name="Starting the interview")
    def start_session(self) -> None:
        from voicemock.session import Rehearsal

        backends = self.vm.wait_backends()
        recorder = backends.recorder
        hooks = LiveHooks(
            on_level=lambda db: self._tell(LevelMeasured(db)),
            on_partial=lambda text: self._tell(PartialTranscript(text)),
            on_silent_input=lambda seconds: self._tell(
                NoticeRaised(
                    f"Your microphone has picked up nothing for {seconds:.0f} s: is it muted, or the wrong input?"
                )
            ),
            on_pause=lambda pause: self._tell(TurnPaused(not pause.complete)),
            on_resume=lambda pause: self._tell(TurnResumed()),
        )
        from voicemock.backends.typed import TypedRecorder

        self.typed_only = isinstance(recorder, TypedRecorder)
        reask = not isinstance(recorder, PreparedAnswers)
        if self.resume_from is not None:
            rehearsal = Rehearsal.resume(
                self.resume_from,
                self.vm.scenarios,
                backends,
                self.listener,
                reask_on_silence=reask,
                reopen=self.retry_number is not None,
            )
            if self.retry_number is not None:
                rehearsal.retry(self.retry_number)
        else:
            assert self.scenario is not None
            from voicemock.tui.tailoring_support import tailor_for_session

            scenario, tailoring = tailor_for_session(
                self.scenario, self.vm.settings, lambda text: self.post_message(NoticeRaised(text))
            )
            rehearsal = Rehearsal.begin(
                scenario, backends, self.vm.store, self.listener, reask_on_silence=reask, tailoring=tailoring
            )
        rehearsal.hooks = hooks
        prompt = rehearsal.current  # journals the first prompt (disk I/O: here, not on the event loop)
        self.post_message(
            SessionStarted(rehearsal, prompt, resumed=self.resume_from is not None, retry=self.retry_number)
        )

    @work(thread=True, exclusive=True, group="answer", exit_on_error=False, name="Recovering your answer")
    def recover_answer(self) -> None:
        """Transcribe an answer recorded before the program stopped (after the conversation was replayed)."""
        rehearsal = self.rehearsal
        assert rehearsal is not None
        nxt = rehearsal.recover()
        turn = rehearsal.interview.turns[-1] if rehearsal.interview.turns else None
        if turn is not None and turn.transcript is not None:
            self.post_message(AnswerTranscribed(turn.transcript.text, "answered", turn.answer_source or ""))
        self.post_message(TurnSettled(nxt))

    @work(thread=True, exclusive=True, group="speech", exit_on_error=False, name="Speaking")
    def speak(self, prompts: list[Prompt], again: bool = False) -> None:
        """Say each prompt in turn; after a barge-in the rest are shown (and saved) but not played."""
        rehearsal = self.rehearsal
        assert rehearsal is not None
        self._barged.clear()
        for prompt in prompts:
            self.post_message(QuestionSpeaking(prompt, again))
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

    @work(thread=True, exclusive=True, group="answer", exit_on_error=False, name="Trying again")
    def retry(self, number: int) -> None:
        """Ask question ``number`` again as a new attempt (journalled before it is spoken)."""
        assert self.rehearsal is not None
        self.post_message(TurnSettled(self.rehearsal.retry(number)))

    @work(thread=True, exclusive=True, group="answer", exit_on_error=False, name="Writing the debrief")
    def finish(self, early: bool) -> None:
        """End (early, or say the outro when completed), then build and save the debrief."""
        rehearsal = self.rehearsal
        assert rehearsal is not None
        if early and not rehearsal.interview.finished:
            rehearsal.end()
        else:
            outro = rehearsal.interview.outro()
            if outro is not None:
                self.post_message(QuestionSpeaking(outro))
                rehearsal.speak(outro)
        report = rehearsal.finish()
        self.post_message(DebriefReady(report, rehearsal.session.path))
