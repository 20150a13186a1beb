"""The practice picker (scenarios grouped by round, with a filter) and the settings view.

Scenario titles and descriptions are user-editable TOML: they are shown as ``Text`` (never markup).
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Footer, Header, Input, Label, OptionList, Select, Static, Switch
from textual.widgets.option_list import Option

from voicemock import paths
from voicemock.config import Settings
from voicemock.scenario import Round, Scenario
from voicemock.tui.messages import LevelMeasured, ProbeFinished
from voicemock.tui.widgets import BaseScreen, LevelMeter

if TYPE_CHECKING:
    pass

ROUND_LABELS = {
    Round.RECRUITER_SCREEN: "Recruiter screen",
    Round.PRODUCT_SENSE: "Product sense",
    Round.TECHNICAL: "Technical",
    Round.COLLABORATION: "Collaboration",
    Round.STAKEHOLDER: "Stakeholder",
    Round.LEADERSHIP: "Leadership",
}


def _is_users(scenario: Scenario) -> bool:
    """True for scenarios that do not ship with voicemock (the user's own directory or --scenarios)."""
    shipped = paths.shipped_scenarios_dir().resolve()
    return bool(scenario.source) and shipped not in Path(scenario.source).resolve().parents


def scenario_option(scenario: Scenario) -> Option:
    """One picker row: title, then persona, question count and rough length (all literal text)."""
    text = Text(scenario.title, style="bold")
    if _is_users(scenario):
        text.append("  (yours)", style="italic")
    text.append(
        f"\n  {scenario.persona.name}, {scenario.persona.role} \u00b7 {len(scenario.questions)} questions"
        f" \u00b7 ~{scenario.minutes} min"
    )
    return Option(text, id=scenario.id)


class PickerScreen(BaseScreen):
    """Choose what to practise; also the home screen for history and settings."""

    AUTO_FOCUS = "#scenarios"
    """The list, not the filter: otherwise the first key press (h, o, /) is typed into the filter."""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "start", "Start", show=True),
        Binding("slash", "filter", "Filter"),
        Binding("h", "history", "History"),
        Binding("o", "settings", "Settings"),
        Binding("c", "tailor", "CV & job"),
        Binding("q", "quit", "Quit"),
    ]

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Input(placeholder="Filter scenarios (title, persona, round)...", id="filter")
        with Horizontal(id="picker-body"):
            yield OptionList(id="scenarios")
            with VerticalScroll(id="scenario-detail"):
                yield Static(id="detail")
        yield Static(id="status", classes="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#filter", Input).cursor_blink = self.vm.live
        self.fill("")
        self.show_model_state(self.vm.model_state, self.vm.model_detail)
        errors = self.vm.scenarios.errors
        if errors:
            self.notify(
                f"{len(errors)} scenario file(s) could not be loaded; run 'voicemock scenarios' for details.",
                severity="warning",
                markup=False,
            )

    def fill(self, query: str) -> None:
        """Rebuild the list: a heading per round, the matching scenarios under it."""
        q = query.strip().lower()
        options: list[Option | None] = []
        current: Round | None = None
        for scenario in self.vm.scenarios:
            haystack = " ".join(
                [
                    scenario.id,
                    scenario.title,
                    scenario.description,
                    scenario.persona.name,
                    scenario.persona.role,
                    ROUND_LABELS[scenario.round],
                ]
            ).lower()
            if q and q not in haystack:
                continue
            if scenario.round != current:
                current = scenario.round
                options.append(Option(Text(ROUND_LABELS[current].upper(), style="bold"), disabled=True))
            options.append(scenario_option(scenario))
        listing = self.query_one("#scenarios", OptionList)
        listing.clear_options()
        if not options:
            listing.add_option(Option(Text(f"No scenario matches {query!r}"), disabled=True))
            self.query_one("#detail", Static).update("")
            return
        listing.add_options(options)
        for index, option in enumerate(options):
            if option is not None and not option.disabled:
                listing.highlighted = index
                break

    @on(Input.Changed, "#filter")
    def _filtered(self, event: Input.Changed) -> None:
        self.fill(event.value)

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.query_one("#scenarios", OptionList).focus()

    @on(OptionList.OptionHighlighted, "#scenarios")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        scenario = self.vm.scenarios.scenarios.get(event.option.id or "")
        if scenario is None:
            return
        persona = scenario.persona
        text = Text()
        text.append(scenario.title + "\n", style="bold")
        text.append(
            f"{ROUND_LABELS[scenario.round]} \u00b7 {len(scenario.questions)} questions \u00b7 ~{scenario.minutes} min\n\n"
        )
        text.append(scenario.description + "\n\n")
        text.append(f"{persona.name}", style="bold")
        text.append(f", {persona.role}\n{persona.temperament}\n", style="italic")
        text.append(f"pushback: {persona.pushback}, audience: {persona.audience}")
        self.query_one("#detail", Static).update(text)

    @on(OptionList.OptionSelected, "#scenarios")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.start(event.option.id)

    def action_start(self) -> None:
        listing = self.query_one("#scenarios", OptionList)
        if listing.highlighted is None:
            return
        self.start(listing.get_option_at_index(listing.highlighted).id)

    def start(self, scenario_id: str | None) -> None:
        scenario = self.vm.scenarios.scenarios.get(scenario_id or "")
        if scenario is None:
            return
        from voicemock.tui.interview_screen import InterviewScreen

        self.app.push_screen(InterviewScreen(scenario))

    def action_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_history(self) -> None:
        from voicemock.tui.history import HistoryScreen

        self.app.push_screen(HistoryScreen())

    def action_settings(self) -> None:
        self.app.push_screen(SettingsScreen())

    def action_tailor(self) -> None:
        from voicemock.tui.tailor_screen import TailorScreen

        self.app.push_screen(TailorScreen(), lambda _: self.show_model_state(self.vm.model_state, ""))

    def show_model_state(self, state: str, detail: str) -> None:
        status = self.query_one("#status", Static)
        count = len(self.vm.scenarios)
        line = f"{count} scenarios \u00b7 Enter to start \u00b7 h history \u00b7 o settings"
        from voicemock.tui.tailor_screen import material_summary

        tailored = material_summary(self.vm.settings.tailor.cv, self.vm.settings.tailor.job)
        line += f" \u00b7 c {tailored or 'your CV & job'}"
        if state in ("loading", "failed"):
            line += f" \u00b7 {detail}"
        status.update(Text(line))


# ---------------------------------------------------------------------------------------------------------


class SettingsScreen(BaseScreen):
    """Voice, microphone, answer ending, LLM coach and Whisper model; saved to the config file."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save"),
        Binding("escape", "close", "Back"),
    ]

    def compose(self) -> ComposeResult:
        s = self.vm.settings
        yield Header(show_clock=False)
        with VerticalScroll(id="settings-form"):
            yield Label("Speak the questions")
            yield Switch(value=s.speech.enabled, id="speech")
            yield Label("Input device (name or index; empty = system default)")
            with Horizontal(classes="row"):
                yield Input(value=str(s.audio.input_device or ""), id="input-device")
                yield Button("Test level", id="test-level")
            yield LevelMeter(id="test-meter")
            yield Label("How an answer ends")
            yield Select(
                [("Press space again", "key"), ("Space, or a long silence", "silence")],
                value=s.audio.end_mode,
                allow_blank=False,
                id="end-mode",
            )
            yield Label("Follow-up coach")
            yield Select(
                [
                    ("Scripted (offline)", "scripted"),
                    ("OpenAI-compatible endpoint", "openai"),
                    ("Local GGUF", "local"),
                ],
                value=s.llm.coach,
                allow_blank=False,
                id="coach",
            )
            yield Label("LLM endpoint (base URL; empty = OPENAI_BASE_URL or api.openai.com)")
            yield Input(value=s.llm.base_url or "", id="base-url")
            yield Label("LLM model")
            with Horizontal(classes="row"):
                yield Input(value=s.llm.model, id="model")
                yield Button("Test connection", id="test-llm")
            yield Label("Whisper model ('bundled' or a CTranslate2 model directory)")
            yield Input(value=s.whisper.model, id="whisper-model")
            yield Static(id="probe-result")
            with Horizontal(classes="row"):
                yield Button("Save", id="save", variant="primary")
                yield Button("Cancel", id="cancel")
        yield Footer()

    def on_mount(self) -> None:
        for field in self.query(Input):
            field.cursor_blink = self.vm.live

    def collect(self) -> Settings:
        """The edited settings (validated by pydantic; a bad value raises with the field named)."""
        data: dict[str, Any] = self.vm.settings.model_dump()
        data["speech"]["enabled"] = self.query_one("#speech", Switch).value
        data["audio"]["input_device"] = self.query_one("#input-device", Input).value.strip() or None
        data["audio"]["end_mode"] = self.query_one("#end-mode", Select).value
        data["llm"]["coach"] = self.query_one("#coach", Select).value
        data["llm"]["base_url"] = self.query_one("#base-url", Input).value.strip() or None
        data["llm"]["model"] = self.query_one("#model", Input).value.strip() or "gpt-4o-mini"
        data["whisper"]["model"] = self.query_one("#whisper-model", Input).value.strip() or "bundled"
        api_key = self.vm.settings.llm.api_key
        settings = Settings.model_validate(data)
        settings.llm.api_key = api_key
        return settings

    def action_save(self) -> None:
        from pydantic import ValidationError

        try:
            settings = self.collect()
        except ValidationError as exc:
            self.notify(str(exc), title="Not saved", severity="error", markup=False)
            return
        path = self.vm.apply_settings(settings)
        self.notify(f"Saved to {path}", markup=False)
        self.app.pop_screen()

    def action_close(self) -> None:
        self.app.pop_screen()

    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.action_close()

    @on(Button.Pressed, "#test-llm")
    def _test_llm(self) -> None:
        self.query_one("#probe-result", Static).update(Text("Testing the LLM endpoint..."))
        self.test_llm(self.collect())

    @work(thread=True, exclusive=True, group="probe-llm", exit_on_error=False)
    def test_llm(self, settings: Settings) -> None:
        """Thread worker: one short request to the endpoint (uses the coach module's probe if present)."""
        try:
            from voicemock.backends import openai_coach
        except ImportError:
            self.post_message(ProbeFinished("llm", False, "the OpenAI-compatible coach is not installed"))
            return
        probe = getattr(openai_coach, "probe_endpoint", None)
        if probe is None:
            self.post_message(ProbeFinished("llm", False, "this version cannot test the endpoint"))
            return
        ok, detail = probe(settings.llm)
        self.post_message(ProbeFinished("llm", bool(ok), str(detail)))

    @on(Button.Pressed, "#test-level")
    def _test_level(self) -> None:
        self.query_one("#probe-result", Static).update(
            Text("Speak now: measuring the input level for 3 s...")
        )
        self.test_level(self.collect())

    @work(thread=True, exclusive=True, group="probe-mic", exit_on_error=False)
    def test_level(self, settings: Settings) -> None:
        """Thread worker: record 3 s from the chosen device, posting levels to the meter; keep nothing."""
        try:
            from voicemock.backends.microphone import MicrophoneRecorder
        except ImportError:
            self.post_message(ProbeFinished("mic", False, "live microphone support is not installed"))
            return
        from voicemock.errors import VoicemockError
        from voicemock.models import Prompt, PromptKind

        peak: list[float] = [-120.0]

        def level(db: float) -> None:
            peak[0] = max(peak[0], db)
            self.post_message(LevelMeasured(db))

        recorder = MicrophoneRecorder(settings.audio, on_level=level)
        timer = threading.Timer(3.0, recorder.finish)
        prompt = Prompt("level-test", "level-test", PromptKind.QUESTION, "level test", 30, 0)
        with tempfile.TemporaryDirectory() as tmp:
            timer.start()
            try:
                recorder.record(prompt, Path(tmp) / "level.wav")
            except VoicemockError as exc:
                self.post_message(ProbeFinished("mic", False, str(exc)))
                return
            finally:
                timer.cancel()
        ok = peak[0] > -60
        detail = f"peak {peak[0]:.0f} dBFS" + ("" if ok else ": nearly silent (muted, or the wrong device?)")
        self.post_message(ProbeFinished("mic", ok, detail))

    def on_level_measured(self, message: LevelMeasured) -> None:
        self.query_one("#test-meter", LevelMeter).db = message.db

    def on_probe_finished(self, message: ProbeFinished) -> None:
        what = "LLM endpoint" if message.what == "llm" else "Microphone"
        verdict = "ok" if message.ok else "problem"
        self.query_one("#probe-result", Static).update(Text(f"{what}: {verdict}: {message.detail}"))
        self.notify(
            f"{what}: {message.detail}", severity="information" if message.ok else "warning", markup=False
        )

    def recover(self, worker_name: str, error: BaseException) -> None:
        self.query_one("#probe-result", Static).update(Text(f"Test failed: {error}"))
