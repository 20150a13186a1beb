"""Typed answers: the recorder for machines without a microphone, and the fallback when one fails."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from voicemock.errors import NoAnswerAvailable
from voicemock.models import Prompt, RecordedAnswer


class TypedRecorder:
    """Reads an answer from a line-oriented input (stdin by default): lines until an empty line or EOF."""

    label = "typed answers"

    def __init__(self, read_line: Callable[[str], str] = input, write: Callable[[str], None] = print) -> None:
        self._read = read_line
        self._write = write

    def record(self, prompt: Prompt, dest: Path) -> RecordedAnswer:
        self._write("Type your answer; finish with an empty line (Ctrl-D ends the interview):")
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
            lines.append(line)
        return RecordedAnswer(source="typed", text="\n".join(lines))
