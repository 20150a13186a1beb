"""Incremental transcription: transcribe an answer in chunks while it is still being spoken.

While the microphone records, ``feed`` receives every 16 kHz block (from the recorder's writer thread).
A cheap energy VAD on 20 ms frames finds natural pauses; once at least ``min_chunk_seconds`` of audio are
pending, the audio up to the middle of the first pause is committed as a chunk and transcribed by one
background thread while recording continues. When the answer ends only the tail is left to transcribe.

Why chunks are cut only inside silence: a word split across two chunks is garbled or dropped by one
side and repeated by the other. Cutting in the middle of a pause, and shifting each chunk's word timings
by its start, makes stitching a plain concatenation. Only an answer that runs ``max_chunk_seconds``
without any pause is cut at its quietest 100 ms instead (Whisper cannot take more than 30 s at once).

Defaults were measured on a 110 s espeak-ng answer (tiny.en, beam 5; WER against the script, whole-file
0.117): 6 s chunks 0.133, 10 s chunks 0.123, 14 s 0.123. Shorter chunks lose cross-sentence context. Each
chunk gets 0.5 s of trailing silence: without it Whisper invented endings at chunk edges (WER 0.155).
Feeding the previous chunk's words as prompt did not help (0.117-0.139) and would displace the filler prompt.

Why energy and not silero VAD: faster-whisper's silero VAD would cost a model run per block on a 2-core
machine already transcribing; speech-vs-pause inside one speaker's answer is an easy call for energy
with an adaptive floor, and each chunk still goes through Whisper's own VAD filter.

Speculative tail: at each pause the turn-taker sees (the recorder's VAD), ``speculate`` transcribes all
the pending audio at once, so that if the answer ends there, nothing is left to do when it does. If the
candidate goes on, ``resumed`` either keeps that work as a committed chunk (when it is long enough to be a
good chunk, ``reuse_seconds``) or drops it. While a speculation is open, the energy cuts above wait, so
one pause is never transcribed twice.

This class is also a ``Transcriber``: ``transcribe(path)`` returns the stitched result when ``path`` is
the answer it was fed (and the WAV on disk holds exactly the fed audio), else transcribes the whole file.
So the session keeps calling ``transcriber.transcribe(answer.audio_path)`` and gets the fast path for free.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from voicemock import audio
from voicemock.backends.whisper import FILLER_PROMPT, WhisperTranscriber
from voicemock.errors import NoSpeechError, VoicemockError
from voicemock.models import SAMPLE_RATE, Transcript, Word

FRAME = SAMPLE_RATE // 50
"""20 ms VAD frames."""

_Chunk = tuple[int, audio.Samples]  # (start sample, samples)


class _Spec:
    """A speculative transcription of everything pending at a pause: [start, end) in answer samples."""

    def __init__(self, start: int, samples: audio.Samples) -> None:
        self.start = start
        self.end = start + len(samples)
        self.samples = samples
        self.done = threading.Event()
        self.result: tuple[list[Word], str] | None = None
        self.committed = False
        """Kept as a chunk of the answer (its result goes into the answer's results exactly once)."""


class _Answer:
    """The state of one answer being transcribed; a fresh one per ``begin`` so a late worker from a
    cancelled answer can never write into the next one."""

    def __init__(self, key: Path | None, on_partial: Callable[[str], None] | None) -> None:
        self.key = key
        self.on_partial = on_partial
        self.pending: list[audio.Samples] = []
        self.pending_len = 0
        self.committed = 0
        """Absolute sample index where the pending (uncommitted) audio starts."""
        self.frame_db: list[float] = []
        """Levels of the complete 20 ms frames of the pending audio."""
        self.frame_rest = np.zeros(0, dtype=np.float32)
        self.history_db: list[float] = []
        """Recent frame levels (last ~30 s) for the noise-floor estimate."""
        self.total = 0
        self.dropped = 0
        """Samples fed beyond the length cap (not transcribed)."""
        self.chunks: queue.SimpleQueue[_Chunk | _Spec | None] = queue.SimpleQueue()
        self.spec: _Spec | None = None
        """The open speculation (covers the pending audio up to its pause), if any."""
        self.feed_lock = threading.Lock()
        """Guards the pending audio: fed on the recorder's thread, read by ``speculate`` on another."""
        self.results: list[tuple[int, list[Word], str]] = []
        self.error: BaseException | None = None
        self.lock = threading.Lock()
        self.cancelled = False
        self.worker: threading.Thread | None = None


class IncrementalTranscriber:
    """Chunked background transcription of a live answer with pause-aligned cuts; see the module doc."""

    def __init__(
        self,
        transcriber: WhisperTranscriber,
        *,
        min_chunk_seconds: float = 10.0,
        max_chunk_seconds: float = 24.0,
        min_pause_seconds: float = 0.3,
        pad_seconds: float = 0.5,
        context_words: int = 0,
        reuse_seconds: float = 4.0,
    ) -> None:
        self.transcriber = transcriber
        self.name = transcriber.name
        self.min_chunk = int(min_chunk_seconds * SAMPLE_RATE)
        self.max_chunk = int(max_chunk_seconds * SAMPLE_RATE)
        self.min_pause_frames = max(1, int(min_pause_seconds * SAMPLE_RATE / FRAME))
        self.pad = int(pad_seconds * SAMPLE_RATE)
        self.context_words = context_words
        self.reuse = int(reuse_seconds * SAMPLE_RATE)
        self._answer: _Answer | None = None
        self.chunks_transcribed = 0
        """Chunks of the last answer transcribed in the background (for benchmarks and notes)."""
        self.tail_reused = False
        """The last ``finish`` used a speculation: nothing was left to transcribe."""

    # -- feeding --------------------------------------------------------------------------------------

    def begin(self, key: Path | None = None, on_partial: Callable[[str], None] | None = None) -> None:
        """Start a new answer (cancelling any unfinished one). ``key`` is the WAV the recorder writes."""
        self.cancel()
        answer = _Answer(key, on_partial)
        answer.worker = threading.Thread(
            target=self._work, args=(answer,), name="incremental-whisper", daemon=True
        )
        answer.worker.start()
        self._answer = answer

    def feed(self, samples: audio.Samples) -> None:
        """Add 16 kHz mono samples; cheap (called on the recorder's writer thread for every block)."""
        a = self._answer
        if a is None or a.cancelled or len(samples) == 0:
            return
        with a.feed_lock:
            self._feed(a, samples)

    def _feed(self, a: _Answer, samples: audio.Samples) -> None:
        cap = int(self.transcriber.settings.max_answer_seconds * SAMPLE_RATE)
        room = cap - a.total
        if room <= 0:
            a.dropped += len(samples)
            return
        if len(samples) > room:
            a.dropped += len(samples) - room
            samples = samples[:room]
        a.total += len(samples)
        a.pending.append(samples)
        a.pending_len += len(samples)
        frames = np.concatenate([a.frame_rest, samples])
        n = len(frames) // FRAME
        if n:
            block = frames[: n * FRAME].reshape(n, FRAME).astype(np.float64)
            rms = np.sqrt(np.mean(block * block, axis=1))
            db = np.where(rms <= 1e-5, -100.0, 20.0 * np.log10(np.maximum(rms, 1e-12)))
            a.frame_db.extend(db.tolist())
            a.history_db.extend(db.tolist())
            if len(a.history_db) > 3000:
                del a.history_db[:-1500]
        a.frame_rest = frames[n * FRAME :]
        if a.pending_len >= self.min_chunk and a.spec is None:
            cut = self._find_cut(a)
            if cut is not None:
                self._commit(a, cut)

    def _threshold(self, a: _Answer) -> float:
        """Silence threshold: 10 dB over the noise floor, kept within [-60, -35] dBFS."""
        floor = float(np.percentile(a.history_db, 10)) if a.history_db else -100.0
        return min(-35.0, max(-60.0, floor + 10.0))

    def _find_cut(self, a: _Answer) -> int | None:
        """Sample offset (into the pending audio) of the middle of the first long-enough pause after the
        minimum chunk length; the quietest point if the chunk grew too long without one; else None."""
        levels = np.asarray(a.frame_db)
        quiet = levels < self._threshold(a)
        first = self.min_chunk // FRAME
        run_start = None
        # Runs may start before the minimum length; only their middle must fall after it.
        for i in range(len(quiet)):
            if quiet[i]:
                if run_start is None:
                    run_start = i
                continue
            if (
                run_start is not None
                and i - run_start >= self.min_pause_frames
                and (run_start + i) // 2 >= first
            ):
                return ((run_start + i) // 2) * FRAME
            run_start = None
        if run_start is not None and len(quiet) - run_start >= self.min_pause_frames:
            middle = (run_start + len(quiet)) // 2
            if middle >= first:  # an ongoing pause: everything up to its middle is safe
                return middle * FRAME
        if a.pending_len >= self.max_chunk and len(levels) > first + 5:
            smooth = np.convolve(levels[first:], np.ones(5) / 5.0, mode="valid")
            return (first + int(np.argmin(smooth)) + 2) * FRAME
        return None

    def _commit(self, a: _Answer, cut: int) -> None:
        pending = np.concatenate(a.pending)
        chunk, rest = pending[:cut], pending[cut:]
        a.chunks.put((a.committed, chunk))
        a.committed += cut
        a.pending = [rest] if len(rest) else []
        a.pending_len = len(rest)
        a.frame_db = a.frame_db[cut // FRAME :]

    # -- background work ------------------------------------------------------------------------------

    def _work(self, a: _Answer) -> None:
        while True:
            item = a.chunks.get()
            if item is None or a.cancelled:
                return
            if isinstance(item, _Spec):
                self._speculate_work(a, item)
                continue
            start, samples = item
            if a.error is not None:
                continue
            try:
                # Trailing silence matters: a chunk that stops dead makes Whisper invent an ending
                # ("We'll see you in the next one.", zero-length words at the very end). Measured.
                padded = np.concatenate([samples, np.zeros(self.pad, dtype=np.float32)])
                words, text = self.transcriber.transcribe_array(
                    padded, offset=start / SAMPLE_RATE, prompt=self._prompt(a)
                )
            except BaseException as exc:  # kept and re-raised by finish(); the thread must not die silently
                a.error = exc
                continue
            with a.lock:
                a.results.append((start, words, text))
            if a.on_partial is not None and text and not a.cancelled:
                a.on_partial(self._joined(a))

    def _speculate_work(self, a: _Answer, spec: _Spec) -> None:
        try:
            if a.error is None:
                padded = np.concatenate([spec.samples, np.zeros(self.pad, dtype=np.float32)])
                words, text = self.transcriber.transcribe_array(
                    padded, offset=spec.start / SAMPLE_RATE, prompt=self._prompt(a)
                )
                with a.lock:
                    spec.result = (words, text)
                    if spec.committed:
                        a.results.append((spec.start, words, text))
        except BaseException as exc:  # an unused speculation that fails is dropped; a kept one fails finish()
            with a.lock:
                if spec.committed:
                    a.error = exc
        finally:
            spec.done.set()
        if a.on_partial is not None and spec.result is not None and not a.cancelled:
            a.on_partial(self._joined(a, spec))

    def _prompt(self, a: _Answer) -> str | None:
        """The filler prompt, plus the last words already transcribed when ``context_words`` > 0."""
        if not self.context_words or not a.results:
            return None  # transcribe_array's default (the filler prompt when enabled)
        base = FILLER_PROMPT if self.transcriber.settings.filler_prompt else ""
        tail = " ".join(self._joined(a).split()[-self.context_words :])
        return f"{base} {tail}".strip()

    @staticmethod
    def _joined(a: _Answer, spec: _Spec | None = None) -> str:
        with a.lock:
            results = list(a.results)
            if spec is not None and spec.result is not None and not spec.committed:
                results.append((spec.start, *spec.result))
            return " ".join(t for _s, _w, t in sorted(results, key=lambda r: r[0]) if t)

    # -- speculation ----------------------------------------------------------------------------------

    def speculate(self) -> Transcript | None:
        """Transcribe all pending audio now and return the whole answer so far (blocking; see module doc).

        Returns None when no answer is being fed or the speculation failed."""
        a = self._answer
        if a is None or a.cancelled:
            return None
        with a.feed_lock:
            if a.pending_len == 0:
                return None
            spec = _Spec(a.committed, np.concatenate(a.pending))
            a.spec = spec
        a.chunks.put(spec)
        spec.done.wait()
        if spec.result is None:
            return None
        with a.lock:
            results = sorted([*a.results, (spec.start, *spec.result)], key=lambda r: r[0])
        # chunks committed before the pause are transcribed in queue order, so all are in ``results`` here
        text = " ".join(t for _s, _w, t in results if t)
        words = tuple(w for _s, ws, _t in results for w in ws)
        return Transcript(text=text, words=words, duration=spec.end / SAMPLE_RATE, source=self.name)

    def resumed(self) -> None:
        """Speech resumed: keep the open speculation as a chunk when it is long enough, else drop it."""
        a = self._answer
        if a is None:
            return
        with a.feed_lock:
            spec, a.spec = a.spec, None
            if spec is None or spec.start != a.committed:
                return
            if spec.end - spec.start >= self.reuse and spec.end <= a.total:
                self._commit_spec(a, spec)

    def _commit_spec(self, a: _Answer, spec: _Spec) -> bool:
        """Make [spec.start, spec.end) a committed chunk (caller holds feed_lock); False if it failed."""
        with a.lock:
            if spec.done.is_set() and spec.result is None:
                return False
        cut = spec.end - a.committed
        pending = np.concatenate(a.pending) if a.pending else np.zeros(0, dtype=np.float32)
        rest = pending[cut:]
        a.pending = [rest] if len(rest) else []
        a.pending_len = len(rest)
        a.frame_db = a.frame_db[cut // FRAME :]
        a.committed = spec.end
        with a.lock:
            spec.committed = True
            if spec.result is not None:
                a.results.append((spec.start, *spec.result))
        return True

    @property
    def partial_text(self) -> str:
        """Text of the chunks transcribed so far (for a live caption; lags speech by one chunk)."""
        return self._joined(self._answer) if self._answer is not None else ""

    # -- ending ---------------------------------------------------------------------------------------

    def cancel(self) -> None:
        """Drop the current answer; its worker stops after the chunk in hand."""
        a, self._answer = self._answer, None
        if a is not None:
            a.cancelled = True
            a.chunks.put(None)

    def finish(self) -> Transcript:
        """Transcribe the tail, wait for the chunks in flight and return the stitched transcript.

        Raises ``NoSpeechError`` when there was no speech, like ``WhisperTranscriber.transcribe``.
        """
        a = self._answer
        if a is None:
            raise VoicemockError("no answer is being transcribed")
        self._answer = None
        self.tail_reused = False
        with a.feed_lock:
            spec, a.spec = a.spec, None
            if spec is not None and spec.start == a.committed and spec.end <= a.total:
                after = a.frame_db[(spec.end - a.committed) // FRAME :]
                if self._commit_spec(a, spec) and (not after or max(after) < self._threshold(a)):
                    # only silence since the pause: the speculation is the whole tail
                    self.tail_reused = True
                    a.pending, a.pending_len = [], 0
            if a.pending_len:
                a.chunks.put((a.committed, np.concatenate(a.pending)))
                a.committed += a.pending_len
                a.pending, a.pending_len = [], 0
        a.chunks.put(None)
        if a.worker is not None:
            a.worker.join()
        if a.error is not None:
            raise a.error
        results = sorted(a.results, key=lambda r: r[0])
        self.chunks_transcribed = len(results)
        words = [w for _s, ws, _t in results for w in ws]
        text = " ".join(t for _s, _w, t in results if t)
        notes: list[str] = []
        if a.dropped:
            cap = self.transcriber.settings.max_answer_seconds
            total = (a.total + a.dropped) / SAMPLE_RATE
            notes.append(
                f"answer was {total / 60:.1f} min; only the first {cap / 60:.0f} min were transcribed"
            )
        if not text.strip():
            raise NoSpeechError("no speech found in the answer")
        return Transcript(
            text=text,
            words=tuple(words),
            duration=a.total / SAMPLE_RATE,
            source=self.name,
            notes=tuple(notes),
        )

    # -- Transcriber protocol -------------------------------------------------------------------------

    def load(self) -> None:
        self.transcriber.load()

    def transcribe(self, audio_path: Path, on_progress: Callable[[float], None] | None = None) -> Transcript:
        """The stitched incremental result if ``audio_path`` is the answer being fed, else whole-file."""
        a = self._answer
        if a is not None and a.key is not None and Path(audio_path) == Path(a.key):
            try:
                on_disk = round(audio.duration(Path(audio_path)) * SAMPLE_RATE)
            except Exception:
                on_disk = -1
            if on_disk == a.total + a.dropped:
                try:
                    return self.finish()
                except NoSpeechError:
                    raise
                except (VoicemockError, RuntimeError, ValueError):
                    pass  # a failed chunk: the whole file below is the honest fallback
            else:
                self.cancel()  # the file is not what was fed (e.g. rewritten): trust the file
        return self.transcriber.transcribe(audio_path, on_progress)
