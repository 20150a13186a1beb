"""What the headless commands print while an interview runs, and the keys they listen to.

``Console`` is the ``Rehearsal`` listener of ``voicemock run`` / ``resume``: prompts, answers, notices, and
progress for the two waits that can be long, transcribing a long answer (a percentage with an estimate of
the time left) and the LLM coach's debrief notes (seconds waited so far). While notes are awaited, Enter
(in a terminal) or Ctrl-C skips them: the debrief is written without them and says so. Everything goes to
stderr when stdout carries ``--json``.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING, Any, TextIO

import click

if TYPE_CHECKING:
    from voicemock.session import Event, Rehearsal

NOTES_TICK = 10.0
"""Seconds between "still waiting for notes" lines when the output is not a terminal."""


class Console:
    """Prints a rehearsal's events for a person at a terminal (or a log, when output is redirected)."""

    def __init__(self, to_stderr: bool) -> None:
        self.to_stderr = to_stderr
        self.rehearsal: Rehearsal | None = None
        """Set once the rehearsal exists: the notes wait needs it to skip."""
        self._stream: TextIO = sys.stderr if to_stderr else sys.stdout
        self._tty = self._stream.isatty()
        self._stop_ticker = threading.Event()
        self._ticker: threading.Thread | None = None
        self._old_sigint: Any = None
        self._last_step = -1
        self._open_line = False

    def echo(self, text: str) -> None:
        self._end_line()
        click.echo(text, err=self.to_stderr)

    def __call__(self, event: Event) -> None:
        if event.kind != "progress":
            self._end_line()
        if event.kind != "progress" and not (event.kind == "phase" and event.text == "notes"):
            self._end_notes()
        data = event.data or {}
        if event.kind == "prompt":
            kind = data.get("kind")
            prompt = data.get("prompt") or {}
            again = f", attempt {prompt['attempt']}" if prompt.get("attempt", 1) > 1 else ""
            who = (
                "Interviewer"
                if kind in ("intro", "outro")
                else (
                    "Follow-up"
                    if prompt.get("kind") == "follow_up"
                    else f"Q{prompt.get('number', '')}{again}"
                )
            )
            origin = f" [{prompt['origin']}]" if prompt.get("kind") == "follow_up" else ""
            self.echo(f"\n{who}{origin}: {event.text}")
        elif event.kind == "answer":
            self.echo(f"  You ({data.get('source') or ''}): {event.text}")
        elif event.kind == "notice":
            self.echo(f"  ! {event.text}")
        elif event.kind == "phase" and event.text == "transcribing":
            self._last_step = -1
            self.echo("  ... transcribing")
        elif event.kind == "phase" and event.text == "notes":
            self._start_notes(str(data.get("detail") or "Asking the coach for debrief notes"))
        elif event.kind == "progress" and event.text == "transcribing":
            self._transcribing(float(data.get("fraction", 0.0)), data.get("eta"))

    # -- transcription progress ---------------------------------------------------------------------------

    def _transcribing(self, fraction: float, eta: float | None) -> None:
        left = f" (about {_duration(eta)} left)" if eta is not None and fraction < 1 else ""
        line = f"  ... transcribing {fraction * 100:3.0f}%{left}"
        if self._tty:
            self._stream.write("\r" + line.ljust(60))
            self._stream.flush()
            self._open_line = fraction < 1
            if fraction >= 1:
                self._stream.write("\n")
            return
        step = int(fraction * 10)  # a line every 10% when the output is a log, not a terminal
        if step > self._last_step:
            self._last_step = step
            click.echo(line, err=self.to_stderr)

    def _end_line(self) -> None:
        if self._open_line:
            self._stream.write("\n")
            self._stream.flush()
            self._open_line = False

    # -- debrief notes: progress and the skip keys --------------------------------------------------------

    def _start_notes(self, detail: str) -> None:
        keys = "Enter or Ctrl-C skips them" if sys.stdin.isatty() else "Ctrl-C skips them"
        self.echo(f"  ... {detail} ({keys})")
        started = time.monotonic()
        self._stop_ticker.clear()
        if threading.current_thread() is threading.main_thread():
            self._old_sigint = signal.signal(signal.SIGINT, self._skip_on_sigint)
        if sys.stdin.isatty():
            threading.Thread(target=self._skip_on_enter, name="notes-skip-key", daemon=True).start()
        self._ticker = threading.Thread(
            target=self._tick, args=(started,), name="notes-progress", daemon=True
        )
        self._ticker.start()

    def _tick(self, started: float) -> None:
        every = 1.0 if self._tty else NOTES_TICK
        while not self._stop_ticker.wait(every):
            waited = time.monotonic() - started
            if self._tty:
                self._stream.write(f"\r  ... waiting for notes: {waited:.0f} s")
                self._stream.flush()
                self._open_line = True
            else:
                click.echo(f"  ... still waiting for notes: {waited:.0f} s", err=self.to_stderr)

    def _skip_on_sigint(self, signum: int, frame: FrameType | None) -> None:
        self._skip("Ctrl-C")

    def _skip_on_enter(self) -> None:
        try:
            sys.stdin.readline()
        except (OSError, ValueError):
            return
        if not self._stop_ticker.is_set():
            self._skip("Enter")

    def _skip(self, key: str) -> None:
        if self.rehearsal is not None and not self._stop_ticker.is_set():
            self.rehearsal.skip_notes(f"you pressed {key}")

    def _end_notes(self) -> None:
        if self._ticker is None:
            return
        self._stop_ticker.set()
        self._ticker = None
        self._end_line()
        if self._old_sigint is not None and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, self._old_sigint)
            self._old_sigint = None


def with_enter_to_finish(listen: Callable[[Any], None], recorder: Any, to_stderr: bool) -> Callable[[Any], None]:
    """For the microphone in a terminal: say when recording starts, and finish the answer on Enter."""

    def on_event(event: Any) -> None:
        listen(event)
        finish = getattr(recorder(), "finish", None)
        if event.kind != "phase" or event.text != "listening" or not callable(finish):
            return
        if not sys.stdin.isatty():
            click.echo(
                "  (recording: the answer ends after a pause; Ctrl-C stops the interview)", err=to_stderr
            )
            return
        click.echo("  (recording: speak now, press Enter when you are done)", err=to_stderr)

        def wait_for_enter() -> None:
            try:
                sys.stdin.readline()
            finally:
                finish()

        threading.Thread(target=wait_for_enter, name="enter-to-finish", daemon=True).start()

    return on_event


def _duration(seconds: Any) -> str:
    s = max(0, round(float(seconds)))
    if s < 60:
        return f"{s} s"
    return f"{s // 60} min {s % 60:02d} s"
