"""Fakes at the audio and LLM boundaries for the TUI tests; the engine, store and Rehearsal are real.

- ``ToneSpeaker`` writes a short real WAV (numpy) instead of running espeak-ng, so tests are fast.
- ``RecordingPlayer`` records what it was asked to play and honours ``stop`` (barge-in).
- ``UnusedTranscriber`` stands in for Whisper when every answer is text (it must never be called).
- ``RaisingRecorder`` and ``RaisingCoach`` fail the way real boundaries fail.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from voicemock import audio
from voicemock.backends import Backends, build
from voicemock.backends.scripted_coach import ScriptedCoach
from voicemock.config import Settings
from voicemock.errors import AudioError
from voicemock.models import Prompt, RecordedAnswer, Transcript
from voicemock.protocols import (
    Coach,
    CoachNote,
    FollowUp,
    FollowUpRequest,
    NotesRequest,
    Recorder,
    Transcriber,
)
from voicemock.scenario import Voice


class ToneSpeaker:
    name = "tone"

    def synthesize(self, text: str, voice: Voice, dest: Path) -> Path:
        t = np.arange(1600, dtype=np.float32) / 16000
        return audio.write_wav(dest, 0.1 * np.sin(2 * np.pi * 440 * t).astype(np.float32))


class RecordingPlayer:
    """Plays nothing; remembers every file and can hold "speech" until stopped (for barge-in tests)."""

    available = True
    reason = ""

    def __init__(self, hold: bool = False) -> None:
        self.played: list[Path] = []
        self.heard: list[np.ndarray] = []
        """The samples of each file as it was played (a clip's temporary file is gone afterwards)."""
        self.stops = 0
        self.hold = hold
        self._stopped = threading.Event()

    def play(self, wav: Path) -> None:
        self.played.append(Path(wav))
        self.heard.append(audio.read_wav(Path(wav))[0])
        if self.hold:
            self._stopped.clear()
            self._stopped.wait(10)

    def stop(self) -> None:
        self.stops += 1
        self._stopped.set()


class UnusedTranscriber:
    name = "unused"

    def transcribe(self, audio_path: Path, on_progress: Callable[[float], None] | None = None) -> Transcript:
        raise AssertionError("text answers must not be transcribed")


class RaisingRecorder:
    """Fails like a microphone that vanished, once, then answers from the wrapped recorder."""

    label = "flaky microphone"

    def __init__(self, inner: Recorder) -> None:
        self.inner = inner
        self.calls = 0

    def record(self, prompt: Prompt, dest: Path) -> RecordedAnswer:
        self.calls += 1
        if self.calls == 1:
            raise AudioError("input device disappeared")
        return self.inner.record(prompt, dest)


class RaisingCoach:
    name = "llm:broken"

    def follow_up(self, request: FollowUpRequest) -> FollowUp | None:
        raise TimeoutError("the LLM did not answer in 8 s")

    def notes(self, request: NotesRequest) -> list[CoachNote]:
        return []


def factory(
    answers: Path | None,
    *,
    typed: bool = False,
    player: RecordingPlayer | None = None,
    coach: Coach | None = None,
    transcriber: Transcriber | None = None,
    wrap_recorder: Callable[[Recorder], Recorder] | None = None,
) -> Callable[[Settings], Backends]:
    """A backends factory: the real ``build`` with fakes swapped in at the boundaries."""

    def make(settings: Settings) -> Backends:
        backends = build(settings, answers=answers, typed=typed, speech=False)
        backends.speaker = ToneSpeaker()
        backends.player = player or RecordingPlayer()
        backends.transcriber = transcriber or UnusedTranscriber()
        if coach is not None:
            backends.coach = coach
            backends.fallback_coach = ScriptedCoach()
        if wrap_recorder is not None:
            backends.recorder = wrap_recorder(backends.recorder)
        return backends

    return make
