"""Playing the persona's speech: a PortAudio player that can be stopped mid-sentence, or a null player.

Barge-in and half duplex: ``SoundDevicePlayer.stop()`` may be called from any thread (the TUI's answer
key). It wakes ``play()``, which aborts and closes the output stream before returning, so an orchestrator
that does ``player.stop()`` and then ``recorder.record()`` (after ``play`` has returned in its worker)
never records the persona's voice.
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import Any

from voicemock import audio
from voicemock.backends import devices
from voicemock.config import SpeechSettings
from voicemock.errors import AudioError
from voicemock.protocols import Player


class NullPlayer:
    """The ``Player`` when nothing can be played: ``play`` returns at once; ``reason`` says why (shown once)."""

    available = False

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def play(self, wav: Path) -> None:
        return None

    def stop(self) -> None:
        return None


class SoundDevicePlayer:
    """Plays a WAV through a PortAudio output stream; ``play`` blocks until the end or ``stop()``."""

    available = True
    reason = ""

    def __init__(self, device: int | None = None, *, block_seconds: float = 0.05) -> None:
        self.device = device
        self.block_seconds = block_seconds
        self._lock = threading.Lock()
        self._done: threading.Event | None = None
        self.stopped = False
        """True when the last ``play`` was cut short by ``stop()``."""

    def play(self, wav: Path) -> None:
        sd = devices.sounddevice_module()
        samples, rate = audio.read_wav(wav)
        try:
            with devices.quiet_stderr():
                out_rate = devices.pick_rate(sd, self.device, "output", rate)
        except Exception as exc:
            raise devices.explain_open_error(exc, "the output device").to_error() from None
        if out_rate != rate:
            samples = audio.resample(samples, rate, out_rate)
        done = threading.Event()
        with self._lock:
            self._done = done
            self.stopped = False
        position = 0

        def callback(outdata: Any, frames: int, time_info: Any, status: Any) -> None:
            nonlocal position
            chunk = samples[position : position + frames]
            outdata[: len(chunk), 0] = chunk
            outdata[len(chunk) :, 0] = 0.0
            position += len(chunk)
            if len(chunk) < frames or done.is_set():
                raise sd.CallbackStop

        stream = None
        try:
            with devices.quiet_stderr():
                stream = sd.OutputStream(
                    device=self.device,
                    samplerate=out_rate,
                    channels=1,
                    dtype="float32",
                    blocksize=max(1, int(out_rate * self.block_seconds)),
                    callback=callback,
                    finished_callback=done.set,
                )
                stream.start()
            # Speech is a few seconds to a minute; the bound only guards against a stream that never ends.
            done.wait(timeout=len(samples) / out_rate + 10.0)
        except AudioError:
            raise
        except Exception as exc:  # PortAudioError: device gone or busy
            raise devices.explain_open_error(exc, "the output device").to_error() from None
        finally:
            if stream is not None:
                with contextlib.suppress(Exception), devices.quiet_stderr():
                    stream.abort()  # drop what is still buffered: barge-in must be immediate
                with contextlib.suppress(Exception):
                    stream.close()
            with self._lock:
                if self._done is done:
                    self._done = None

    def stop(self) -> None:
        with self._lock:
            if self._done is not None:
                self.stopped = True
                self._done.set()


def make_player(speech: SpeechSettings | None = None) -> Player:
    """The player to use: ``SoundDevicePlayer`` on the configured output, or a ``NullPlayer`` saying why."""
    speech = speech or SpeechSettings()
    ok, message, fix = devices.portaudio_status()
    if not ok:
        return NullPlayer(f"{message}; fix: {fix}" if fix else message)
    try:
        info = devices.resolve_output(speech.output_device)
    except AudioError as exc:
        return NullPlayer(exc.message)
    return SoundDevicePlayer(info.index if info is not None else None)
