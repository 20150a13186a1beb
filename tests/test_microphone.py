"""MicrophoneRecorder: the real PortAudio path through a private PulseAudio null sink, and deterministic
block-level tests through a stand-in input stream (the PortAudio callback is the boundary)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pulse import PulseServer, silence, synthesize, words_of
from voicemock import audio
from voicemock.backends import devices
from voicemock.backends.microphone import MicrophoneRecorder, StreamResampler
from voicemock.backends.whisper import WhisperTranscriber
from voicemock.config import AudioSettings
from voicemock.errors import AudioError
from voicemock.models import SAMPLE_RATE, Prompt, PromptKind
from voicemock.protocols import LiveHooks, LiveWiring

PROMPT = Prompt("q1", "q1", PromptKind.QUESTION, "Tell me about a product you shipped.", 120, 1)


def tone(seconds: float, rate: int = SAMPLE_RATE, freq: float = 440.0, amp: float = 0.1) -> audio.Samples:
    t = np.arange(int(seconds * rate)) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def fake_stream(
    script: audio.Samples,
    *,
    rate: int = SAMPLE_RATE,
    then: str = "finish",
    recorder_box: list[Any] | None = None,
) -> type:
    """A stand-in for ``sounddevice.InputStream`` that delivers ``script`` in blocks as fast as it can,
    then either asks the recorder to finish ("finish"), goes dead like an unplugged device ("die"), or
    keeps delivering silence ("hold") until stopped."""

    class FakeInputStream:
        def __init__(self, *, callback: Any, blocksize: int, finished_callback: Any = None, **_: Any) -> None:
            self.callback, self.blocksize = callback, blocksize
            self.active = False
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self._run, daemon=True)

        def start(self) -> None:
            self.active = True
            self._thread.start()

        def _run(self) -> None:
            for i in range(0, len(script), self.blocksize):
                if self._stop.is_set():
                    return
                self.callback(script[i : i + self.blocksize].reshape(-1, 1), self.blocksize, None, None)
            if then == "die":
                self.active = False
            elif then == "finish":
                assert recorder_box is not None
                recorder_box[0].finish()
            else:
                while not self._stop.is_set():
                    self.callback(np.zeros((self.blocksize, 1), np.float32), self.blocksize, None, None)
                    time.sleep(0.001)

        def stop(self) -> None:
            self._stop.set()
            self.active = False

        def close(self) -> None:
            self._stop.set()

    FakeInputStream.rate = rate  # type: ignore[attr-defined]
    return FakeInputStream


def make(script: audio.Samples, settings: AudioSettings | None = None, **kwargs: Any) -> MicrophoneRecorder:
    box: list[Any] = []
    factory = fake_stream(
        script, rate=kwargs.pop("rate", SAMPLE_RATE), then=kwargs.pop("then", "finish"), recorder_box=box
    )
    rec = MicrophoneRecorder(settings or AudioSettings(), stream_factory=factory)
    rec.connect(LiveWiring(hooks=LiveHooks(**kwargs)))
    box.append(rec)
    return rec


def test_every_block_reaches_the_wav(tmp_path: Path) -> None:
    script = np.concatenate([tone(1.0), silence(0.5), tone(0.77)])
    answer = make(script).record(PROMPT, tmp_path / "a.wav")
    samples, rate = audio.read_wav(Path(answer.audio_path or ""))
    assert rate == SAMPLE_RATE and answer.ended_by == "end"
    assert len(samples) == len(script)
    assert np.max(np.abs(samples - script)) < 1e-3  # only 16-bit quantisation


@pytest.mark.parametrize("rate", [44_100, 48_000])
def test_device_rates_are_resampled_to_16k(tmp_path: Path, rate: int) -> None:
    script = tone(2.0, rate=rate, freq=440.0)
    rec = make(script, rate=rate)
    answer = rec.record(PROMPT, tmp_path / "a.wav")
    samples, wav_rate = audio.read_wav(Path(answer.audio_path or ""))
    assert wav_rate == SAMPLE_RATE
    assert abs(len(samples) - 2.0 * SAMPLE_RATE) <= 2
    spectrum = np.abs(np.fft.rfft(samples))
    assert abs(np.argmax(spectrum) * SAMPLE_RATE / len(samples) - 440.0) < 2.0
    assert any("resampled" in n for n in answer.notes)


def test_stream_resampler_has_no_seams() -> None:
    signal = tone(1.0, rate=44_100, freq=300.0)
    whole = StreamResampler(44_100).push(signal)
    r = StreamResampler(44_100)
    pieces = np.concatenate([r.push(signal[i : i + 441]) for i in range(0, len(signal), 441)])
    assert len(pieces) == len(whole)
    assert np.max(np.abs(pieces - whole)) < 1e-6


def test_level_callback_about_twenty_per_second(tmp_path: Path) -> None:
    levels: list[float] = []
    make(tone(2.0, amp=0.1), on_level=levels.append).record(PROMPT, tmp_path / "a.wav")
    assert 38 <= len(levels) <= 41
    assert all(abs(level - 20 * np.log10(0.1 / np.sqrt(2))) < 0.5 for level in levels)


def test_silent_input_warns_once(tmp_path: Path) -> None:
    warnings: list[float] = []
    make(silence(9.0), on_silent_input=warnings.append).record(PROMPT, tmp_path / "a.wav")
    assert len(warnings) == 1 and warnings[0] >= 4.0


def test_quiet_but_live_input_does_not_warn(tmp_path: Path) -> None:
    warnings: list[float] = []
    make(tone(9.0, amp=0.01), on_silent_input=warnings.append).record(PROMPT, tmp_path / "a.wav")
    assert warnings == []


def test_silence_ends_answer_only_after_minimum_length(tmp_path: Path) -> None:
    settings = AudioSettings(end_mode="silence", silence_seconds=2.0, min_answer_seconds=10.0)
    script = np.concatenate([tone(1.0), silence(30.0)])
    answer = make(script, settings, then="hold").record(PROMPT, tmp_path / "a.wav")
    assert answer.ended_by == "silence"
    seconds = audio.duration(Path(answer.audio_path or ""))
    assert 10.0 <= seconds < 10.5  # quiet for 2 s long before, but never before the minimum


def test_long_pause_then_more_speech_is_kept(tmp_path: Path) -> None:
    settings = AudioSettings(end_mode="silence", silence_seconds=3.0, min_answer_seconds=1.0)
    script = np.concatenate([tone(2.0), silence(2.5), tone(2.0), silence(5.0)])
    answer = make(script, settings, then="hold").record(PROMPT, tmp_path / "a.wav")
    assert answer.ended_by == "silence"
    assert 9.4 <= audio.duration(Path(answer.audio_path or "")) < 9.6  # 2 + 2.5 + 2 + 3


def test_key_mode_ignores_silence(tmp_path: Path) -> None:
    answer = make(np.concatenate([tone(1.0), silence(20.0)])).record(PROMPT, tmp_path / "a.wav")
    assert answer.ended_by == "end"
    assert audio.duration(Path(answer.audio_path or "")) == pytest.approx(21.0, abs=0.01)


def test_budget_cap(tmp_path: Path) -> None:
    prompt = Prompt("q1", "q1", PromptKind.QUESTION, "?", 3, 1)
    settings = AudioSettings(budget_grace_seconds=2.0)
    answer = make(tone(1.0), settings, then="hold").record(prompt, tmp_path / "a.wav")
    assert answer.ended_by == "budget"
    assert 5.0 <= audio.duration(Path(answer.audio_path or "")) < 5.2
    assert any("time cap" in n for n in answer.notes)


def test_cancel_keeps_audio(tmp_path: Path) -> None:
    rec = make(tone(1.0), then="hold")
    threading.Timer(0.3, rec.cancel).start()
    answer = rec.record(PROMPT, tmp_path / "a.wav")
    assert answer.ended_by == "cancelled"
    assert Path(answer.audio_path or "").exists()


@pytest.mark.slow
def test_device_lost_mid_answer_keeps_and_transcribes_the_audio(tmp_path: Path) -> None:
    speech = synthesize("Our checkout conversion had been flat for three quarters.", tmp_path / "speech.wav")
    said, _ = audio.read_wav(speech)
    answer = make(said, then="die").record(PROMPT, tmp_path / "a.wav")
    assert answer.ended_by == "device-lost"
    assert any("stopped delivering audio" in n for n in answer.notes)
    kept, _ = audio.read_wav(Path(answer.audio_path or ""))
    assert len(kept) == len(said)
    text = WhisperTranscriber().transcribe(Path(answer.audio_path or "")).text
    assert {"conversion", "flat", "quarters"} <= set(words_of(text))


def test_device_error_before_audio_is_an_audio_error(tmp_path: Path) -> None:
    class Broken:
        rate = SAMPLE_RATE

        def __init__(self, **_: Any) -> None:
            raise RuntimeError("Error opening InputStream: Device unavailable [PaErrorCode -9985]")

    with pytest.raises(AudioError) as info:
        MicrophoneRecorder(stream_factory=Broken).record(PROMPT, tmp_path / "a.wav")
    assert info.value.fix


def test_device_dead_from_the_start_raises_and_leaves_no_file(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="delivered no audio"):
        make(np.zeros(0, np.float32), then="die").record(PROMPT, tmp_path / "a.wav")
    assert not (tmp_path / "a.wav").exists()


def test_unknown_device_names_the_choices() -> None:
    ok, _message, _fix = devices.portaudio_status()
    if not ok:
        pytest.skip("PortAudio missing")
    with pytest.raises(AudioError) as info:
        devices.resolve_input("no-such-microphone-xyz")
    assert info.value.fix


# -- the real PortAudio path --------------------------------------------------------------------------


@pytest.mark.audio
@pytest.mark.slow
def test_records_speech_through_pulseaudio(pulse: PulseServer, tmp_path: Path) -> None:
    assert devices.check_input("pulse") is None
    speech = synthesize(
        "Hello, this is a test of the microphone recorder. The lazy dog sleeps.", tmp_path / "q.wav"
    )
    levels: list[float] = []
    rec = MicrophoneRecorder(AudioSettings(input_device="pulse"))
    rec.connect(LiveWiring(hooks=LiveHooks(on_level=levels.append)))

    def speak_then_finish() -> None:
        time.sleep(0.5)  # let the input stream open first
        pulse.play(speech).wait()
        time.sleep(1.0)  # PulseAudio's monitor latency
        rec.finish()

    threading.Thread(target=speak_then_finish, daemon=True).start()
    answer = rec.record(PROMPT, tmp_path / "a.wav")
    assert answer.ended_by == "end" and answer.source == "microphone (pulse)"
    assert rec.overflows == 0
    assert max(levels) > -30.0
    words = set(words_of(WhisperTranscriber().transcribe(Path(answer.audio_path or "")).text))
    assert {"microphone", "lazy"} <= words
