"""The echo check: does the microphone hear the speakers? (Then the persona's voice would barge in on
itself, so barge-in on audio must stay off; the answer key always interrupts.)

A short chirp (0.4 s, 600 Hz to 3 kHz, quiet) is played on the output while the input records; the recording
is matched against the chirp (normalised cross-correlation). A chirp is used because nothing in a room
sounds like it, so the match is unambiguous even with a fan or voices around; its correlation peak also
gives the delay. Heard: correlation >= 0.3 and the match at least 10 dB over the input's noise.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from voicemock import audio
from voicemock.backends import devices
from voicemock.errors import AudioError
from voicemock.models import SAMPLE_RATE

CHIRP_SECONDS = 0.4
LEAD_SECONDS = 0.8
"""Silence played before the chirp, while the input starts listening (also gives the noise floor)."""


@dataclass(frozen=True)
class EchoResult:
    """What the echo check found."""

    heard: bool
    correlation: float
    delay: float | None
    """Where the chirp was heard in the recording, in seconds (when heard)."""

    @property
    def advice(self) -> str:
        if self.heard:
            return (
                "the microphone hears the speakers: use headphones, and keep audio barge-in off "
                "(the answer key still interrupts the persona)"
            )
        return "no echo: the microphone does not hear the speakers, so audio barge-in can be on"


def chirp(rate: int = SAMPLE_RATE, seconds: float = CHIRP_SECONDS) -> audio.Samples:
    t = np.arange(int(rate * seconds)) / rate
    f0, f1 = 600.0, 3000.0
    phase = 2 * np.pi * (f0 * t + (f1 - f0) / (2 * seconds) * t * t)
    fade = np.minimum(1.0, np.minimum(t, seconds - t) / 0.02)
    out: audio.Samples = (0.25 * np.sin(phase) * fade).astype(np.float32)
    return out


def detect(recording: audio.Samples, reference: audio.Samples) -> tuple[float, int]:
    """Peak normalised cross-correlation of ``reference`` in ``recording`` and where it is."""
    n = len(reference)
    if len(recording) < n:
        return 0.0, 0
    size = 1 << int(np.ceil(np.log2(len(recording) + n)))
    corr = np.fft.irfft(np.fft.rfft(recording, size) * np.conj(np.fft.rfft(reference, size)), size)
    corr = corr[: len(recording) - n + 1]
    energy = np.convolve(recording.astype(np.float64) ** 2, np.ones(n), mode="valid")
    ref_energy = float(np.sum(reference.astype(np.float64) ** 2))
    # a floor on the window's energy: near-silent stretches must not score high by dividing tiny by tiny
    norm = np.sqrt(np.maximum(energy, ref_energy * 1e-4) * ref_energy)
    score = corr / norm
    at = int(np.argmax(score))
    return float(score[at]), at


def check_echo(input_device: str | int | None, output_device: str | int | None) -> EchoResult:
    """Play the chirp on ``output_device`` while recording ``input_device``; ``AudioError`` if either fails."""
    sd = devices.sounddevice_module()
    inp = devices.resolve_input(None if input_device is None else str(input_device))
    out = devices.resolve_output(None if output_device is None else str(output_device))
    in_index = inp.index if inp is not None else None
    out_index = out.index if out is not None else None
    with devices.quiet_stderr():
        try:
            in_rate = devices.pick_rate(sd, in_index, "input", SAMPLE_RATE)
            out_rate = devices.pick_rate(sd, out_index, "output", SAMPLE_RATE)
        except Exception as exc:
            raise devices.explain_open_error(exc, "the audio devices").to_error() from None
    reference = chirp()
    # silence first: an output that starts (or wakes a suspended sink) swallows its first ~0.1 s
    padded = np.concatenate([np.zeros(int(LEAD_SECONDS * SAMPLE_RATE), np.float32), reference])
    played = audio.resample(padded, SAMPLE_RATE, out_rate) if out_rate != SAMPLE_RATE else padded
    blocks: queue.SimpleQueue[Any] = queue.SimpleQueue()
    position = 0
    done = threading.Event()

    def record(indata: Any, frames: int, time_info: Any, status: Any) -> None:
        blocks.put(indata[:, 0].copy())

    def play(outdata: Any, frames: int, time_info: Any, status: Any) -> None:
        # the chirp, then silence until the stream is stopped (stopping early can cut buffered audio)
        nonlocal position
        chunk = played[position : position + frames]
        outdata[: len(chunk), 0] = chunk
        outdata[len(chunk) :, 0] = 0.0
        position += len(chunk)
        if position >= len(played):
            done.set()

    streams: list[Any] = []
    try:
        with devices.quiet_stderr():
            # the output first (silence, then the chirp): a sink that wakes up while an input listens to it
            # was seen to deliver only fragments to that input
            outstream = sd.OutputStream(
                device=out_index,
                channels=1,
                samplerate=out_rate,
                dtype="float32",
                blocksize=max(1, out_rate // 20),
                callback=play,
            )
            streams.append(outstream)
            outstream.start()
            time.sleep(0.2)
            instream = sd.InputStream(
                device=in_index,
                channels=1,
                samplerate=in_rate,
                dtype="float32",
                blocksize=max(1, in_rate // 20),
                callback=record,
            )
            streams.append(instream)
            instream.start()
            done.wait(LEAD_SECONDS + CHIRP_SECONDS + 3.0)
            time.sleep(1.0)  # room for output and input latency
    except AudioError:
        raise
    except Exception as exc:
        raise devices.explain_open_error(exc, "the audio devices").to_error() from None
    finally:
        for stream in reversed(streams):
            with contextlib.suppress(Exception), devices.quiet_stderr():
                stream.stop()
            with contextlib.suppress(Exception):
                stream.close()
    chunks = []
    while True:
        try:
            chunks.append(blocks.get_nowait())
        except queue.Empty:
            break
    if not chunks:
        raise AudioError("the microphone delivered no audio during the echo check")
    recording = np.concatenate(chunks).astype(np.float32)
    if in_rate != SAMPLE_RATE:
        recording = audio.resample(recording, in_rate)
    score, at = detect(recording, reference)
    match = audio.rms_db(recording[at : at + len(reference)])
    rest = np.concatenate([recording[:at], recording[at + len(reference) :]])
    noise = audio.rms_db(rest) if len(rest) else -100.0
    heard = score >= 0.3 and match - noise >= 10.0
    return EchoResult(heard, round(score, 3), round(at / SAMPLE_RATE, 3) if heard else None)
