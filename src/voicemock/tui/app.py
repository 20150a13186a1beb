"""The Textual app shell: dependencies passed in, backends built in the background, one error handler, and
the navigation between screens.

``VoiceMockApp`` owns no engine: screens drive interviews through ``voicemock.session.Rehearsal``. Heavy
work at start-up (building backends, probing the microphone, loading Whisper) runs in a thread worker so
the picker is interactive at once; the interview waits for it only when it needs it.

Screens never build each other: they ask the app to ``start_interview``, ``resume_interview``,
``retry_question``, ``show_debrief``, ``show_history`` or ``show_settings``, and the app decides what the
screen stack looks like (Escape always leads back towards the picker).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from voicemock.config import Settings
from voicemock.errors import VoicemockError
from voicemock.protocols import Loadable
from voicemock.scenario import Scenario, ScenarioSet
from voicemock.store import SessionDir, SessionStore
from voicemock.tui.messages import BackendsReady, ModelLoadChanged
from voicemock.tui.widgets import BaseScreen

if TYPE_CHECKING:
    from voicemock.backends import Backends
    from voicemock.debrief import Debrief

BackendsFactory = Callable[[Settings], "Backends"]


class VoiceMockApp(App[None]):
    """Picker -> interview -> debrief, plus history and settings."""

    CSS_PATH = "voicemock.tcss"
    TITLE = "voicemock"
    SUB_TITLE = "rehearse AI PM interviews out loud"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+q", "quit", "Quit", show=False, priority=True)]

    def __init__(
        self,
        scenarios: ScenarioSet,
        settings: Settings,
        store: SessionStore,
        backends_factory: BackendsFactory,
        *,
        clock: Callable[[], float] = time.monotonic,
        live: bool = True,
        save_settings_to: Path | None = None,
    ) -> None:
        super().__init__()
        self.scenarios = scenarios
        self.settings = settings
        self.store = store
        self.backends_factory = backends_factory
        self.clock = clock
        """Monotonic clock for answer timers; tests pass a frozen one."""
        self.live = live
        """False freezes timers and meters (snapshot tests)."""
        self.save_settings_to = save_settings_to
        self.model_state = "idle"
        self.model_detail = ""
        self._backends: Backends | None = None
        self._backends_error: VoicemockError | None = None
        self._backends_ready = threading.Event()

    # -- start-up -----------------------------------------------------------------------------------------

    def get_default_screen(self) -> Screen[Any]:
        """The picker is the first screen, there from the start: keys typed while the app starts reach it."""
        from voicemock.tui.picker import PickerScreen

        return PickerScreen()

    def on_mount(self) -> None:
        # Importing faster-whisper/ctranslate2 holds the GIL for hundreds of ms: start it only once the
        # picker has painted, so the first screen is interactive at once.
        self.set_timer(0.25, self.prepare_backends)

    # -- navigation ---------------------------------------------------------------------------------------

    def start_interview(self, scenario: Scenario) -> None:
        from voicemock.tui.interview_screen import InterviewScreen

        self.push_screen(InterviewScreen(scenario))

    def resume_interview(self, session: SessionDir) -> None:
        from voicemock.tui.interview_screen import InterviewScreen

        self.push_screen(InterviewScreen(resume=session))

    def retry_question(self, session: SessionDir, number: int) -> None:
        """Answer question ``number`` of a session again (from its debrief): the interview takes the
        debrief's place and brings back the new one, with the attempts side by side."""
        from voicemock.tui.debrief_screen import DebriefScreen
        from voicemock.tui.interview_screen import InterviewScreen

        screen = InterviewScreen(resume=session, retry=number)
        if isinstance(self.screen, DebriefScreen):
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def show_debrief(
        self, session: SessionDir, report: Debrief | None = None, *, question: int | None = None
    ) -> None:
        """Show a session's debrief (``report`` when just built; read from disk otherwise), at ``question``
        when given. Replaces the interview that produced it; otherwise opens on top of the current screen."""
        from voicemock.tui.debrief_screen import DebriefScreen
        from voicemock.tui.interview_screen import InterviewScreen

        if report is None:
            try:
                report = session.debrief()
            except VoicemockError as exc:
                self.notify(str(exc), title="Cannot read that debrief", severity="error", markup=False)
                return
            if report is None:
                self.notify("That session has no debrief yet.", markup=False)
                return
        screen = DebriefScreen(report, session.path, question=question)
        if isinstance(self.screen, InterviewScreen):
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def show_history(self) -> None:
        """History: back to it when it is just below, in place of a debrief, or on top of the picker."""
        from voicemock.tui.debrief_screen import DebriefScreen
        from voicemock.tui.history import HistoryScreen

        below = self.screen_stack[-2] if len(self.screen_stack) > 1 else None
        if isinstance(below, HistoryScreen):
            self.pop_screen()
        elif isinstance(self.screen, DebriefScreen):
            self.switch_screen(HistoryScreen())
        else:
            self.push_screen(HistoryScreen())

    def show_settings(self) -> None:
        from voicemock.tui.settings import SettingsScreen

        self.push_screen(SettingsScreen())

    def show_tailor(self, then: Callable[[], None] | None = None) -> None:
        """Your CV and the job description (from the picker); ``then`` runs when it closes."""
        from voicemock.tui.tailor_screen import TailorScreen

        self.push_screen(TailorScreen(), lambda _: then() if then else None)

    def back(self) -> None:
        """Leave the current screen (the picker, at the bottom, stays)."""
        if len(self.screen_stack) > 1:
            self.pop_screen()

    def prepare_backends(self) -> None:
        """(Re)build the backends in the background, then load the speech model."""
        self._backends_ready.clear()
        self._backends = None
        self._backends_error = None
        self.run_worker(
            self._prepare,
            name="prepare-backends",
            thread=True,
            exclusive=True,
            group="backends",
            exit_on_error=False,
        )

    def _prepare(self) -> None:
        """Thread worker: build backends (may probe the microphone), then load Whisper (first run: seconds)."""
        try:
            backends = self.backends_factory(self.settings)
        except VoicemockError as exc:
            self._backends_error = exc
            self._backends_ready.set()
            self.post_message(BackendsReady(error=str(exc)))
            return
        self._backends = backends
        self._backends_ready.set()
        self.post_message(BackendsReady(notices=list(backends.notices)))
        if not isinstance(backends.transcriber, Loadable):
            return
        load = backends.transcriber.load
        self.post_message(
            ModelLoadChanged("loading", f"Loading the speech model ({backends.transcriber.name})...")
        )
        started = time.monotonic()
        try:
            load()
        except VoicemockError as exc:
            self.post_message(ModelLoadChanged("failed", str(exc)))
            return
        self.post_message(ModelLoadChanged("ready", "Speech model ready", time.monotonic() - started))

    def wait_backends(self, timeout: float = 120.0) -> Backends:
        """Blocking (call from a worker): the backends once built, or the error that stopped them."""
        if not self._backends_ready.wait(timeout):
            raise VoicemockError("audio and speech setup is taking too long", fix="run 'voicemock doctor'")
        if self._backends_error is not None:
            raise self._backends_error
        assert self._backends is not None
        return self._backends

    def on_backends_ready(self, message: BackendsReady) -> None:
        if message.error:
            self.notify(message.error, title="Setup failed", severity="error", timeout=10)
        for notice in message.notices:
            self.notify(notice, timeout=8, markup=False)

    def on_model_load_changed(self, message: ModelLoadChanged) -> None:
        self.model_state = message.state
        self.model_detail = message.detail
        if message.state == "failed":
            self.notify(message.detail, title="Speech model", severity="error", timeout=10, markup=False)
        for screen in self.screen_stack:
            if isinstance(screen, BaseScreen):
                screen.show_model_state(message.state, message.detail)

    # -- the one place worker errors land -----------------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            self.worker_failed(event.worker)

    def worker_failed(self, worker: Worker[Any]) -> None:
        """The one place worker errors land (``Worker.StateChanged`` does not bubble, so every screen
        forwards here): a notification, then the worker's screen returns to a state the user can act on."""
        error = worker.error
        message = str(error) if isinstance(error, VoicemockError) else f"{type(error).__name__}: {error}"
        self.notify(message, title=f"{worker.name} failed", severity="error", timeout=10, markup=False)
        if isinstance(worker.node, BaseScreen) and error is not None:
            worker.node.recover(worker.name, error)

    # -- settings -----------------------------------------------------------------------------------------

    def apply_settings(self, settings: Settings) -> Path:
        """Save new settings and rebuild the backends with them."""
        from voicemock.config import save_settings

        path = save_settings(settings, self.save_settings_to)
        self.settings = settings
        self.prepare_backends()
        return path


def run_app(
    scenario_dirs: Sequence[Path] = (),
    answers: Path | None = None,
    typed: bool = False,
    speech: bool = True,
    **_: Any,
) -> None:
    """Entry point for ``voicemock`` / ``voicemock app``: load settings and scenarios, then run the app."""
    from voicemock import paths
    from voicemock.config import load_settings

    settings = load_settings()
    dirs = [paths.shipped_scenarios_dir(), paths.user_scenarios_dir()]
    dirs += [Path(d).expanduser() for d in settings.scenario_dirs] + [Path(d) for d in scenario_dirs]
    scenarios = ScenarioSet(dirs)

    def factory(current: Settings) -> Backends:
        from voicemock import backends

        return backends.build(current, answers=answers, typed=typed, speech=speech)

    VoiceMockApp(scenarios, settings, SessionStore(), factory).run()
