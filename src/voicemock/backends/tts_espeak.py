"""Persona speech with espeak-ng: rendered to a WAV file, then played (so it can be stopped and kept).

Two engines: the ``espeak-ng`` command (default: synchronous, about 0.06 s for 40 words) and pyttsx3's
espeak driver. pyttsx3 quirks owned here: ``runAndWait()`` can return before the file exists, so we wait for
it; the driver prints "Audio saved to" on stdout, which we swallow; voices are selected by espeak name.
"""

from __future__ import annotations

import contextlib
import errno
import io
import shutil
import subprocess
import time
from pathlib import Path

from voicemock import diskspace
from voicemock.errors import VoicemockError
from voicemock.scenario import Voice


class EspeakSpeaker:
    """Renders text with the espeak-ng command line in the persona's voice, rate and pitch."""

    name = "espeak-ng"

    def __init__(self, binary: str | None = None) -> None:
        found = binary or shutil.which("espeak-ng") or shutil.which("espeak")
        if not found:
            raise VoicemockError(
                "espeak-ng is not installed, so the persona cannot speak",
                fix="sudo apt-get install espeak-ng (or run 'make setup'); use --no-speech to continue without",
            )
        self.binary = found

    def synthesize(self, text: str, voice: Voice, dest: Path) -> Path:
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(dest.name + ".part")
        cmd = [
            self.binary,
            "-v",
            voice.espeak,
            "-s",
            str(voice.rate),
            "-p",
            str(voice.pitch),
            "-w",
            str(tmp),
            "--",
            text,
        ]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise VoicemockError(f"espeak-ng failed: {exc}") from None
        if diskspace.looks_full(dest.parent):
            # espeak-ng exits 0 with a cut-off file when the disk fills: never keep that as the question
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise diskspace.error_from(OSError(errno.ENOSPC, "No space left on device"), dest)
        if done.returncode != 0 or not tmp.is_file() or tmp.stat().st_size <= 44:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise VoicemockError(
                f"espeak-ng could not speak with voice {voice.espeak!r}: {done.stderr.strip() or 'no audio'}",
                fix="check the persona's voice name against 'espeak-ng --voices=en'",
            )
        tmp.replace(dest)
        return dest


class Pyttsx3Speaker:
    """Renders text through pyttsx3's espeak driver (the same voices, through the pyttsx3 API)."""

    name = "pyttsx3"

    def __init__(self) -> None:
        try:
            import pyttsx3
        except Exception as exc:  # ImportError, or the driver failing to load libespeak
            raise VoicemockError(
                f"pyttsx3 is not usable: {exc}", fix="sudo apt-get install espeak-ng"
            ) from None
        self._pyttsx3 = pyttsx3

    def synthesize(self, text: str, voice: Voice, dest: Path) -> Path:
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(dest.name + ".part.wav")
        tmp.unlink(missing_ok=True)
        with contextlib.redirect_stdout(io.StringIO()):  # the driver prints "Audio saved to ..."
            engine = self._pyttsx3.init("espeak")
            engine.setProperty("voice", voice.espeak)
            engine.setProperty("rate", voice.rate)
            engine.save_to_file(text, str(tmp))
            engine.runAndWait()
        deadline = time.monotonic() + 10
        last = -1
        while time.monotonic() < deadline:  # runAndWait can return before the file is complete
            size = tmp.stat().st_size if tmp.exists() else -1
            if size > 44 and size == last:
                break
            last = size
            time.sleep(0.05)
        if not tmp.exists() or tmp.stat().st_size <= 44:
            raise VoicemockError("pyttsx3 produced no audio", fix="use speech.engine = 'espeak'")
        tmp.replace(dest)
        return dest
