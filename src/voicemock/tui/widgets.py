"""Small display widgets for the interview: persona card, phase, level meter, time budget.

Every widget that shows text from a scenario, a transcript or an LLM builds a ``rich.text.Text`` so square
brackets are shown literally and never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.text import Text
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from voicemock.scenario import Persona

if TYPE_CHECKING:
    from voicemock.tui.app import VoiceMockApp

#: What each orchestration phase is called on screen.
PHASE_LABELS = {
    "starting": "getting ready",
    "speaking": "speaking",
    "your_turn": "your turn",
    "listening": "listening",
    "transcribing": "transcribing",
    "thinking": "thinking of a follow-up",
    "debrief": "writing your debrief",
    "notes": "waiting for the coach's notes",
    "ended": "interview over",
    "error": "something went wrong",
}


class BaseScreen(Screen[None]):
    """Every voicemock screen: typed access to the app, and worker failures sent to its one handler."""

    @property
    def vm(self) -> VoiceMockApp:
        return self.app  # type: ignore[return-value]

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            self.vm.worker_failed(event.worker)

    def show_model_state(self, state: str, detail: str) -> None:
        """The speech model is loading, ready or failed: screens that show it override this."""

    def recover(self, worker_name: str, error: BaseException) -> None:
        """After one of this screen's workers failed (already notified): put the screen back where the user
        can act. Screens with workers that change their state override this."""


class PersonaCard(Static):
    """Who is interviewing: name, role and temperament."""

    def __init__(self, persona: Persona | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.set_persona(persona)

    def set_persona(self, persona: Persona | None, progress: str = "") -> None:
        if persona is None:
            self.update(Text("Preparing the interview..."))
            return
        text = Text()
        text.append(persona.name, style="bold")
        text.append(f"  {persona.role}")
        if progress:
            text.append(f"  {progress}", style="bold")
        text.append(f"\n{persona.temperament}", style="italic")
        self.update(text)


#: Phases where something is being worked on and nothing else moves on screen: they get a spinner and a
#: seconds count, so a long transcription does not look like a hang.
WORKING = {"starting", "transcribing", "thinking", "debrief"}
SPINNER = "\u280b\u2819\u2839\u2838\u283c\u2834\u2826\u2827\u2807\u280f"


class PhaseIndicator(Static):
    """The current phase in words, styled by a CSS class per phase (colours come from the theme); a spinner
    and the seconds spent while working. ``tick`` advances it (the screen's timer; frozen in snapshots)."""

    phase: reactive[str] = reactive("starting")

    def __init__(self, clock: Callable[[], float], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.clock = clock
        self.since = clock()
        self.frame = 0

    def watch_phase(self, old: str, new: str) -> None:
        self.remove_class(f"phase-{old}")
        self.add_class(f"phase-{new}")
        self.since = self.clock()
        self.frame = 0
        self.redraw()

    def on_mount(self) -> None:
        self.add_class(f"phase-{self.phase}")
        self.redraw()

    def tick(self) -> None:
        if self.phase in WORKING:
            self.frame += 1
            self.redraw()

    def redraw(self) -> None:
        label = PHASE_LABELS.get(self.phase, self.phase)
        if self.phase in WORKING:
            seconds = int(self.clock() - self.since)
            label = f"{SPINNER[self.frame % len(SPINNER)]} {label}" + (f" {seconds} s" if seconds else "")
        self.update(Text(label))


class LevelMeter(Static):
    """Microphone input level as a bar from -60 dBFS (empty) to 0 dBFS (full)."""

    db: reactive[float | None] = reactive(None)
    FLOOR = -60.0
    WIDTH = 12

    def render(self) -> Text:
        if self.db is None:
            return Text("mic " + "\u00b7" * self.WIDTH)
        frac = min(1.0, max(0.0, (self.db - self.FLOOR) / -self.FLOOR))
        filled = round(frac * self.WIDTH)
        return Text("mic " + "\u2588" * filled + "\u00b7" * (self.WIDTH - filled))


class TimeBudget(Static):
    """The time left for the answer, counting down from the question's budget; the ``near-end`` class in the
    last 15% and ``over`` past it. Runs while the microphone records and while a typed answer is written.

    The clock is injected so snapshot tests can freeze it.
    """

    def __init__(self, clock: Callable[[], float], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.clock = clock
        self.started: float | None = None
        self.budget = 0

    def start(self, budget_seconds: int) -> None:
        self.started = self.clock()
        self.budget = budget_seconds
        self.refresh_time()

    def stop(self) -> None:
        self.started = None
        self.remove_class("near-end", "over")
        self.refresh_time()

    def show_budget(self, budget_seconds: int) -> None:
        self.budget = budget_seconds
        self.refresh_time()

    def refresh_time(self) -> None:
        if self.started is None:
            self.update(Text(f"time for this answer {_clock(self.budget)}" if self.budget else ""))
            return
        used = max(0.0, self.clock() - self.started)
        self.set_class(self.budget > 0 and self.budget * 0.85 <= used < self.budget, "near-end")
        self.set_class(self.budget > 0 and used >= self.budget, "over")
        if not self.budget:
            self.update(Text(_clock(used)))
        elif used >= self.budget:
            self.update(Text(f"{_clock(used - self.budget)} over: wrap up"))
        elif used >= self.budget * 0.85:
            self.update(Text(f"{_clock(self.budget - used)} left: wrap up soon"))
        else:
            self.update(Text(f"{_clock(self.budget - used)} left of {_clock(self.budget)}"))


def _clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 60}:{s % 60:02d}"


class Hanging:
    """Rich renderable: ``text`` wrapped to the width, continuation lines indented past its marker."""

    def __init__(self, text: Text, indent: int, first_indent: int = 0) -> None:
        self.text = text
        self.indent = indent
        self.first_indent = first_indent

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        # The first line may use the whole width past its own indent; the rest wrap past ``indent``.
        first, *_ = self.text.wrap(console, max(10, width - self.first_indent)) or [Text()]
        rest = self.text[len(first.plain) :]
        rest = rest[len(rest.plain) - len(rest.plain.lstrip(" ")) :]
        lines = [first, *(rest.wrap(console, max(10, width - self.indent)) if rest.plain else [])]
        for i, line in enumerate(lines):
            yield Segment(" " * (self.indent if i else self.first_indent))
            yield from line.render(console)
            yield Segment.line()

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(self.indent + 10, options.max_width)
