"""The settings screen: the voice, the microphone, how an answer ends, the follow-up coach and the speech
model, saved to ``config.toml``.

Sections are headed and the form scrolls between a fixed header and a fixed button bar, so Save is always on
screen (80x24 too). Choices with a few options are radio sets rather than drop-downs: a drop-down near the
bottom of a small terminal opens over the footer. A value the settings reject is reported in the same words
as a bad ``config.toml`` (``config.invalid_settings``).
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Footer, Header, Input, Label, RadioButton, RadioSet, Static, Switch

from voicemock.config import Settings, invalid_settings
from voicemock.tui.messages import LevelMeasured, ProbeFinished
from voicemock.tui.widgets import BaseScreen, LevelMeter

END_MODES = (
    ("key", "Press space again"),
    ("hands-free", "Hands-free: when you stop talking (space still ends it)"),
    ("silence", "Space, or a long silence"),
)
COACHES = (
    ("scripted", "Scripted (offline)"),
    ("openai", "OpenAI-compatible endpoint"),
    ("local", "Local GGUF model"),
)


def _radio(options: tuple[tuple[str, str], ...], current: str, id: str) -> RadioSet:
    return RadioSet(
        *(RadioButton(label, value=value == current, name=value) for value, label in options), id=id
    )


def _chosen(radios: RadioSet, default: str) -> str:
    pressed = radios.pressed_button
    return pressed.name if pressed is not None and pressed.name else default


class SettingsScreen(BaseScreen):
    """Voice, microphone, answer ending, LLM coach and Whisper model; saved to the config file."""

    TITLE = "Settings"
    SUB_TITLE = "saved to config.toml"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save"),
        Binding("escape", "close", "Back"),
    ]

    def compose(self) -> ComposeResult:
        s = self.vm.settings
        yield Header(show_clock=False)
        with VerticalScroll(id="settings-form"):
            yield Static("Speech", classes="section")
            with Horizontal(classes="row"):
                yield Switch(value=s.speech.enabled, id="speech")
                yield Label("Speak the questions aloud (off: shown as text only)", classes="beside")
            yield Static("Microphone", classes="section")
            yield Label("Input device: a name or number from 'voicemock devices' (empty: the default)")
            with Horizontal(classes="row"):
                yield Input(value=str(s.audio.input_device or ""), id="input-device")
                yield Button("Test level", id="test-level")
            yield LevelMeter(id="test-meter")
            yield Label("How an answer ends")
            yield _radio(END_MODES, s.audio.end_mode, "end-mode")
            yield Label("Silence that ends an answer, in seconds (in the silence mode)")
            yield Input(value=f"{s.audio.silence_seconds:g}", id="silence-seconds")
            with Horizontal(classes="row"):
                yield Switch(value=s.audio.barge_in, id="barge-in")
                yield Label("Interrupt the interviewer by speaking (headphones only)", classes="beside")
            yield Button("Echo check: do the speakers reach the microphone?", id="test-echo")
            yield Static("Follow-up coach", classes="section")
            yield _radio(COACHES, s.llm.coach, "coach")
            yield Label("Endpoint (base URL; empty: OPENAI_BASE_URL or api.openai.com)")
            yield Input(value=s.llm.base_url or "", id="base-url")
            yield Label("Model")
            with Horizontal(classes="row"):
                yield Input(value=s.llm.model, id="model")
                yield Button("Test connection", id="test-llm")
            yield Label("Seconds to wait for a follow-up before using the scripted one")
            yield Input(value=f"{s.llm.timeout:g}", id="llm-timeout")
            yield Static("Speech to text", classes="section")
            yield Label("Whisper model ('bundled', or a CTranslate2 model directory)")
            yield Input(value=s.whisper.model, id="whisper-model")
        yield Static(id="probe-result")
        with Horizontal(id="settings-buttons"):
            yield Button("Save", id="save", variant="primary")
            yield Button("Cancel", id="cancel")
        yield Footer()

    def on_mount(self) -> None:
        for field in self.query(Input):
            field.cursor_blink = self.vm.live

    def collect(self) -> Settings:
        """The edited settings; ``VoicemockError`` (worded as for a bad config.toml) for a rejected value."""
        from pydantic import ValidationError

        data: dict[str, Any] = self.vm.settings.model_dump()
        data["speech"]["enabled"] = self.query_one("#speech", Switch).value
        data["audio"]["input_device"] = self.query_one("#input-device", Input).value.strip() or None
        data["audio"]["end_mode"] = _chosen(self.query_one("#end-mode", RadioSet), "key")
        data["audio"]["silence_seconds"] = self.query_one("#silence-seconds", Input).value.strip()
        data["audio"]["barge_in"] = self.query_one("#barge-in", Switch).value
        data["llm"]["coach"] = _chosen(self.query_one("#coach", RadioSet), "scripted")
        data["llm"]["base_url"] = self.query_one("#base-url", Input).value.strip() or None
        data["llm"]["model"] = self.query_one("#model", Input).value.strip() or "gpt-4o-mini"
        data["llm"]["timeout"] = self.query_one("#llm-timeout", Input).value.strip()
        data["whisper"]["model"] = self.query_one("#whisper-model", Input).value.strip() or "bundled"
        api_key = self.vm.settings.llm.api_key
        try:
            settings = Settings.model_validate(data)
        except ValidationError as exc:
            raise invalid_settings(exc, "the settings screen") from None
        settings.llm.api_key = api_key
        return settings

    def action_save(self) -> None:
        from voicemock.errors import VoicemockError

        try:
            settings = self.collect()
        except VoicemockError as exc:
            self.query_one("#probe-result", Static).update(Text(f"Not saved: {exc}"))
            self.notify(str(exc), title="Not saved", severity="error", markup=False, timeout=10)
            return
        path = self.vm.apply_settings(settings)
        self.notify(f"Saved to {path}", markup=False)
        self.vm.back()

    def action_close(self) -> None:
        self.vm.back()

    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.action_close()

    def _probe_settings(self) -> Settings | None:
        from voicemock.errors import VoicemockError

        try:
            return self.collect()
        except VoicemockError as exc:
            self.query_one("#probe-result", Static).update(Text(f"Cannot test: {exc}"))
            return None

    @on(Button.Pressed, "#test-llm")
    def _test_llm(self) -> None:
        settings = self._probe_settings()
        if settings is not None:
            self.query_one("#probe-result", Static).update(Text("Testing the LLM endpoint..."))
            self.test_llm(settings)

    @work(thread=True, exclusive=True, group="probe-llm", exit_on_error=False)
    def test_llm(self, settings: Settings) -> None:
        """Thread worker: one short request to the endpoint (uses the coach module's probe if present)."""
        try:
            from voicemock.backends import openai_coach
        except ImportError:
            self.post_message(ProbeFinished("llm", False, "the OpenAI-compatible coach is not installed"))
            return
        ok, detail = openai_coach.probe_endpoint(settings.llm)
        self.post_message(ProbeFinished("llm", bool(ok), str(detail)))

    @on(Button.Pressed, "#test-echo")
    def _test_echo(self) -> None:
        settings = self._probe_settings()
        if settings is not None:
            self.query_one("#probe-result", Static).update(Text("Echo check: playing a short sound..."))
            self.test_echo(settings)

    @work(thread=True, exclusive=True, group="probe-echo", exit_on_error=False)
    def test_echo(self, settings: Settings) -> None:
        """Thread worker: play a chirp and listen for it; with echo, audio barge-in must stay off."""
        from voicemock.errors import VoicemockError

        try:
            from voicemock.backends.echo import check_echo

            found = check_echo(settings.audio.input_device, settings.speech.output_device)
        except (ImportError, VoicemockError) as exc:
            self.post_message(ProbeFinished("echo", False, f"could not run: {exc}"))
            return
        self.post_message(ProbeFinished("echo", not found.heard, found.advice))

    @on(Button.Pressed, "#test-level")
    def _test_level(self) -> None:
        settings = self._probe_settings()
        if settings is not None:
            self.query_one("#probe-result", Static).update(
                Text("Speak now: measuring the input level for 3 s...")
            )
            self.test_level(settings)

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

        from voicemock.protocols import LiveHooks, LiveWiring

        recorder = MicrophoneRecorder(settings.audio)
        recorder.connect(LiveWiring(hooks=LiveHooks(on_level=level)))
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
        what = {"llm": "LLM endpoint", "echo": "Echo check"}.get(message.what, "Microphone")
        if message.what == "echo" and not message.ok:
            self.query_one("#barge-in", Switch).value = False  # the speakers would interrupt themselves
        verdict = "ok" if message.ok else "problem"
        self.query_one("#probe-result", Static).update(Text(f"{what}: {verdict}: {message.detail}"))
        self.notify(
            f"{what}: {message.detail}", severity="information" if message.ok else "warning", markup=False
        )

    def recover(self, worker_name: str, error: BaseException) -> None:
        self.query_one("#probe-result", Static).update(Text(f"Test failed: {error}"))
