"""The boundaries with the outside world: narrow, synchronous protocols.

Every implementation lives in ``voicemock.backends`` and is chosen in exactly one place
(``backends.build``). The engine and the TUI only see these protocols. All methods may block; the TUI calls
them from thread workers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from voicemock.models import Prompt, RecordedAnswer, Transcript

if TYPE_CHECKING:
    from voicemock.rubric import Assessment
    from voicemock.scenario import Persona, Question, Scenario, Voice


@runtime_checkable
class Speaker(Protocol):
    """Renders the persona's words to a WAV file (so speech can be replayed, stopped and kept)."""

    name: str

    def synthesize(self, text: str, voice: Voice, dest: Path) -> Path:
        """Write ``text`` spoken in ``voice`` to ``dest`` (16-bit WAV) and return it."""
        ...


@runtime_checkable
class Player(Protocol):
    """Plays a WAV file to the output device."""

    available: bool
    """False when there is no output device; ``play`` then returns at once."""
    reason: str
    """Why playback is unavailable (shown once), or ""."""

    def play(self, wav: Path) -> None:
        """Play ``wav``; block until it ends or ``stop`` is called."""
        ...

    def stop(self) -> None:
        """Stop playback now (barge-in); safe to call from another thread and when idle."""
        ...


@runtime_checkable
class Recorder(Protocol):
    """Gets the candidate's answer to a prompt: from the microphone, an answer file or typed text."""

    label: str
    """Honest description of the input, e.g. "answer files in ./answers" or "microphone (pulse)"."""

    def record(self, prompt: Prompt, dest: Path) -> RecordedAnswer:
        """Capture the answer. Audio is written to ``dest`` (16 kHz mono 16-bit WAV) *before* returning.

        Raises ``NoAnswerAvailable`` when this recorder has nothing for the prompt (e.g. no file for a
        follow-up), ``AudioError`` when audio cannot be read or captured.
        """
        ...


@runtime_checkable
class Transcriber(Protocol):
    """Speech to text, locally."""

    name: str
    """e.g. "whisper:tiny.en"."""

    def transcribe(self, audio: Path) -> Transcript:
        """Transcribe a WAV file. Raises ``NoSpeechError`` for silence, ``AudioError``, ``TranscriberError``."""
        ...


@dataclass(frozen=True)
class FollowUpRequest:
    """Everything a coach may use to decide on a follow-up. The transcript is data, never instructions."""

    scenario: Scenario
    persona: Persona
    question: Question
    prompt: Prompt
    """The prompt just answered (the main question or a previous follow-up)."""
    answer: Transcript
    assessment: Assessment
    """Deterministic rubric verdicts for the answers to this question so far."""
    missing: tuple[str, ...]
    """Missing signal ids, most important first, excluding those already probed."""
    asked: tuple[str, ...] = ()
    """Follow-up texts already asked for this question."""
    remaining: int = 1
    """How many more follow-ups the budget allows for this question."""
    probed: tuple[str, ...] = ()
    """Signal ids already probed by a follow-up on this question (shown or not): never probe them again.
    ``assessment`` also carries each signal's graded level (``SignalResult.level``/``top``/``next``), the
    question's graded scores and the jargon density, for coaches that probe the weakest graded point."""


@dataclass(frozen=True)
class FollowUp:
    """A follow-up the persona will ask, and where it came from."""

    text: str
    signal: str | None
    origin: str
    """"scripted" or "llm:<model>"."""


@dataclass(frozen=True)
class CoachNote:
    """A debrief note from a coach: an explanation or rewrite suggestion, with verbatim evidence."""

    prompt_id: str
    text: str
    evidence: tuple[str, ...] = ()
    origin: str = "scripted"


@dataclass(frozen=True)
class NotesRequest:
    scenario: Scenario
    turns: tuple[tuple[Prompt, Transcript], ...]
    assessments: dict[str, Assessment] = field(default_factory=dict)


@runtime_checkable
class Coach(Protocol):
    """Decides whether the persona follows up, and may add debrief notes. Must never stall the interview."""

    name: str

    def follow_up(self, request: FollowUpRequest) -> FollowUp | None:
        """Return a follow-up to ask, or None to move on."""
        ...

    def notes(self, request: NotesRequest) -> list[CoachNote]:
        """Extra debrief notes (may be empty). Evidence that is not verbatim in the transcript is dropped
        by the caller."""
        ...
