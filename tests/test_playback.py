"""Players, and half duplex with barge-in through the real PortAudio path (PulseAudio null sink)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from pulse import PulseServer
from voicemock import audio
from voicemock.backends import devices
from voicemock.backends.microphone import MicrophoneRecorder
from voicemock.backends.playback import NullPlayer, SoundDevicePlayer, make_player
from voicemock.config import AudioSettings, SpeechSettings
from voicemock.models import Prompt, PromptKind
from voicemock.protocols import Player

PROMPT = Prompt("q1", "q1", PromptKind.QUESTION, "?", 60, 1)


def test_null_player_says_why(tmp_path: Path) -> None:
    player = NullPlayer("no output device found")
    assert isinstance(player, Player)
    assert not player.available and player.reason
    player.play(tmp_path / "missing.wav")  # returns at once, never raises
    player.stop()


def test_make_player_returns_a_player() -> None:
    player = make_player(SpeechSettings())
    assert isinstance(player, Player)
    assert player.available or player.reason


def test_unknown_output_device_gives_null_player_naming_choices() -> None:
    player = make_player(SpeechSettings(output_device="no-such-speaker-xyz"))
    assert not player.available
    assert "no-such-speaker-xyz" in player.reason or "no audio output" in player.reason


@pytest.mark.audio
def test_barge_in_stops_speech_then_records_without_echo(pulse: PulseServer, tmp_path: Path) -> None:
    """A stand-in orchestrator: the persona speaks; the answer key stops it and recording starts after."""
    t = np.arange(30 * 16_000) / 16_000
    question = audio.write_wav(
        tmp_path / "question.wav", (0.3 * np.sin(2 * np.pi * 330 * t)).astype(np.float32)
    )
    player = SoundDevicePlayer(devices.resolve_output("pulse").index)  # type: ignore[union-attr]
    recorder = MicrophoneRecorder(AudioSettings(input_device="pulse"))
    events: list[tuple[str, float]] = []

    def speak() -> None:
        events.append(("play-start", time.monotonic()))
        player.play(question)
        events.append(("play-returned", time.monotonic()))

    speaking = threading.Thread(target=speak)
    speaking.start()
    time.sleep(1.5)  # the persona is mid-sentence
    events.append(("answer-key", time.monotonic()))
    player.stop()  # the orchestrator's contract: stop the player, wait for play() to return, then record
    speaking.join(timeout=10)
    assert not speaking.is_alive(), "play() did not return after stop()"
    assert player.stopped
    threading.Timer(2.0, recorder.finish).start()
    events.append(("record-start", time.monotonic()))
    answer = recorder.record(PROMPT, tmp_path / "answer.wav")

    names = [name for name, _ in events]
    assert names == ["play-start", "answer-key", "play-returned", "record-start"]
    # 30 s of speech were cut after 1.5 s, not played to the end.
    assert events[2][1] - events[0][1] < 15
    recorded, _ = audio.read_wav(Path(answer.audio_path or ""))
    assert len(recorded) > 0
    assert audio.rms_db(recorded) < -50  # nothing of the persona's 330 Hz tone in the answer
