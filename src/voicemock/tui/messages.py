"""Messages the interview's thread workers post to the screen: past-tense facts, data only.

Workers never touch widgets; they post one of these (``post_message`` is thread-safe) and the screen's
handlers, which run on the event loop, update what is shown. Frequent updates (the level meter, the partial
transcript) are coalesced with ``can_replace`` so a fast microphone cannot flood the queue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from voicemock.debrief import Debrief
    from voicemock.models import Prompt
    from voicemock.progress import QuestionHistory
    from voicemock.session import Rehearsal


@dataclass
class _Fact(Message):
    """Base for dataclass messages (Textual's ``Message.__post_init__`` initialises the internals)."""


@dataclass
class SessionStarted(_Fact):
    """A rehearsal was begun, resumed or reopened to retry a question; ``prompt`` is what waits for an
    answer (None: already over)."""

    rehearsal: Rehearsal
    prompt: Prompt | None
    resumed: bool = False
    retry: int | None = None
    """The question being tried again, when the session was reopened from its debrief."""


@dataclass
class QuestionSpeaking(_Fact):
    """The persona started saying ``prompt`` (the intro, a question, a follow-up or the outro);
    ``again`` when it is said a second time (the candidate asked to hear it again)."""

    prompt: Prompt
    again: bool = False


@dataclass
class QuestionSpoken(_Fact):
    """The persona finished (or was interrupted): the candidate's turn."""

    prompt_id: str


@dataclass
class AnswerRecorded(_Fact):
    """The answer is captured and journalled (audio on disk before transcription starts)."""

    source: str
    ended_by: str


@dataclass
class AnswerTranscribed(_Fact):
    """The answer's text (or why there is none: "no_speech", "unavailable")."""

    text: str | None
    status: str
    source: str = ""


@dataclass
class TurnSettled(_Fact):
    """The engine (and coach) decided what comes next: a follow-up, the next question, or the end (None)."""

    prompt: Prompt | None


@dataclass
class DebriefReady(_Fact):
    """The debrief was built and saved in ``directory``."""

    report: Debrief
    directory: Path


@dataclass
class PhaseChanged(_Fact):
    """The orchestration moved to a phase ("speaking", "listening", "transcribing", "thinking", ...)."""

    phase: str
    detail: str = ""


@dataclass
class NoticeRaised(_Fact):
    """Something to tell the user (a fallback, a missing device, a recovered answer)."""

    text: str
    severity: str = "information"


@dataclass
class LevelMeasured(_Fact):
    """Microphone input level in dBFS; only the newest one matters."""

    db: float

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, LevelMeasured)


@dataclass
class PartialTranscript(_Fact):
    """Text transcribed so far while the candidate is still speaking; only the newest one matters."""

    text: str

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, PartialTranscript)


@dataclass
class TurnPaused(_Fact):
    """Hands-free: the candidate paused (``seconds`` in, or 0 when it began); resumed speech clears it."""

    thinking: bool
    """The pause sounds mid-thought (the answer waits longer) rather than finished."""


@dataclass
class TurnResumed(_Fact):
    """The candidate spoke again after a pause."""


@dataclass
class ModelLoadChanged(_Fact):
    """The speech-to-text model started loading, finished, or failed (first run can take seconds)."""

    state: str
    """"loading", "ready", "failed"."""
    detail: str = ""
    seconds: float | None = None


@dataclass
class BackendsReady(_Fact):
    """The app finished building its backends in the background (``error`` set if that failed)."""

    error: str | None = None
    notices: list[str] = field(default_factory=list)


@dataclass
class ProbeFinished(_Fact):
    """A settings check (LLM connection test, microphone level test) finished."""

    what: str
    ok: bool
    detail: str


@dataclass
class HistoryLoaded(_Fact):
    """Past sessions read from disk (oldest first), with the figures the progress chart needs, and every
    question practised with its attempts."""

    rows: list[dict[str, Any]]
    questions: list[QuestionHistory] = field(default_factory=list)


@dataclass
class ProgressReported(_Fact):
    """A long wait moved on: ``what`` ("transcribing") is ``fraction`` done, ``eta`` seconds left (or None)."""

    what: str
    fraction: float
    eta: float | None = None

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ProgressReported)
