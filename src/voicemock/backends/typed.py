"""Typed answers: the recorder for machines without a microphone, and the fallback when one fails."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from voicemock.errors import NoAnswerAvailable, UserCommand
from voicemock.models import Prompt, RecordedAnswer

#: Typed instead of an answer, these drive the interview like the app's keys.
COMMANDS = {"/skip": "skip", "/repeat": "repeat", "/end": "end", "/retry": "retry"}


def _read_line(prompt: str) -> str:
    """Read one line from stdin, prompting on stderr (stdout may carry --json output)."""
    sys.stderr.write(prompt)
    sys.stderr.flush()
    line = sys.stdin.readline()
    if not line:
        raise EOFError
    return line.rstrip("\n")


def _write(text: str) -> None:
    print(text, file=sys.stderr)


class TypedRecorder:
    """Reads an answer from a line-oriented input (stdin by default): lines until an empty line or EOF."""

    label = "typed answers"

    def __init__(
        self, read_line: Callable[[str], str] = _read_line, write: Callable[[str], None] = _write
    ) -> None:
        self._read = read_line
        self._write = write

    def record(self, prompt: Prompt, dest: Path) -> RecordedAnswer:
        self._write(
            "Type your answer and finish with an empty line "
            "(/repeat, /skip, /retry or /end instead to steer):"
        )
        lines: list[str] = []
        while True:
            try:
                line = self._read("> ")
            except EOFError:
                if not lines:
                    raise NoAnswerAvailable("input closed") from None
                break
            if not line.strip():
                if lines:
                    break
                continue
            if not lines and line.strip().lower() in COMMANDS:
                raise UserCommand(COMMANDS[line.strip().lower()])
            lines.append(line)
        return RecordedAnswer(source="typed", text="\n".join(lines))
