"""User-facing errors.

Every error a user can cause (a broken scenario, a missing device, an unreachable endpoint, silence) is a
``VoicemockError`` whose message says what went wrong and what to do. The CLI prints these without a
traceback; anything else is a bug.
"""

from __future__ import annotations


class VoicemockError(Exception):
    """An error with a message meant for the user, and optionally a fix."""

    def __init__(self, message: str, fix: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.message}\n  fix: {self.fix}" if self.fix else self.message


class ScenarioError(VoicemockError):
    """A scenario file that cannot be used; the message names the file, line or field, and the problem."""

    def __init__(self, message: str, fix: str | None = None, *, path: object = None) -> None:
        super().__init__(message, fix)
        self.path = path
        """The file at fault (a ``Path``), when there is one."""


class AudioError(VoicemockError):
    """Audio that cannot be read, played or recorded."""


class NoSpeechError(AudioError):
    """The answer held no speech (silence, noise or an empty file)."""


class TranscriberError(VoicemockError):
    """The speech-to-text model cannot be loaded or run."""


class CoachError(VoicemockError):
    """The follow-up coach failed; callers fall back to the scripted coach."""


class NoAnswerAvailable(VoicemockError):
    """A recorder has no answer for this prompt (for example no answer file for a follow-up)."""


class UserCommand(VoicemockError):
    """The user asked to skip, repeat or end instead of answering (typed "/skip", "/repeat", "/end")."""

    def __init__(self, command: str) -> None:
        super().__init__(f"user command: {command}")
        self.command = command
