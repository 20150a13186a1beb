"""Voice activity: is this 32 ms frame of the microphone speech? Silero VAD, with an energy fallback.

Silero VAD (MIT) ships inside faster-whisper (``faster_whisper/assets/silero_vad_v6.onnx``), which voicemock
already installs for transcription, so no model is downloaded. It runs here with onnxruntime directly, one
512-sample frame (32 ms at 16 kHz) at a time with the model's recurrent state and 64 samples of context
carried over, which gives exactly the probabilities of faster-whisper's batched call (checked in
tests/test_turns.py). Cost measured on this 2-core machine: about 0.3 ms per frame, under 1% of one core.

Why a model rather than energy for turn-taking: an energy threshold cannot tell a breath, a keyboard or a
fan from a quiet word, and a missed soft word ending ("...and that's it") is exactly where a turn ends.
The energy detector stays as the fallback when onnxruntime or the model file is missing, and for the level
meter (it is also what ``IncrementalTranscriber`` uses to find chunk cuts).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from voicemock import audio
from voicemock.errors import VoicemockError
from voicemock.models import SAMPLE_RATE

FRAME = 512
"""Samples per VAD frame (32 ms at 16 kHz): the frame size Silero VAD was trained on."""
CONTEXT = 64
"""Samples of the previous frame Silero v5/v6 expects in front of each frame."""


def silero_model_path() -> Path:
    """The Silero VAD model shipped inside faster-whisper; ``VoicemockError`` when it is missing."""
    try:
        from importlib.resources import files

        path = Path(str(files("faster_whisper") / "assets" / "silero_vad_v6.onnx"))
    except (ImportError, ModuleNotFoundError):
        raise VoicemockError("faster-whisper is not installed", fix="make setup") from None
    if not path.is_file():
        raise VoicemockError(f"the Silero VAD model is missing ({path})", fix="reinstall faster-whisper")
    return path


class SileroVAD:
    """Streaming Silero VAD: ``probabilities(samples)`` returns one speech probability per whole frame fed.

    Not thread-safe per stream (one recorder feeds it); ``reset`` starts a new stream. The ONNX session is
    shared by all copies made with ``fresh()`` so each answer or monitor gets its own state cheaply.
    """

    name = "silero-vad"
    frame_samples = FRAME

    def __init__(self, session: Any = None) -> None:
        self._session = session
        self._lock = threading.Lock()
        self.reset()

    def load(self) -> None:
        with self._lock:
            if self._session is not None:
                return
            try:
                import onnxruntime
            except ImportError as exc:
                raise VoicemockError(f"onnxruntime is not installed: {exc}", fix="make setup") from None
            opts = onnxruntime.SessionOptions()
            opts.inter_op_num_threads = 1
            opts.intra_op_num_threads = 1
            opts.log_severity_level = 4
            try:
                self._session = onnxruntime.InferenceSession(
                    str(silero_model_path()), providers=["CPUExecutionProvider"], sess_options=opts
                )
            except VoicemockError:
                raise
            except Exception as exc:  # a damaged model file
                raise VoicemockError(f"cannot load the Silero VAD model: {exc}") from None

    def fresh(self) -> SileroVAD:
        """A detector with its own stream state sharing this one's loaded model."""
        self.load()
        return SileroVAD(self._session)

    def reset(self) -> None:
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros((1, CONTEXT), dtype=np.float32)
        self._rest = np.zeros(0, dtype=np.float32)

    def probabilities(self, samples: audio.Samples) -> list[float]:
        """Speech probability of each complete 512-sample frame (a partial frame waits for the next call)."""
        if self._session is None:
            self.load()
        buf = np.concatenate([self._rest, np.asarray(samples, dtype=np.float32).reshape(-1)])
        n = len(buf) // FRAME
        self._rest = buf[n * FRAME :]
        out: list[float] = []
        for i in range(n):
            frame = buf[i * FRAME : (i + 1) * FRAME][None, :]
            result, self._h, self._c = self._session.run(
                None, {"input": np.concatenate([self._context, frame], axis=1), "h": self._h, "c": self._c}
            )
            self._context = frame[:, -CONTEXT:]
            out.append(float(np.asarray(result).reshape(-1)[0]))
        return out


class EnergyVAD:
    """The fallback: a frame is speech when it is ``margin_db`` over an adaptive noise floor.

    The floor is the 10th percentile of recent frame levels, kept within [-70, -40] dBFS, so a quiet room
    and a noisy one both work; the probability is a soft ramp around the threshold.
    """

    name = "energy-vad"
    frame_samples = FRAME

    def __init__(self, margin_db: float = 12.0) -> None:
        self.margin_db = margin_db
        self.reset()

    def load(self) -> None:
        return None

    def fresh(self) -> EnergyVAD:
        return EnergyVAD(self.margin_db)

    def reset(self) -> None:
        self._rest = np.zeros(0, dtype=np.float32)
        self._history: list[float] = []

    def probabilities(self, samples: audio.Samples) -> list[float]:
        buf = np.concatenate([self._rest, np.asarray(samples, dtype=np.float32).reshape(-1)])
        n = len(buf) // FRAME
        self._rest = buf[n * FRAME :]
        out: list[float] = []
        for i in range(n):
            level = audio.rms_db(buf[i * FRAME : (i + 1) * FRAME])
            self._history.append(level)
            if len(self._history) > 1000:  # about 30 s
                del self._history[:-500]
            floor = min(-40.0, max(-70.0, float(np.percentile(self._history, 10))))
            over = level - (floor + self.margin_db)
            out.append(float(1.0 / (1.0 + np.exp(-over / 2.0))))
        return out


def frame_seconds() -> float:
    return FRAME / SAMPLE_RATE
