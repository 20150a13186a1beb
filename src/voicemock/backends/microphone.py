"""Microphone answers through PortAudio (sounddevice), streamed to disk block by block.

Threads and contract:
- PortAudio's callback only copies each block into an unbounded queue: it never waits on disk, locks held
  by Python code or Whisper, so input overflows stay at zero while chunks are transcribed in parallel.
- The thread that called ``record`` is the writer: it drains the queue, appends every block to the
  answer's WAV (valid on disk after every block, so a lost device or a killed process keeps what was said),
  feeds the level meter, the streaming transcriber and the hands-free ``TurnTaker`` (all wired per answer
  by the rehearsal through ``connect``), and decides when the answer ends. All end rules count *audio*
  time (samples), not wall time, so they are deterministic.
- ``finish()``, ``cancel()`` and ``hold()`` may be called from any thread (the TUI's key handler).

Half duplex by default: the recorder does not run while the persona speaks. The orchestrator calls
``player.stop()`` (which returns once the output stream is closed) and only then ``recorder.record()``.
With barge-in on audio (headphones: no echo), ``listen_for_speech`` listens during the persona's speech with
a VAD; when the candidate speaks it returns with the input stream still open, and the next ``record``
continues that same stream, starting with the audio that triggered it (no word lost to a reopen).
"""

from __future__ import annotations

import contextlib
import math
import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from voicemock import audio
from voicemock.backends import devices
from voicemock.config import AudioSettings
from voicemock.errors import AudioError
from voicemock.models import SAMPLE_RATE, Prompt, RecordedAnswer
from voicemock.protocols import LiveHooks, LiveWiring, StreamingTranscriber, VoiceActivityDetector
from voicemock.turns import TurnTaker

LEVEL_INTERVAL = 0.05
"""Seconds of audio per ``on_level`` call (~20 Hz: smooth for a meter, cheap for the UI)."""
SILENT_INPUT_DB = -60.0
"""Below this the input is "essentially silent": a muted or wrong microphone, not a quiet room."""

LevelCallback = Callable[[float], None]
SecondsCallback = Callable[[float], None]
TextCallback = Callable[[str], None]


class StreamResampler:
    """Linear resampling of a stream of blocks with no phase jumps at block edges.

    Resampling each block on its own (``audio.resample``) restarts the interpolation grid at every block
    and drifts by up to a sample per block; this keeps one grid for the whole stream.
    """

    def __init__(self, rate_in: int, rate_out: int = SAMPLE_RATE) -> None:
        self.rate_in = rate_in
        self.rate_out = rate_out
        self._step = rate_in / rate_out
        self._prev = np.zeros(0, dtype=np.float32)
        self._prev_index = 0  # absolute input index of self._prev[0]
        self._produced = 0  # output samples produced so far

    def push(self, block: audio.Samples) -> audio.Samples:
        if self.rate_in == self.rate_out or len(block) == 0:
            return block
        buf = np.concatenate([self._prev, block])
        last = self._prev_index + len(buf) - 1  # absolute index of the newest input sample
        n_max = math.floor(last / self._step)
        if n_max < self._produced:
            self._prev, self._prev_index = buf[-1:], last
            return np.zeros(0, dtype=np.float32)
        positions = np.arange(self._produced, n_max + 1, dtype=np.float64) * self._step - self._prev_index
        out: audio.Samples = np.interp(positions, np.arange(len(buf), dtype=np.float64), buf).astype(
            np.float32
        )
        self._produced = n_max + 1
        self._prev, self._prev_index = buf[-1:], last
        return out


#: Seconds of silence tolerated before any speech when answers end on silence.
PRE_SPEECH_PATIENCE = 20.0


class AnswerCapture:
    """Everything done with the blocks of one answer, independent of PortAudio (tests drive it directly).

    ``push`` takes one block at the device rate and returns why the answer should end ("silence",
    "budget") or None to keep going.
    """

    def __init__(
        self,
        dest: Path,
        rate: int,
        settings: AudioSettings,
        budget_seconds: float,
        *,
        on_level: LevelCallback | None = None,
        on_silent_input: SecondsCallback | None = None,
        incremental: StreamingTranscriber | None = None,
        turns: TurnTaker | None = None,
    ) -> None:
        self.settings = settings
        self.budget_seconds = budget_seconds
        self.wav = audio.WavAppender(dest)
        self.resampler = StreamResampler(rate)
        self.on_level = on_level
        self.on_silent_input = on_silent_input
        self.incremental = incremental
        self.turns = turns
        self.peak_db = -100.0
        self.quiet_seconds = 0.0
        """Trailing run of quiet audio (for silence end-pointing)."""
        self.silent_warned = False
        self._level_buf: list[audio.Samples] = []
        self._level_len = 0

    @property
    def seconds(self) -> float:
        return self.wav.seconds

    def push(self, block: audio.Samples) -> str | None:
        return self.push_resampled(self.resampler.push(np.asarray(block, dtype=np.float32).reshape(-1)))

    def push_resampled(self, samples: audio.Samples) -> str | None:
        """``push`` for samples already at 16 kHz (the barge-in pre-roll)."""
        if len(samples) == 0:
            return None
        self.wav.append(samples)  # disk first: whatever happens next, this block is kept
        if self.incremental is not None:
            self.incremental.feed(samples)
        if self.turns is not None:
            end = self.turns.push(samples)
            if end is not None:
                return "no-speech" if end.reason == "no-speech" else "turn-end"
        level = audio.rms_db(samples)
        self.peak_db = max(self.peak_db, level)
        self._meter(samples)
        block_seconds = len(samples) / SAMPLE_RATE
        self.quiet_seconds = self.quiet_seconds + block_seconds if level < self.settings.silence_db else 0.0
        if (
            not self.silent_warned
            and self.peak_db < SILENT_INPUT_DB
            and self.seconds >= self.settings.silent_input_warning_seconds
        ):
            self.silent_warned = True
            if self.on_silent_input is not None:
                self.on_silent_input(self.seconds)
        if self.seconds >= self.budget_seconds:
            return "budget"
        if (
            self.settings.end_mode == "silence"
            and self.seconds >= self.settings.min_answer_seconds
            and self.quiet_seconds >= self._silence_limit()
        ):
            return "silence"
        return None

    def _silence_limit(self) -> float:
        """Quiet needed to end the answer. Before the first words, people are thinking: be far more patient
        (at least 20 s), so a slow start is never cut off."""
        if self.peak_db < self.settings.silence_db:
            return max(self.settings.silence_seconds * 3, PRE_SPEECH_PATIENCE)
        return self.settings.silence_seconds

    def _meter(self, samples: audio.Samples) -> None:
        if self.on_level is None:
            return
        self._level_buf.append(samples)
        self._level_len += len(samples)
        if self._level_len >= LEVEL_INTERVAL * SAMPLE_RATE:
            self.on_level(audio.rms_db(np.concatenate(self._level_buf)))
            self._level_buf, self._level_len = [], 0

    def close(self) -> None:
        self.wav.close()


class MicrophoneRecorder:
    """The ``Recorder`` for live answers: records until ``finish()``, silence (if enabled), the time
    budget, or the device going away.

    ``stream_factory`` is the PortAudio boundary (``sounddevice.InputStream`` by default); tests may pass
    a stand-in with the same constructor keywords, ``start``/``stop``/``close`` and ``active``. What the
    recorder feeds and reports is wired per answer with ``connect`` (the ``LiveRecorder`` capability).
    """

    def __init__(
        self,
        settings: AudioSettings | None = None,
        *,
        device: str | int | None = None,
        stream_factory: Callable[..., Any] | None = None,
        block_seconds: float = 0.05,
    ) -> None:
        self.settings = settings or AudioSettings()
        self.device = device if device is not None else self.settings.input_device
        self.wiring = LiveWiring()
        self.stream_factory = stream_factory
        self.block_seconds = block_seconds
        self.overflows = 0
        """Input overflow flags reported by PortAudio during the last answer (goal: 0)."""
        self.rate = SAMPLE_RATE
        """The device rate used for the last answer (16 kHz unless the device refused it)."""
        self._finish = threading.Event()
        self._cancel = threading.Event()
        self._open: _OpenStream | None = None
        """An input stream left open by ``listen_for_speech`` for the next ``record`` to continue."""
        self.label = f"microphone ({self.device if self.device is not None else 'default'})"

    def connect(self, wiring: LiveWiring) -> None:
        """Wire the next answer: streaming transcriber, hands-free turn-taker, pre-roll audio, hooks."""
        self.wiring = wiring

    @property
    def hooks(self) -> LiveHooks:
        return self.wiring.hooks

    def hold(self) -> None:
        """Hold the turn (hands-free): the current pause does not end the answer until speech resumes."""
        if self.wiring.turns is not None:
            self.wiring.turns.hold()

    def finish(self) -> None:
        """End the current answer (the answer key's second press). Thread-safe; harmless when idle."""
        self._finish.set()

    def cancel(self) -> None:
        """Stop recording now; the answer returns with ``ended_by="cancelled"`` (audio kept on disk)."""
        self._cancel.set()
        self._finish.set()

    def record(self, prompt: Prompt, dest: Path) -> RecordedAnswer:
        """Record an answer to ``prompt`` into ``dest`` (16 kHz mono 16-bit WAV) and return when it ends."""
        self._finish.clear()
        self._cancel.clear()
        wiring = self.wiring
        opened, self._open = self._open, None
        if opened is None:
            self.overflows = 0
            opened = self._start_stream()
        stream, blocks, errors, device, rate = (
            opened.stream,
            opened.blocks,
            opened.errors,
            opened.device,
            opened.rate,
        )

        budget = float(prompt.budget_seconds) + self.settings.budget_grace_seconds
        incremental = wiring.transcriber
        if incremental is not None:
            incremental.begin(dest, on_partial=wiring.hooks.on_partial)
        capture = AnswerCapture(
            dest,
            rate,
            self.settings,
            budget,
            on_level=wiring.hooks.on_level,
            on_silent_input=wiring.hooks.on_silent_input,
            incremental=incremental,
            turns=wiring.turns,
        )
        preroll = wiring.preroll if wiring.preroll is not None else opened.preroll
        if preroll is not None and len(preroll):
            # the words that triggered the barge-in, at 16 kHz: straight into the answer
            capture.push_resampled(np.asarray(preroll, dtype=np.float32))
        ended_by = "end"
        notes: list[str] = []
        last_block = time.monotonic()
        try:
            while True:
                try:
                    block = blocks.get(timeout=0.1)
                except queue.Empty:
                    if self._finish.is_set():
                        break
                    stalled = time.monotonic() - last_block > self.settings.device_stall_seconds
                    if errors or stalled or not _is_active(stream):
                        ended_by = "device-lost"
                        break
                    continue
                last_block = time.monotonic()
                reason = capture.push(block)
                if reason is not None:
                    ended_by = reason
                    break
                if self._finish.is_set():
                    break
        finally:
            with contextlib.suppress(Exception), devices.quiet_stderr():
                if ended_by == "turn-end":
                    stream.abort()  # the candidate stopped a second ago: nothing buffered is worth waiting for
                else:
                    stream.stop()  # ALSA may complain about a device that is gone; it is gone either way
            with contextlib.suppress(Exception):
                stream.close()
            while not self._cancel.is_set() and ended_by == "end":
                try:  # the key press ends it: keep what arrived until the stream stopped
                    capture.push(blocks.get_nowait())
                except queue.Empty:
                    break
            capture.close()

        if self._cancel.is_set():
            ended_by = "cancelled"
            if incremental is not None:
                incremental.cancel()
        if ended_by == "device-lost":
            if capture.seconds == 0.0:
                dest.unlink(missing_ok=True)
                if incremental is not None:
                    incremental.cancel()
                raise AudioError(
                    f"the microphone ({self._device_name(device)}) delivered no audio",
                    fix="check the input with `voicemock doctor`; answers can be typed meanwhile (--typed)",
                )
            notes.append(
                f"microphone stopped delivering audio after {capture.seconds:.1f} s; kept what was said"
            )
        if ended_by == "budget":
            notes.append(f"recording stopped at the time cap ({budget:.0f} s)")
        if self.overflows:
            notes.append(f"{self.overflows} input overflow(s): a little audio may be missing")
        if rate != SAMPLE_RATE:
            notes.append(f"recorded at {rate} Hz and resampled to {SAMPLE_RATE} Hz")
        if wiring.turns is not None:
            notes += _pause_notes(wiring.turns)
        self.wiring = LiveWiring(hooks=wiring.hooks)  # the pre-roll and turn-taker belonged to this answer
        return RecordedAnswer(
            source=self.label,
            audio_path=str(dest),
            ended_by=ended_by,
            notes=tuple(notes),
        )

    def _start_stream(self) -> _OpenStream:
        """Open and start the input stream; its callback only queues copies of the blocks."""
        stream_factory, device, rate = self._prepare()
        blocks: queue.SimpleQueue[audio.Samples] = queue.SimpleQueue()
        errors: list[str] = []

        def callback(indata: Any, frames: int, time_info: Any, status: Any) -> None:
            # Real-time thread: copy and go. SimpleQueue.put never blocks on an unbounded queue.
            if status and getattr(status, "input_overflow", False):
                self.overflows += 1
            blocks.put(indata[:, 0].copy() if indata.ndim == 2 else indata.copy())

        def finished() -> None:
            errors.append("stream finished")

        try:
            with devices.quiet_stderr():
                stream = stream_factory(
                    device=device,
                    channels=1,
                    samplerate=rate,
                    dtype="float32",
                    blocksize=max(1, int(rate * self.block_seconds)),
                    callback=callback,
                    finished_callback=finished,
                )
                stream.start()
        except Exception as exc:  # PortAudioError and friends: nothing recorded yet
            raise devices.explain_open_error(exc, self._device_name(device)).to_error() from None
        return _OpenStream(stream, blocks, errors, device, rate)

    def listen_for_speech(
        self,
        until: Callable[[], bool],
        vad: VoiceActivityDetector,
        *,
        min_speech: float = 0.3,
        threshold: float = 0.6,
    ) -> bool:
        """Listen while the persona speaks (barge-in on audio). Returns True once ``min_speech`` seconds of
        speech were heard: the stream stays open and the next ``record`` starts with the last second of
        audio, so the words that interrupted are in the answer. Returns False (stream closed) once
        ``until()`` is true. Only safe without echo: the persona's own voice must not reach the microphone
        (``voicemock doctor`` checks)."""
        self.overflows = 0
        opened = self._start_stream()
        detector = vad.fresh()
        resampler = StreamResampler(opened.rate)
        recent: list[audio.Samples] = []
        recent_len = 0
        run = 0
        try:
            while not until():
                try:
                    block = opened.blocks.get(timeout=0.05)
                except queue.Empty:
                    if opened.errors or not _is_active(opened.stream):
                        return False
                    continue
                samples = resampler.push(np.asarray(block, dtype=np.float32).reshape(-1))
                recent.append(samples)
                recent_len += len(samples)
                while recent_len - len(recent[0]) >= SAMPLE_RATE:  # keep about the last second
                    recent_len -= len(recent.pop(0))
                for prob in detector.probabilities(samples):
                    run = run + detector.frame_samples if prob >= threshold else 0
                if run >= min_speech * SAMPLE_RATE:
                    self._open = opened
                    opened.preroll = np.concatenate(recent) if recent else None
                    return True
        except BaseException:
            _close(opened.stream)
            raise
        _close(opened.stream)
        return False

    def _prepare(self) -> tuple[Callable[..., Any], int | None, int]:
        """Resolve the stream class, device index and rate; ``AudioError`` with a fix if impossible."""
        if self.stream_factory is not None:
            device = int(self.device) if isinstance(self.device, str) and self.device.isdigit() else None
            self.rate = int(getattr(self.stream_factory, "rate", SAMPLE_RATE))
            return self.stream_factory, device, self.rate
        sd = devices.sounddevice_module()
        info = devices.resolve_input(self.device)
        device = info.index if info is not None else None
        if info is not None:
            self.label = f"microphone ({info.name})"
        try:
            with devices.quiet_stderr():
                self.rate = devices.pick_rate(sd, device, "input", SAMPLE_RATE)
        except Exception as exc:
            raise devices.explain_open_error(exc, self._device_name(device)).to_error() from None
        return sd.InputStream, device, self.rate

    def _device_name(self, device: int | None) -> str:
        return (
            str(self.device)
            if self.device is not None
            else ("the default input" if device is None else str(device))
        )


class _OpenStream:
    """A started input stream and what its callback fills."""

    def __init__(
        self,
        stream: Any,
        blocks: queue.SimpleQueue[audio.Samples],
        errors: list[str],
        device: int | None,
        rate: int,
    ) -> None:
        self.stream = stream
        self.blocks = blocks
        self.errors = errors
        self.device = device
        self.rate = rate
        self.preroll: audio.Samples | None = None


def _close(stream: Any) -> None:
    with contextlib.suppress(Exception), devices.quiet_stderr():
        stream.stop()
    with contextlib.suppress(Exception):
        stream.close()


def _pause_notes(turns: TurnTaker) -> list[str]:
    """Long thinking pauses of the answer (measured by the VAD while recording), for the debrief."""
    long = turns.thinking_pauses(3.0)
    held = [p for p in turns.pauses if p.held]
    notes = []
    if long:
        longest = max(p.seconds for p in long)
        notes.append(
            f"{len(long)} thinking pause{'s' if len(long) > 1 else ''} of 3 s or more while answering "
            f"(longest {longest:.1f} s)"
        )
    if held:
        notes.append(f"held the turn to think {len(held)} time{'s' if len(held) > 1 else ''}")
    return notes


def _is_active(stream: Any) -> bool:
    try:
        return bool(stream.active)
    except Exception:  # a closed/broken stream raises on attribute access
        return False
