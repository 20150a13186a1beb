"""Real Whisper (the bundled tiny.en) on real audio: synthesized answers and human recordings."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from conftest import speak_to_wav, wer
from voicemock.audio import write_wav
from voicemock.backends.whisper import WhisperTranscriber
from voicemock.config import WhisperSettings
from voicemock.errors import AudioError, NoSpeechError, TranscriberError

ANSWER = (
    "I would start with the merchants who lose money to chargebacks. "
    "Success means fraud losses drop by twenty percent while the approval rate stays the same. "
    "We would run an experiment with a holdout group for four weeks."
)
ALSA = Path("/usr/share/sounds/alsa")


def test_synthesized_answer_comes_back(tmp_path: Path, transcriber: WhisperTranscriber) -> None:
    wav = speak_to_wav(ANSWER, tmp_path / "a.wav")
    t = transcriber.transcribe(wav)
    # espeak-ng speech through tiny.en: measured WER about 0.1; bound 0.25
    assert wer(ANSWER, t.text) < 0.25, t.text
    assert t.source == "whisper:tiny.en"
    assert t.duration and t.duration > 5
    assert t.words and all(w.end >= w.start for w in t.words)
    assert t.words == tuple(sorted(t.words, key=lambda w: w.start))


@pytest.mark.parametrize(
    ("name", "words"),
    [("Front_Center", "front center"), ("Rear_Left", "rear left"), ("Side_Right", "side right")],
)
def test_human_recordings(name: str, words: str, transcriber: WhisperTranscriber) -> None:
    """Real human speech shipped by Debian's alsa-utils (48 kHz stereo: resampled and downmixed)."""
    path = ALSA / f"{name}.wav"
    assert path.is_file(), "alsa-utils provides these (make setup-test installs it)"
    t = transcriber.transcribe(path)
    assert wer(words, t.text) == 0, t.text


def test_silence_is_no_speech(tmp_path: Path, transcriber: WhisperTranscriber) -> None:
    rng = np.random.default_rng(0)
    quiet = (rng.standard_normal(16000 * 4) * 0.001).astype(np.float32)
    with pytest.raises(NoSpeechError):
        transcriber.transcribe(write_wav(tmp_path / "quiet.wav", quiet))
    with pytest.raises(NoSpeechError):
        transcriber.transcribe(write_wav(tmp_path / "zero.wav", np.zeros(16000, dtype=np.float32)))


def test_alsa_noise_is_no_speech(transcriber: WhisperTranscriber) -> None:
    with pytest.raises(NoSpeechError):
        transcriber.transcribe(ALSA / "Noise.wav")


def test_empty_and_corrupt_files(tmp_path: Path, transcriber: WhisperTranscriber) -> None:
    empty = tmp_path / "empty.wav"
    with wave.open(str(empty), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
    with pytest.raises(NoSpeechError):
        transcriber.transcribe(empty)
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"this is not audio at all" * 10)
    with pytest.raises(AudioError) as err:
        transcriber.transcribe(junk)
    assert "junk.wav" in str(err.value)


def test_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    t = WhisperTranscriber(WhisperSettings(model=str(tmp_path / "nope")))
    with pytest.raises(TranscriberError) as err:
        t.load()
    assert "not found" in str(err.value) and "whisper.model" in str(err.value)


def test_long_answer_is_truncated_with_a_note(tmp_path: Path) -> None:
    t = WhisperTranscriber(WhisperSettings(max_answer_seconds=30))
    speech = speak_to_wav("The metric I care about is the approval rate.", tmp_path / "s.wav")
    from voicemock.audio import read_wav, resample

    samples, rate = read_wav(speech)
    samples = resample(samples, rate)
    long = np.concatenate([samples, np.zeros(16000 * 60, dtype=np.float32)])
    out = t.transcribe(write_wav(tmp_path / "long.wav", long))
    assert "approval rate" in out.text.lower()
    assert out.duration == pytest.approx(30, abs=0.1)
    assert any("only the first 30 s" in n for n in out.notes), out.notes
