"""The program's one audio format: mono float32 numpy at 16 kHz inside, 16-bit WAV on disk.

Only numpy and the standard library here, so the engine side can read and write audio cheaply.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt

from voicemock.diskspace import guard
from voicemock.errors import AudioError
from voicemock.models import SAMPLE_RATE

Samples = npt.NDArray[np.float32]


def to_int16(samples: Samples) -> npt.NDArray[np.int16]:
    return (np.clip(samples, -1.0, 1.0) * 32767.0).astype(np.int16)


def write_wav(path: Path, samples: Samples, rate: int = SAMPLE_RATE) -> Path:
    """Write mono float32 samples as a 16-bit WAV, atomically (temp file + rename)."""
    tmp = path.with_name(path.name + ".part")
    with guard(path, cleanup=tmp):  # a full disk: DiskFullError, and the half-written .part removed
        path.parent.mkdir(parents=True, exist_ok=True)
        with wave.open(str(tmp), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes(to_int16(samples).tobytes())
        tmp.replace(path)
    return path


class WavAppender:
    """A WAV file that grows block by block and is valid on disk after every block.

    The header is rewritten after each append, so a crash mid-answer leaves a readable file holding
    everything captured up to then.
    """

    def __init__(self, path: Path, rate: int = SAMPLE_RATE) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.rate = rate
        self.frames = 0
        self._w = wave.open(str(path), "wb")  # noqa: SIM115 - kept open across appends, closed in close()
        self._w.setnchannels(1)
        self._w.setsampwidth(2)
        self._w.setframerate(rate)

    def append(self, samples: Samples) -> None:
        self._w.writeframes(to_int16(samples).tobytes())  # wave patches the header sizes on every write
        self._w._file.flush()  # type: ignore[attr-defined]
        self.frames += len(samples)

    @property
    def seconds(self) -> float:
        return self.frames / self.rate

    def close(self) -> None:
        self._w.close()


def read_wav(
    path: Path, max_seconds: float | None = None, start_seconds: float = 0.0
) -> tuple[Samples, int]:
    """Read a PCM WAV as mono float32: at most ``max_seconds`` from ``start_seconds`` on (so memory stays
    bounded for huge files, which can be read a window at a time)."""
    try:
        with wave.open(str(path), "rb") as w:
            rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
            first = min(w.getnframes(), round(start_seconds * rate))
            if first:
                w.setpos(first)
            left = w.getnframes() - first
            limit = left if max_seconds is None else min(left, round(max_seconds * rate))
            raw = w.readframes(limit)
    except (wave.Error, EOFError, OSError) as exc:
        raise AudioError(f"{path.name}: not a readable WAV file ({exc})") from None
    raw = raw[: len(raw) - len(raw) % (width * channels or 1)]  # a file cut off mid-frame
    if width == 2:
        data = np.frombuffer(raw, dtype=np.int16).astype(np.float32) / 32768.0
    elif width == 4:
        data = np.frombuffer(raw, dtype=np.int32).astype(np.float32) / 2147483648.0
    elif width == 1:
        data = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    else:
        raise AudioError(f"{path.name}: unsupported WAV sample width {width * 8} bits")
    if channels > 1:
        data = data.reshape(-1, channels).mean(axis=1)
    return data.astype(np.float32), rate


def resample(samples: Samples, rate: int, target: int = SAMPLE_RATE) -> Samples:
    """Linear-interpolation resampling; adequate for speech going to Whisper (which low-passes at 8 kHz)."""
    if rate == target or len(samples) == 0:
        return samples
    duration = len(samples) / rate
    n_out = round(duration * target)
    x_old = np.linspace(0.0, duration, num=len(samples), endpoint=False)
    x_new = np.linspace(0.0, duration, num=n_out, endpoint=False)
    return np.interp(x_new, x_old, samples).astype(np.float32)


def duration(path: Path) -> float:
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / float(w.getframerate())


def rms_db(samples: Samples) -> float:
    """Level in dBFS (-100 for digital silence)."""
    if len(samples) == 0:
        return -100.0
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    return -100.0 if rms <= 1e-5 else 20.0 * float(np.log10(rms))


#: Played around a quoted sentence so its first and last sounds are not clipped (word timings are
#: approximate to a few hundredths of a second).
CLIP_PAD_SECONDS = 0.15


def cut(src: Path, start: float, end: float, dest: Path, pad: float = CLIP_PAD_SECONDS) -> Path:
    """Write the part of ``src`` between ``start`` and ``end`` seconds (plus ``pad`` each side) to ``dest``:
    one quoted sentence of an answer, to play on its own."""
    samples, rate = read_wav(src)
    first = max(0, int((start - pad) * rate))
    last = min(len(samples), int((end + pad) * rate))
    if last <= first:
        raise AudioError(f"{src.name} has no audio between {start:.2f} s and {end:.2f} s")
    return write_wav(dest, samples[first:last], rate)
