"""Data that flows between the engine, the backends, the store and the debrief. Data only: no I/O here."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

#: The one audio format inside the program: mono float32 at this rate (what Whisper consumes).
SAMPLE_RATE = 16_000


@dataclass(frozen=True)
class Word:
    """A transcribed word with its timing in seconds from the start of the answer."""

    text: str
    start: float
    end: float
    probability: float = 1.0


@dataclass(frozen=True)
class Transcript:
    """What the candidate said.

    ``words`` carry timings when the text came from audio; typed answers have none, so pace and pauses are
    reported as unavailable rather than invented. ``source`` says honestly where the text came from.
    """

    text: str
    words: tuple[Word, ...] = ()
    duration: float | None = None
    """Seconds of audio, or None for a typed answer."""
    source: str = "typed"
    """"whisper:<model>" for transcribed audio, "typed" or "text-file" for text answers."""
    notes: tuple[str, ...] = ()
    """Honest caveats, e.g. "truncated to the first 900 s"."""

    @property
    def is_audio(self) -> bool:
        return self.duration is not None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Transcript:
        return cls(
            text=data["text"],
            words=tuple(Word(**w) for w in data.get("words", ())),
            duration=data.get("duration"),
            source=data.get("source", "typed"),
            notes=tuple(data.get("notes", ())),
        )


class PromptKind(StrEnum):
    QUESTION = "question"
    FOLLOW_UP = "follow_up"
    REPEAT = "repeat"
    INTRO = "intro"
    """The persona's opening words: spoken, never answered or journalled as a prompt."""
    OUTRO = "outro"
    """The persona's closing words after the last question."""


@dataclass(frozen=True)
class Prompt:
    """Something the persona says that expects an answer."""

    id: str
    """Unique within a session: "<question id>", "<question id>.f<n>" for its n-th follow-up, and
    "<question id>.a<k>" (then "<question id>.a<k>.f<n>") for the k-th attempt at the question."""
    question_id: str
    kind: PromptKind
    text: str
    budget_seconds: int
    number: int
    """1-based position of the main question."""
    follow_up_index: int = 0
    """0 for the main question, n for the n-th follow-up."""
    signal: str | None = None
    """For follow-ups: the rubric signal it probes."""
    origin: str = "scenario"
    """Who wrote the text: "scenario", "scripted", or "llm:<model>"."""
    attempt: int = 1
    """Which attempt at the question this prompt belongs to: 2 and up are retries (rehearsing it again)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Prompt:
        data = dict(data)
        data["kind"] = PromptKind(data["kind"])
        return cls(**data)


class AnswerStatus(StrEnum):
    ANSWERED = "answered"
    SKIPPED = "skipped"
    NO_SPEECH = "no_speech"
    UNAVAILABLE = "unavailable"
    """No answer could be had (no answer file for this follow-up, device lost before any audio)."""


@dataclass(frozen=True)
class RecordedAnswer:
    """What a Recorder captured: audio written to ``audio_path`` or typed text, and an honest label."""

    source: str
    """e.g. "answer file 1.wav", "typed", "microphone (pulse)"."""
    audio_path: str | None = None
    text: str | None = None
    ended_by: str = "end"
    """"end" (user finished), "budget" (hit the time cap), "silence", "device-lost", "file"."""
    notes: tuple[str, ...] = ()


@dataclass
class Turn:
    """One prompt and what happened to it."""

    prompt: Prompt
    status: AnswerStatus | None = None
    transcript: Transcript | None = None
    answer_source: str | None = None
    audio_path: str | None = None
    question_audio: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def answered(self) -> bool:
        return self.status is AnswerStatus.ANSWERED and self.transcript is not None
