"""Semantic end of turn, offline: Smart Turn v3.2 (BSD-2-Clause, by Daily) run with onnxruntime.

The model is an 8.7 MB ONNX file shipped inside the ``pipecat-ai`` wheel on PyPI
(``pipecat/audio/turn/smart_turn/data/smart-turn-v3.2-cpu.onnx``). voicemock installs that wheel with
``--no-deps`` only to get the file: it never imports pipecat or any of its dependencies, and it never
downloads a model. The model's licence text is in ``LICENSES/smart-turn-BSD-2-Clause.txt``.

Input: ``input_features`` of shape (1, 80, 800), Whisper-style log-mel features of the last 8 s of 16 kHz
audio, zero-padded at the *start* when shorter, with the waveform normalised to zero mean and unit variance
first (what transformers' ``WhisperFeatureExtractor(chunk_length=8, do_normalize=True)`` computes).
Output: one sigmoid probability that the speaker has finished their turn. The features are computed here
in numpy (about 5 ms); tests/test_turns.py checks them against faster-whisper's own ``FeatureExtractor``
on the same normalised audio. A call costs about 70-100 ms with one thread on this 2-core machine.

What it is good at, measured on held-out Piper speech: it tells "stopped mid-sentence" from "finished a
sentence" well, but it cannot know that a person will go on after a complete sentence; the turn policy in
``voicemock.turns`` pairs it with pause length. It calls espeak-ng's flat prosody "incomplete" almost
always, so it is tested on Piper and human speech.
"""

from __future__ import annotations

import threading
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from voicemock import audio
from voicemock.errors import VoicemockError
from voicemock.models import SAMPLE_RATE

WINDOW_SECONDS = 8
N_FFT = 400
HOP = 160
N_MELS = 80
MODEL_FILE = "smart-turn-v3.2-cpu.onnx"


def model_path() -> Path:
    """Where the installed ``pipecat-ai`` wheel keeps the model, found without importing pipecat."""
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        dist = distribution("pipecat-ai")
    except PackageNotFoundError:
        raise VoicemockError(
            "the Smart Turn model is not installed",
            fix="make setup, or: pip install --no-deps pipecat-ai (only its model file is used)",
        ) from None
    path = Path(str(dist.locate_file(f"pipecat/audio/turn/smart_turn/data/{MODEL_FILE}")))
    if not path.is_file():
        raise VoicemockError(
            f"the pipecat-ai package has no {MODEL_FILE}",
            fix="pip install --no-deps 'pipecat-ai>=1.14' (the version that ships Smart Turn v3.2)",
        )
    return path


def _mel_hz(mels: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Slaney mel scale to hertz (linear below 1 kHz, logarithmic above), as Whisper uses."""
    freqs = 200.0 * mels / 3.0
    log_region = mels >= 15.0
    freqs[log_region] = 1000.0 * np.exp(np.log(6.4) / 27.0 * (mels[log_region] - 15.0))
    return freqs


@cache
def _mel_filters() -> npt.NDArray[np.float64]:
    """(80, 201) Slaney-normalised triangular filters from 0 Hz to 8 kHz."""
    top = 15.0 + np.log(8000.0 / 1000.0) * 27.0 / np.log(6.4)  # 8 kHz in Slaney mels
    edges = _mel_hz(np.linspace(0.0, top, N_MELS + 2))
    bins = np.linspace(0.0, SAMPLE_RATE / 2, N_FFT // 2 + 1)
    ramps = edges[:, None] - bins[None, :]
    lower = -ramps[:-2] / np.diff(edges)[:-1, None]
    upper = ramps[2:] / np.diff(edges)[1:, None]
    filters = np.maximum(0.0, np.minimum(lower, upper))
    return filters * (2.0 / (edges[2:] - edges[:-2]))[:, None]


def features(samples: audio.Samples) -> npt.NDArray[np.float32]:
    """(80, 800) log-mel features of the last 8 s of ``samples`` (16 kHz), as Smart Turn expects."""
    n = WINDOW_SECONDS * SAMPLE_RATE
    x = np.asarray(samples, dtype=np.float32).reshape(-1)[-n:]
    if len(x) < n:  # the model was trained with silence in front of short turns
        x = np.concatenate([np.zeros(n - len(x), dtype=np.float32), x])
    x = (x - x.mean()) / np.sqrt(x.var() + 1e-7)
    padded = np.pad(x.astype(np.float64), N_FFT // 2, mode="reflect")
    frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP]
    window = np.hanning(N_FFT + 1)[:-1]  # periodic Hann, like torch.hann_window
    power = np.abs(np.fft.rfft(frames * window, axis=-1)) ** 2  # (801, 201)
    mel = np.maximum(1e-10, _mel_filters() @ power.T)[:, :-1]  # drop the last frame: 800 frames
    log_spec = np.log10(mel)
    log_spec = np.maximum(log_spec, log_spec.max() - 8.0)
    out: npt.NDArray[np.float32] = ((log_spec + 4.0) / 4.0).astype(np.float32)
    return out


class SmartTurnDetector:
    """The ``TurnDetector``: probability that the audio up to now ends a complete turn."""

    name = "smart-turn-v3.2"

    def __init__(self, path: Path | None = None, *, threads: int = 1) -> None:
        self.path = path
        self.threads = threads
        self._session: Any = None
        self._lock = threading.Lock()

    def load(self) -> None:
        """Open the ONNX model (about 0.2 s); ``VoicemockError`` with a fix when it is not installed."""
        with self._lock:
            if self._session is not None:
                return
            path = self.path or model_path()
            try:
                import onnxruntime
            except ImportError as exc:
                raise VoicemockError(f"onnxruntime is not installed: {exc}", fix="make setup") from None
            opts = onnxruntime.SessionOptions()
            opts.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
            opts.inter_op_num_threads = 1
            opts.intra_op_num_threads = self.threads
            opts.log_severity_level = 4
            try:
                self._session = onnxruntime.InferenceSession(
                    str(path), providers=["CPUExecutionProvider"], sess_options=opts
                )
            except Exception as exc:  # a damaged or foreign file
                raise VoicemockError(f"cannot load the Smart Turn model at {path}: {exc}") from None

    def complete_probability(self, samples: audio.Samples) -> float:
        """P(turn complete) for the speech that ends at the last sample of ``samples`` (16 kHz mono)."""
        self.load()
        feats = features(samples)[None, :, :]
        with self._lock:  # one inference session, possibly called from a benchmark's threads
            out = self._session.run(None, {"input_features": feats})
        return float(np.asarray(out[0]).reshape(-1)[0])
