"""The one place that chooses implementations from settings and command-line choices.

Everything else sees only the protocols in ``voicemock.protocols``. Heavy libraries are imported inside the
backend modules, and only when that backend is built, so ``voicemock --help`` stays fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from voicemock.config import AudioSettings, Settings
from voicemock.errors import VoicemockError

if TYPE_CHECKING:
    from voicemock.backends.whisper import WhisperTranscriber
from voicemock.protocols import (
    Coach,
    LiveRecorder,
    Player,
    Recorder,
    ScenarioWriter,
    Speaker,
    StreamingTranscriber,
    Transcriber,
    TurnDetector,
    VoiceActivityDetector,
)


@dataclass
class Backends:
    """The implementations for one session, and honest labels describing them."""

    recorder: Recorder
    transcriber: Transcriber
    coach: Coach
    fallback_coach: Coach
    speaker: Speaker | None
    player: Player
    notices: list[str] = field(default_factory=list)
    """Things to tell the user once at the start (no speech engine, no output device, remote LLM...)."""
    streaming: StreamingTranscriber | None = None
    """Transcribes live answers while they are spoken (only with a live recorder)."""
    vad: VoiceActivityDetector | None = None
    """Voice activity for hands-free turn-taking and barge-in (only with a live recorder)."""
    turn_detector: TurnDetector | None = None
    """Semantic end of turn (Smart Turn), when installed and enabled."""
    audio: AudioSettings = field(default_factory=AudioSettings)
    """How live answers end (key or hands-free) and whether the candidate's voice interrupts the persona."""

    def labels(self) -> dict[str, str]:
        speech = self.speaker.name if self.speaker else "off"
        playback = "speakers" if self.player.available else f"none ({self.player.reason})"
        return {
            "answers": self.recorder.label,
            "transcriber": self.transcriber.name,
            "coach": self.coach.name,
            "speech": speech,
            "playback": playback,
        }


def build_speaker(settings: Settings) -> Speaker:
    engine = settings.speech.engine
    if engine == "pyttsx3":
        from voicemock.backends.tts_espeak import Pyttsx3Speaker

        return Pyttsx3Speaker()
    if engine == "piper":
        from voicemock.backends.tts_piper import PiperSpeaker

        return PiperSpeaker()
    from voicemock.backends.tts_espeak import EspeakSpeaker

    return EspeakSpeaker()


def build_player(settings: Settings) -> Player:
    from voicemock.backends.playback import make_player

    return make_player(settings.speech)


def build_coach(settings: Settings) -> tuple[Coach, list[str]]:
    """The configured coach and what to tell the user about it; the scripted coach is the default."""
    from voicemock.backends.scripted_coach import ScriptedCoach

    notices: list[str] = []
    kind = settings.llm.coach
    if kind == "openai":
        from voicemock.backends.openai_coach import OpenAICoach

        openai_coach = OpenAICoach(settings.llm)
        where = settings.llm.resolved_base_url() or "api.openai.com"
        notice = openai_coach.privacy_notice  # said before any transcript leaves the machine
        notices.append(notice or f"Follow-ups use {settings.llm.model} at {where} (on this machine).")
        return openai_coach, notices
    if kind == "local":
        from voicemock.backends.local_coach import LocalCoach

        return LocalCoach(settings.llm), notices
    return ScriptedCoach(), notices


def build_scenario_writer(settings: Settings) -> ScenarioWriter | None:
    """The language model that writes tailored scenarios: the OpenAI-compatible endpoint when it is the
    coach and ``tailor.llm`` is on; None otherwise (tailoring is then offline)."""
    if settings.llm.coach != "openai" or not settings.tailor.llm:
        return None
    from voicemock.backends.openai_coach import OpenAICoach

    return OpenAICoach(settings.llm, stream=True)


def build(
    settings: Settings,
    *,
    answers: Path | None = None,
    typed: bool = False,
    speech: bool = True,
    recorder: Recorder | None = None,
) -> Backends:
    """Build the session's backends. ``answers`` picks answer files, ``typed`` typed input; the live
    microphone is used otherwise (falling back to typed answers, with a notice, when it cannot be used)."""
    from voicemock.backends.scripted_coach import ScriptedCoach
    from voicemock.backends.whisper import WhisperTranscriber

    notices: list[str] = []
    if recorder is None:
        if answers is not None:
            from voicemock.backends.answer_files import AnswerFilesRecorder

            recorder = AnswerFilesRecorder(answers, max_seconds=settings.whisper.max_answer_seconds)
        elif typed:
            from voicemock.backends.typed import TypedRecorder

            recorder = TypedRecorder()
        else:
            recorder = _microphone_or_typed(settings, notices)
    speaker: Speaker | None = None
    from voicemock.backends.playback import NullPlayer

    player: Player = NullPlayer("speech is off")
    if speech and settings.speech.enabled:
        try:
            speaker = build_speaker(settings)
        except VoicemockError as exc:
            notices.append(f"{exc.message}; questions will be shown as text only.")
        if speaker is not None:
            player = build_player(settings)  # Rehearsal.speak says once if it cannot play
    coach, coach_notices = build_coach(settings)
    notices += coach_notices
    whisper = WhisperTranscriber(settings.whisper)
    live = build_live(settings, notices, whisper) if isinstance(recorder, LiveRecorder) else None
    return Backends(
        recorder=recorder,
        transcriber=whisper,
        coach=coach,
        fallback_coach=ScriptedCoach(),
        speaker=speaker,
        player=player,
        notices=notices,
        streaming=live[0] if live else None,
        vad=live[1] if live else None,
        turn_detector=live[2] if live else None,
        audio=settings.audio,
    )


def build_live(
    settings: Settings, notices: list[str], whisper: WhisperTranscriber
) -> tuple[StreamingTranscriber, VoiceActivityDetector, TurnDetector | None]:
    """What a live microphone answer needs: the streaming transcriber, a VAD (Silero from
    faster-whisper, or energy when it cannot load) and the turn model when installed and enabled."""
    from voicemock.backends.incremental import IncrementalTranscriber
    from voicemock.backends.vad import EnergyVAD, SileroVAD

    vad: VoiceActivityDetector = SileroVAD()
    try:
        vad.load()
    except VoicemockError as exc:
        notices.append(f"Voice activity uses the energy detector: {exc.message}.")
        vad = EnergyVAD()
    detector: TurnDetector | None = None
    if settings.audio.turn_model:
        from voicemock.backends.smart_turn import SmartTurnDetector, model_path

        try:
            model_path()
            detector = SmartTurnDetector()
        except VoicemockError as exc:
            if settings.audio.end_mode == "hands-free":
                notices.append(
                    f"Hands-free answers end on pauses and words only: {exc.message} (fix: {exc.fix})."
                )
    return IncrementalTranscriber(whisper), vad, detector


def _microphone_or_typed(settings: Settings, notices: list[str]) -> Recorder:
    from voicemock.backends.typed import TypedRecorder

    try:
        from voicemock.backends.devices import check_input
        from voicemock.backends.microphone import MicrophoneRecorder
    except ImportError:
        notices.append("Live microphone support is not available; using typed answers.")
        return TypedRecorder()
    problem = check_input(settings.audio.input_device)
    if problem is not None:
        notices.append(
            f"Microphone unavailable: {problem.message} (fix: {problem.fix}); using typed answers instead."
        )
        return TypedRecorder()
    return MicrophoneRecorder(settings.audio)
