"""The optional neural voice (Piper + the offline joe-us voice package), through the Speaker boundary."""

from __future__ import annotations

from pathlib import Path

from conftest import wer
from voicemock import audio
from voicemock.backends.tts_piper import PiperSpeaker
from voicemock.scenario import Voice

TEXT = "How would you define success for the new fraud model, and what would you measure first?"


def test_piper_speaks_the_question_in_the_persona_pace(tmp_path: Path, transcriber: object) -> None:
    speaker = PiperSpeaker()
    slow = speaker.synthesize(TEXT, Voice(rate=130), tmp_path / "slow.wav")
    fast = speaker.synthesize(TEXT, Voice(rate=200), tmp_path / "fast.wav")
    assert audio.duration(slow) > audio.duration(fast) * 1.15  # measured 1.26x
    heard = transcriber.transcribe(fast).text  # type: ignore[attr-defined]
    assert wer(TEXT, heard) < 0.15, heard
