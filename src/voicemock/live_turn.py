"""One live (microphone) answer: the recorder wired to the streaming transcriber and the turn-taker, and
the speculative tail that makes the follow-up audible about a second after the candidate stops.

The pipeline, for every answer the microphone records (the TUI and the CLI both get here through
``Rehearsal.capture``):

    microphone blocks -> WAV on disk -> streaming transcriber (chunks at pauses)
                                     -> TurnTaker (VAD frames; Smart Turn at each pause) -> end of answer
    at each pause:  speculate: transcribe everything pending now -> check the words (hold? mid-sentence?)
                    -> preview the engine's next prompt (coach included) -> render its audio
    speech resumes: discard that work (the transcript part is kept as a chunk when long enough)
    answer ends:    the transcript, the next prompt and its audio are already there -> play at once

Nothing here decides what the interview does: the preview runs the engine on a copy, and the real answer
is settled by ``Rehearsal.settle`` as always (journalled first). The coach is wrapped in a memo so the
settle gets the speculated follow-up without asking the coach (or an LLM endpoint) twice.
"""

from __future__ import annotations

import contextlib
import copy
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from voicemock.config import AudioSettings
from voicemock.errors import VoicemockError
from voicemock.interview import Interview
from voicemock.models import Prompt, Transcript
from voicemock.protocols import (
    Coach,
    CoachNote,
    FollowUp,
    FollowUpRequest,
    LiveHooks,
    LiveWiring,
    NotesRequest,
    StreamingTranscriber,
    TurnDetector,
    VoiceActivityDetector,
)
from voicemock.turns import Pause, TurnPolicy, TurnTaker


def policy_from(settings: AudioSettings) -> TurnPolicy:
    """The turn policy with the user's waits ([audio] settings)."""
    return TurnPolicy(
        complete_wait=settings.complete_wait,
        thinking_limit=settings.thinking_seconds,
        hold_limit=settings.hold_seconds,
        unsure_wait=max(settings.complete_wait, min(TurnPolicy.unsure_wait, settings.thinking_seconds)),
    )


class MemoCoach:
    """A coach that remembers its last answers, so a follow-up speculated at a pause is not asked twice.

    Keyed by everything the request carries that the coach reads (prompt, answer text, missing signals,
    follow-ups asked, budget); anything else asks the wrapped coach.
    """

    def __init__(self, coach: Coach) -> None:
        self.coach = coach
        self.name = coach.name
        self._memo: dict[tuple[object, ...], FollowUp | None] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(request: FollowUpRequest) -> tuple[object, ...]:
        return (
            request.prompt.id,
            request.answer.text,
            request.missing,
            request.asked,
            request.remaining,
            request.assessment.shown,
        )

    def follow_up(self, request: FollowUpRequest) -> FollowUp | None:
        key = self._key(request)
        with self._lock:
            if key in self._memo:
                return self._memo[key]
        result = self.coach.follow_up(request)
        with self._lock:
            if len(self._memo) > 16:
                self._memo.clear()
            self._memo[key] = result
        return result

    def notes(self, request: NotesRequest) -> list[CoachNote]:
        return self.coach.notes(request)


@dataclass
class Speculation:
    """What was prepared at a pause: the answer's text up to there, the next prompt, and its audio."""

    pause: int
    transcript: Transcript
    prompt: Prompt | None
    wav: Path | None


class LiveTurn:
    """The pipeline of one live answer (see the module doc). Made by ``Rehearsal`` for each answer."""

    def __init__(
        self,
        settings: AudioSettings,
        *,
        hands_free: bool,
        streaming: StreamingTranscriber | None,
        vad: VoiceActivityDetector | None,
        detector: TurnDetector | None,
        hooks: LiveHooks,
        preview: Callable[[Transcript], Prompt | None],
        render: Callable[[Prompt], Path | None],
    ) -> None:
        self.settings = settings
        self.hands_free = hands_free
        self.streaming = streaming
        self.user_hooks = hooks
        self.preview = preview
        self.render = render
        self.turns: TurnTaker | None = None
        if vad is not None:
            self.turns = TurnTaker(
                policy_from(settings) if hands_free else _never_ends(),
                vad.fresh(),
                detector if hands_free else None,
                needs_clearance=hands_free and streaming is not None,
                on_pause=self._on_pause,
                on_resume=self._on_resume,
            )
        self._jobs: queue.SimpleQueue[Pause | None] = queue.SimpleQueue()
        self._current: int | None = None
        """Index of the pause the candidate is in now (None while speaking)."""
        self._lock = threading.Lock()
        self.speculation: Speculation | None = None
        self.discarded: list[Path] = []
        self._busy = threading.Lock()
        """Held while a speculation runs (``settle`` waits for it rather than redo the same work)."""
        self._worker: threading.Thread | None = None
        if streaming is not None and self.turns is not None:
            self._worker = threading.Thread(target=self._work, name="speculative-tail", daemon=True)
            self._worker.start()

    def wiring(self, preroll: object = None) -> LiveWiring:
        hooks = LiveHooks(
            on_level=self.user_hooks.on_level,
            on_partial=self.user_hooks.on_partial,
            on_silent_input=self.user_hooks.on_silent_input,
            on_pause=self.user_hooks.on_pause,
            on_resume=self.user_hooks.on_resume,
        )
        return LiveWiring(transcriber=self.streaming, turns=self.turns, hooks=hooks)

    # -- recorder thread ------------------------------------------------------------------------------

    def _on_pause(self, pause: Pause) -> None:
        with self._lock:
            self._current = pause.index
        if self._worker is not None:
            self._jobs.put(pause)
        if self.user_hooks.on_pause is not None:
            self.user_hooks.on_pause(pause)

    def _on_resume(self, pause: Pause) -> None:
        with self._lock:
            self._current = None
            stale, self.speculation = self.speculation, None
        if stale is not None and stale.wav is not None:
            self.discarded.append(stale.wav)
        if self.streaming is not None:
            self.streaming.resumed()
        if self.user_hooks.on_resume is not None:
            self.user_hooks.on_resume(pause)

    # -- speculation thread ---------------------------------------------------------------------------

    def _is_current(self, pause: Pause) -> bool:
        with self._lock:
            return self._current == pause.index

    def _work(self) -> None:
        while True:
            pause = self._jobs.get()
            if pause is None:
                return
            if not self._is_current(pause):
                continue
            with self._busy:
                try:
                    self._speculate(pause)
                except Exception:  # speculation is an optimisation: the real path redoes anything
                    if self.turns is not None:
                        self.turns.clear(pause.index)

    def wait_speculation(self, timeout: float = 3.0) -> None:
        """Let a speculation in progress finish (it is preparing exactly what comes next)."""
        if self._busy.acquire(timeout=timeout):
            self._busy.release()

    def _speculate(self, pause: Pause) -> None:
        assert self.streaming is not None and self.turns is not None
        transcript = self.streaming.speculate()
        if transcript is None or not self._is_current(pause):
            self.turns.clear(pause.index)
            return
        verdict = self.turns.review(pause.index, transcript.text)
        if verdict != "clear" or not self.hands_free:
            return  # the answer goes on (or the key ends it): no follow-up to prepare yet
        prompt = self.preview(transcript)
        wav = self.render(prompt) if prompt is not None else None
        with self._lock:
            if self._current != pause.index:
                if wav is not None:
                    self.discarded.append(wav)
                return
            self.speculation = Speculation(pause.index, transcript, prompt, wav)

    # -- after the answer -----------------------------------------------------------------------------

    def close(self) -> None:
        """Stop the speculation thread (after the answer ended) and delete unused speculative audio."""
        if self._worker is not None:
            self._jobs.put(None)
        with self._lock:
            unused = self.speculation.wav if self.speculation is not None else None
        for wav in [*self.discarded, *([unused] if unused is not None else [])]:
            with contextlib.suppress(OSError):
                wav.unlink()

    def speculated(self, transcript: Transcript) -> Speculation | None:
        """The speculation made at the last pause if it covers exactly this final transcript."""
        with self._lock:
            spec = self.speculation
        if spec is None or spec.transcript.text.strip() != transcript.text.strip():
            return None
        return spec


def _never_ends() -> TurnPolicy:
    """Key mode: pauses are still watched (speculative tail, thinking indicator) but never end the answer."""
    forever = 10.0**9
    return TurnPolicy(
        complete_wait=forever,
        unsure_wait=forever,
        thinking_limit=forever,
        hold_limit=forever,
        no_speech_limit=forever,
    )


def preview_interview(interview: Interview, transcript: Transcript, source: str) -> Prompt | None:
    """What the engine would say next after this answer, computed on a copy (the interview is untouched)."""
    clone = copy.copy(interview)
    clone.turns = list(interview.turns)
    clone.notices = []
    try:
        return clone.answer(transcript, source, None)
    except (VoicemockError, RuntimeError):
        return None
