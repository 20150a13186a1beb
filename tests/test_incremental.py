"""IncrementalTranscriber: chunked transcription while speaking must match whole-file transcription."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pulse import LONG_ANSWER, silence, synthesize, wer
from voicemock import audio
from voicemock.backends.incremental import IncrementalTranscriber
from voicemock.backends.whisper import WhisperTranscriber
from voicemock.errors import NoSpeechError
from voicemock.models import SAMPLE_RATE


class SpyWhisper(WhisperTranscriber):
    """The real transcriber, remembering where each chunk started (to check the cuts)."""

    def __init__(self) -> None:
        super().__init__()
        self.offsets: list[float] = []

    def transcribe_array(self, samples: audio.Samples, **kwargs: Any) -> Any:
        self.offsets.append(float(kwargs.get("offset", 0.0)))
        return super().transcribe_array(samples, **kwargs)


def feed_all(inc: IncrementalTranscriber, samples: audio.Samples, block: int = 800) -> None:
    for i in range(0, len(samples), block):
        inc.feed(samples[i : i + block])


@pytest.fixture(scope="module")
def long_answer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synthesize(LONG_ANSWER, tmp_path_factory.mktemp("speech") / "long.wav")


@pytest.mark.slow
def test_incremental_matches_whole_file(long_answer: Path) -> None:
    samples, _ = audio.read_wav(long_answer)
    assert len(samples) / SAMPLE_RATE > 90  # a long answer, many chunks
    whisper = SpyWhisper()
    whole = whisper.transcribe(long_answer)
    whisper.offsets.clear()
    inc = IncrementalTranscriber(whisper)
    inc.begin(long_answer)
    feed_all(inc, samples)
    result = inc.transcribe(long_answer)  # the Transcriber protocol: fast path for the answer it was fed

    assert inc.chunks_transcribed >= 5
    whole_wer, inc_wer = wer(LONG_ANSWER, whole.text), wer(LONG_ANSWER, result.text)
    assert inc_wer <= whole_wer + 0.03, (whole_wer, inc_wer)
    # Cuts fall inside silence: the audio around every chunk start is quiet.
    for offset in whisper.offsets[1:]:
        i = int(offset * SAMPLE_RATE)
        assert audio.rms_db(samples[i - 800 : i + 800]) < -40, offset
    # Stitching keeps time order: no word from one chunk overlaps the next chunk's words.
    starts = [w.start for w in result.words]
    assert starts == sorted(starts)
    assert result.duration == pytest.approx(len(samples) / SAMPLE_RATE)
    assert result.source == whole.source


@pytest.mark.slow
def test_partial_text_grows_while_speaking(long_answer: Path) -> None:
    samples, _ = audio.read_wav(long_answer)
    partials: list[str] = []
    inc = IncrementalTranscriber(WhisperTranscriber())
    inc.begin(None, on_partial=partials.append)
    feed_all(inc, samples[: 40 * SAMPLE_RATE])
    final = inc.finish()
    assert partials and final.text.startswith(partials[0])


@pytest.mark.slow
def test_silence_is_no_speech() -> None:
    inc = IncrementalTranscriber(WhisperTranscriber())
    inc.begin(None)
    feed_all(inc, np.concatenate([silence(25.0), np.full(16_000, 1e-6, np.float32)]))
    with pytest.raises(NoSpeechError):
        inc.finish()


@pytest.mark.slow
def test_other_files_are_transcribed_whole(tmp_path: Path) -> None:
    wav = synthesize("Our checkout conversion had been flat for three quarters.", tmp_path / "a.wav")
    whisper = WhisperTranscriber()
    inc = IncrementalTranscriber(whisper)
    assert inc.transcribe(wav).text == whisper.transcribe(wav).text
    inc.begin(tmp_path / "live.wav")  # a live answer pending does not hijack another file
    assert inc.transcribe(wav).text == whisper.transcribe(wav).text
    inc.cancel()


def test_cut_only_inside_pauses() -> None:
    """No cut inside continuous sound; a cut inside the first pause once the chunk is long enough."""
    inc = IncrementalTranscriber(WhisperTranscriber(), min_chunk_seconds=2.0, max_chunk_seconds=60.0)
    inc.begin(None)
    a = inc._answer
    assert a is not None
    noise = np.random.default_rng(0).normal(0, 0.1, 3 * SAMPLE_RATE).astype(np.float32)
    a.chunks.put(None)  # stop the worker: this test inspects the committed chunks only
    assert a.worker is not None
    a.worker.join()
    feed_all(inc, noise)
    assert a.committed == 0  # 3 s of continuous sound: nowhere safe to cut
    feed_all(inc, np.concatenate([silence(1.0), noise]))
    # Cut as soon as the pause is long enough, in the middle of the quiet seen so far: inside the pause.
    assert 3.1 * SAMPLE_RATE <= a.committed <= 3.9 * SAMPLE_RATE
