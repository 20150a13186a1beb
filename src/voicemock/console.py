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
        self.reads_stdin = False
        """Another reader owns stdin (``with_enter_to_finish``) and passes Enter on through ``key_line``."""

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
        if sys.stdin.isatty() and not self.reads_stdin:
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

    def key_line(self) -> None:
        """A line was typed (Enter) while no answer was being recorded: skip the notes if they are awaited."""
        if self._ticker is not None:
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


def with_enter_to_finish(
    listen: Console, recorder: Callable[[], Any], to_stderr: bool, hands_free: bool = False
) -> Callable[[Any], None]:
    """For the microphone in a terminal: say when recording starts; Enter finishes the answer, "w" + Enter
    holds the turn (hands-free). One reader thread serves every answer (and the notes wait), so a line typed
    for one answer never ends the next."""
    from voicemock.protocols import LiveRecorder

    listening = threading.Event()
    started: list[threading.Thread] = []

    def read_lines() -> None:
        for line in sys.stdin:
            live = recorder()
            if not listening.is_set() or not isinstance(live, LiveRecorder):
                listen.key_line()  # Enter while the notes are awaited skips them
                continue
            if line.strip().lower() in ("w", "wait", "h", "hold"):
                live.hold()
                click.echo("  (holding: take your time; keep talking when ready)", err=to_stderr)
            else:
                live.finish()

    def on_event(event: Any) -> None:
        listen(event)
        if event.kind != "phase":
            return
        if event.text != "listening":
            listening.clear()
            return
        if not isinstance(recorder(), LiveRecorder):
            return
        if not sys.stdin.isatty():
            how = "when you stop talking" if hands_free else "after a pause"
            click.echo(f"  (recording: the answer ends {how}; Ctrl-C stops the interview)", err=to_stderr)
            return
        if hands_free:
            click.echo(
                "  (recording hands-free: just stop when you are done; Enter ends now, w + Enter holds)",
                err=to_stderr,
            )
        else:
            click.echo("  (recording: speak now, press Enter when you are done)", err=to_stderr)
        listening.set()
        if not started:
            listen.reads_stdin = True
            started.append(threading.Thread(target=read_lines, name="enter-to-finish", daemon=True))
            started[0].start()

    return on_event


def _duration(seconds: Any) -> str:
    s = max(0, round(float(seconds)))
    if s < 60:
        return f"{s} s"
    return f"{s // 60} min {s % 60:02d} s"
