"""The boundaries with the outside world: narrow, synchronous protocols.

Every implementation lives in ``voicemock.backends`` and is chosen in exactly one place
(``backends.build``). The engine and the TUI only see these protocols. All methods may block; the TUI calls
them from thread workers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from voicemock.models import Prompt, RecordedAnswer, Transcript

if TYPE_CHECKING:
    from voicemock.audio import Samples
    from voicemock.rubric import Assessment
    from voicemock.scenario import Persona, Question, Scenario, Voice
    from voicemock.turns import Pause, TurnTaker


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
class PreparedAnswers(Protocol):
    """A recorder whose answers exist before they are asked for (answer files): it can say, before the
    candidate presses anything, which answer it will use for a prompt."""

    def answer_for(self, prompt: Prompt) -> str | None:
        """The name of the answer this prompt will get (e.g. "1.wav"), or None when there is none."""
        ...

    def missing_questions(self, count: int) -> list[int]:
        """The questions (1 to ``count``) that have no answer prepared: they will be marked unanswered."""
        ...


@runtime_checkable
class Transcriber(Protocol):
    """Speech to text, locally."""

    name: str
    """e.g. "whisper:tiny.en"."""

    def transcribe(self, audio: Path, on_progress: Callable[[float], None] | None = None) -> Transcript:
        """Transcribe a WAV file. Raises ``NoSpeechError`` for silence, ``AudioError``, ``TranscriberError``.

        A long file may take a while: ``on_progress``, when given, is called with the share done (0-1) as
        the work goes on (not at all for a short one)."""
        ...


# -- capabilities: declared here, checked with isinstance, never probed with getattr ----------------------


@runtime_checkable
class Loadable(Protocol):
    """A backend with a model worth loading early (in the background while the first question plays)."""

    def load(self) -> None:
        """Load the model now; raises ``VoicemockError`` with a fix when it cannot."""
        ...


@runtime_checkable
class StreamingTranscriber(Transcriber, Protocol):
    """Transcribes an answer while it is being recorded, so little is left when the candidate stops."""

    def begin(self, key: Path | None = None, on_partial: Callable[[str], None] | None = None) -> None:
        """Start a new answer (cancelling any unfinished one); ``key`` is the WAV the recorder writes, so
        ``transcribe(key)`` returns the streamed result; ``on_partial`` gets the text so far."""
        ...

    def feed(self, samples: Samples) -> None:
        """Add 16 kHz mono samples (cheap: called by the recorder for every block)."""
        ...

    def speculate(self) -> Transcript | None:
        """Transcribe everything fed so far *now* (blocking) and return the whole answer's text; None when
        nothing is being fed. Called at each pause: if the answer ends there, ``finish`` reuses it."""
        ...

    def resumed(self) -> None:
        """Speech resumed after a pause: the last speculation no longer covers the answer's end."""
        ...

    def cancel(self) -> None:
        """Drop the current answer."""
        ...

    def finish(self) -> Transcript:
        """Transcribe what is left and return the stitched transcript."""
        ...


@runtime_checkable
class TurnDetector(Protocol):
    """Semantic end of turn: does the speech ending at the last sample sound finished?"""

    name: str

    def load(self) -> None: ...

    def complete_probability(self, samples: Samples) -> float:
        """P(the speaker has finished their turn), from the last seconds of 16 kHz audio."""
        ...


@runtime_checkable
class VoiceActivityDetector(Protocol):
    """Speech or not, frame by frame, for turn-taking and barge-in."""

    name: str
    frame_samples: int

    def load(self) -> None: ...

    def fresh(self) -> VoiceActivityDetector:
        """A detector with its own stream state (one per answer or monitor), sharing the loaded model."""
        ...

    def probabilities(self, samples: Samples) -> list[float]:
        """Speech probability of each complete frame in the samples fed so far."""
        ...


@dataclass
class LiveHooks:
    """What a live recorder reports while it records; each callback runs on the recorder's thread and must
    be quick (the TUI posts a message, the CLI prints)."""

    on_level: Callable[[float], None] | None = None
    """Input level in dBFS, about 20 times a second (the meter)."""
    on_partial: Callable[[str], None] | None = None
    """The transcript so far (a live caption)."""
    on_silent_input: Callable[[float], None] | None = None
    """The input has been essentially silent this many seconds from the start (muted microphone?)."""
    on_pause: Callable[[Pause], None] | None = None
    """A pause began (the thinking indicator; the speculative tail starts here)."""
    on_resume: Callable[[Pause], None] | None = None
    """Speech resumed after that pause."""


@dataclass
class LiveWiring:
    """How one live answer is wired, decided by ``Rehearsal`` for each answer: the streaming transcriber
    fed block by block, the turn-taker that may end the answer hands-free, audio already captured before
    the answer began (barge-in), and the hooks."""

    transcriber: StreamingTranscriber | None = None
    turns: TurnTaker | None = None
    preroll: Samples | None = None
    hooks: LiveHooks = field(default_factory=LiveHooks)


@runtime_checkable
class LiveRecorder(Recorder, Protocol):
    """A recorder that captures while the candidate speaks (the microphone), so it can be finished,
    cancelled and watched, and can listen for the candidate during the persona's speech."""

    def connect(self, wiring: LiveWiring) -> None:
        """Wire the next ``record`` (the rehearsal calls this before every live answer)."""
        ...

    def finish(self) -> None:
        """End the current answer now (the answer key); thread-safe, harmless when idle."""
        ...

    def cancel(self) -> None:
        """Stop now; the answer returns with ``ended_by="cancelled"`` (audio kept)."""
        ...

    def hold(self) -> None:
        """Hold the turn: the current pause does not end the answer (hands-free)."""
        ...

    def listen_for_speech(self, until: Callable[[], bool], vad: VoiceActivityDetector) -> bool:
        """Barge-in: listen while the persona speaks; True as soon as the candidate speaks (the stream is
        then kept open and the next ``record`` continues it, so no word is lost), False once ``until()``."""
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


@runtime_checkable
class FallbackTranscriber(Protocol):
    """A transcriber with another behind it (a server, with local Whisper behind it): a capability on top
    of ``Transcriber``, so the session can say when an answer was transcribed the second way, and why."""

    last_error: str | None
    """Why the last answer was transcribed by the fallback instead, or None when it was not."""


@runtime_checkable
class StreamingCoach(Protocol):
    """A coach whose follow-up arrives as it is written (a capability on top of ``Coach``): each complete
    sentence that may be spoken is handed to ``on_sentence`` as soon as it arrives, so the persona can start
    speaking before the reply is finished. The returned ``FollowUp`` is the whole, validated text (which
    starts with the sentences handed on, unless it is the scripted fallback)."""

    def stream_follow_up(
        self, request: FollowUpRequest, on_sentence: Callable[[str], None]
    ) -> FollowUp | None:
        """Like ``Coach.follow_up``; ``on_sentence`` is called from the calling thread, before it returns."""
        ...


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
    cancel: threading.Event = field(default_factory=threading.Event)
    """Set when the user skips the notes: a coach stops waiting for them and returns (or raises) at once."""


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


@runtime_checkable
class ScenarioWriter(Protocol):
    """A language model that writes structured text on request (used to write a tailored scenario).

    Implementations must bound ``write`` by ``timeout`` and raise ``CoachError`` (with a short reason that
    holds no secret) on any failure; the caller then tailors offline instead.
    """

    name: str
    """e.g. "llm:llama3.1:8b"."""

    @property
    def destination(self) -> str | None:
        """None when the endpoint is on this machine; else where data goes, e.g. "api.example.com (model)"."""
        ...

    def write(
        self, messages: list[dict[str, str]], schema: dict[str, Any], *, timeout: float, max_tokens: int
    ) -> str:
        """The reply's text (JSON shaped by ``schema`` where the server supports it)."""
        ...
