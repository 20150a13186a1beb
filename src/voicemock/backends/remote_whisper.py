"""Transcription on a server: any OpenAI-compatible ``POST /v1/audio/transcriptions`` (OpenAI, vLLM serving
Whisper, speaches), through the ``openai`` SDK's ``audio.transcriptions``.

The answer's audio is already on disk when this runs, so a failure loses nothing: on any failure at all (a
timeout, an HTTP error, a rate limit, a refused connection, a reply that is not the JSON asked for, an empty
reply for audio that has speech in it) the same file is transcribed by local Whisper, and the transcript
says so in its notes. Word timings are asked for (``verbose_json`` with word granularity); a server that has
none still gives the text, and the transcript then carries no word timings, so the debrief reports pace and
pauses as not measured instead of inventing them. The SDK's retries are off: a retry storm from many
clients helps no server, and the local fallback is the retry.
"""

from __future__ import annotations

import json
import logging
import wave
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import openai

from voicemock.errors import NoSpeechError, TranscriberError
from voicemock.models import Transcript, Word
from voicemock.protocols import Transcriber

if TYPE_CHECKING:
    from voicemock.config import TranscriptionSettings

log = logging.getLogger(__name__)

DUMMY_KEY = "not-needed"
MAX_UPLOAD_BYTES = 24 * 1024 * 1024
"""OpenAI accepts files up to 25 MB (about 13 minutes of the session's 16 kHz WAV); longer answers are
transcribed locally rather than sent and refused."""
NO_TIMINGS = "pace and pauses not measured"


class RemoteTranscriber:
    """A ``Transcriber`` on an OpenAI-compatible server, with local Whisper behind it."""

    def __init__(self, settings: TranscriptionSettings, fallback: Transcriber) -> None:
        self.base_url = settings.resolved_base_url()
        key = settings.resolved_api_key()
        if key is None:
            if self.base_url is None:
                raise TranscriberError(
                    "remote transcription has no API key for api.openai.com",
                    fix="export OPENAI_API_KEY=..., or set transcription.base_url to your server, or "
                    "transcription.engine = 'local'",
                )
            key = DUMMY_KEY
        self._secret = key
        self.model = settings.model
        self.timeout = float(settings.timeout)
        self.remote = settings.is_remote()
        self.fallback = fallback
        self.host = urlparse(self.base_url).netloc if self.base_url else "api.openai.com"
        self.name = f"remote:{self.model}@{self.host}"
        self.last_error: str | None = None
        """Why the last answer was transcribed locally instead (scrubbed), or None."""
        self.timed_words: bool | None = None
        """Whether the server gave word timings last time (None before the first answer)."""
        self._client = openai.OpenAI(api_key=key, base_url=self.base_url, timeout=self.timeout, max_retries=0)

    @property
    def privacy_notice(self) -> str | None:
        """What to say once before a session when answer audio leaves this machine (None when local)."""
        if not self.remote:
            return None
        return f"Your answers' audio will be sent to {self.host} ({self.model}) to be transcribed."

    def load(self) -> None:
        """Nothing to load here; the local fallback loads when it is first needed."""

    def transcribe(self, audio: Path, on_progress: Callable[[float], None] | None = None) -> Transcript:
        """The server's transcript, or local Whisper's (with a note saying why) when the server fails."""
        size = audio.stat().st_size if audio.exists() else 0
        if size > MAX_UPLOAD_BYTES:
            return self._local(audio, on_progress, f"answer too large to send ({size / 1e6:.0f} MB)")
        try:
            transcript = self._remote(audio)
        except NoSpeechError:
            raise
        except Exception as exc:  # any failure: the audio is on disk, transcribe it here instead
            return self._local(audio, on_progress, self._describe(exc))
        self.last_error = None
        return transcript

    # -- internals ----------------------------------------------------------------------------------------

    def _remote(self, audio: Path) -> Transcript:
        with audio.open("rb") as fh:
            raw = self._client.audio.transcriptions.with_raw_response.create(
                model=self.model,
                file=(audio.name, fh, "audio/wav"),
                response_format="verbose_json",
                timestamp_granularities=["word"],
                language="en",
            )
        body = raw.http_response.text
        try:
            data = json.loads(body)
        except json.JSONDecodeError:
            raise ValueError("the reply is not JSON") from None
        if not isinstance(data, dict) or not isinstance(data.get("text"), str):
            raise ValueError("the reply has no text")
        text = " ".join(data["text"].split())
        duration = _wav_seconds(audio)
        if duration is None:
            duration = float(data["duration"]) if isinstance(data.get("duration"), int | float) else 0.0
        if not text:
            raise NoSpeechError(f"no speech found in {audio.name}")
        words = _words(data.get("words"))
        notes: list[str] = []
        self.timed_words = bool(words)
        if not words:
            notes.append(f"{self.host} gave no word timings: {NO_TIMINGS}")
        return Transcript(
            text=text, words=tuple(words), duration=duration, source=self.name, notes=tuple(notes)
        )

    def _local(self, audio: Path, on_progress: Callable[[float], None] | None, reason: str) -> Transcript:
        reason = self._scrub(reason)[:200]
        self.last_error = reason
        log.info("%s failed (%s); transcribing locally", self.name, reason)
        transcript = self.fallback.transcribe(audio, on_progress)
        note = f"transcribed locally by {self.fallback.name}: {self.host} failed ({reason})"
        return Transcript(
            text=transcript.text,
            words=transcript.words,
            duration=transcript.duration,
            source=transcript.source,
            notes=(*transcript.notes, note),
        )

    def _describe(self, exc: BaseException) -> str:
        if isinstance(exc, openai.APITimeoutError):
            return f"no reply within {self.timeout:g} s"
        if isinstance(exc, openai.RateLimitError):
            return "rate limited (HTTP 429)"
        if isinstance(exc, openai.AuthenticationError):
            return "the server rejected the API key"
        if isinstance(exc, openai.APIStatusError):
            return f"HTTP {exc.status_code}"
        if isinstance(exc, openai.APIConnectionError):
            return f"cannot reach {self.host}"
        if isinstance(exc, ValueError):
            return f"invalid reply ({exc})"
        return f"{type(exc).__name__}: {exc}"

    def _scrub(self, text: str) -> str:
        if len(self._secret) >= 8 and self._secret != DUMMY_KEY:
            text = text.replace(self._secret, "[redacted]")
        return text


def _words(items: Any) -> list[Word]:
    """Word timings from a verbose_json reply; [] when there are none or they are not well formed."""
    if not isinstance(items, list):
        return []
    words: list[Word] = []
    for item in items:
        try:
            word = Word(
                str(item["word"]).strip(), round(float(item["start"]), 3), round(float(item["end"]), 3)
            )
        except (KeyError, TypeError, ValueError):
            return []  # one broken timing makes the rest untrustworthy too
        if word.text:
            words.append(word)
    return words


def _wav_seconds(path: Path) -> float | None:
    try:
        with wave.open(str(path), "rb") as w:
            return w.getnframes() / float(w.getframerate() or 1)
    except (wave.Error, EOFError, OSError):
        return None


def probe_transcription(settings: TranscriptionSettings, timeout: float = 5.0) -> tuple[bool, str]:
    """Connection test for `voicemock doctor`: send half a second of silence and read the reply's shape.

    Returns (ok, detail); the detail says whether the server gives word timings."""
    import tempfile

    import numpy as np

    from voicemock.audio import write_wav

    try:
        transcriber = RemoteTranscriber(settings, fallback=_NoFallback())
    except TranscriberError as exc:
        return False, exc.message
    client = transcriber._client.with_options(timeout=timeout, max_retries=0)
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "probe.wav"
        write_wav(wav, np.zeros(8000, dtype=np.float32))
        try:
            with wav.open("rb") as fh:
                raw = client.audio.transcriptions.with_raw_response.create(
                    model=settings.model,
                    file=(wav.name, fh, "audio/wav"),
                    response_format="verbose_json",
                    timestamp_granularities=["word"],
                )
            data = json.loads(raw.http_response.text)
        except json.JSONDecodeError:
            return False, "the server's reply is not JSON"
        except Exception as exc:
            return False, transcriber._describe(exc)
    if not isinstance(data, dict) or "text" not in data:
        return False, "the server's reply has no text field"
    timings = "gives word timings" if "words" in data else "no word timings (pace and pauses not measured)"
    return True, f"reachable; {settings.model} transcribes; {timings}"


class _NoFallback:
    name = "none"

    def transcribe(self, audio: Path, on_progress: Callable[[float], None] | None = None) -> Transcript:
        raise TranscriberError("no local fallback in a connection test")
