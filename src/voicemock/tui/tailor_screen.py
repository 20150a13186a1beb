"""Your CV and the job description, from the picker (key ``c``): paths checked, remembered in settings.

The files are read in a thread worker when saved (a PDF takes a moment), so a file that cannot be used is
reported here, with its fix, rather than when an interview starts. ``tailoring_support.tailor_for_session``
is what the interview's start worker calls: the same tailoring as ``voicemock run --cv --job``.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Footer, Header, Input, Label, Static

from voicemock.config import remember
from voicemock.errors import VoicemockError
from voicemock.tui.tailoring_support import material_summary
from voicemock.tui.widgets import BaseScreen


class MaterialChecked(Message):
    """The worker read the files: ``problem`` is None when both can be used."""

    def __init__(self, cv: str | None, job: str | None, problem: str | None, summary: str) -> None:
        super().__init__()
        self.cv = cv
        self.job = job
        self.problem = problem
        self.summary = summary


class TailorScreen(BaseScreen):
    """Two paths, checked and remembered; empty both to practise untailored."""

    AUTO_FOCUS = "#cv-path"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save"),
        Binding("escape", "close", "Back"),
    ]

    def compose(self) -> ComposeResult:
        tailor = self.vm.settings.tailor
        yield Header(show_clock=False)
        with VerticalScroll(id="settings-form"):
            yield Static(
                Text(
                    "Questions and follow-ups can quote your own CV and the job description, word for word. "
                    "The files stay on this machine unless an LLM endpoint is set to write the scenario "
                    "(voicemock says so first)."
                )
            )
            yield Label("Your CV (.txt, .md, .pdf or .docx; empty = none)")
            yield Input(value=tailor.cv or "", id="cv-path")
            yield Label("The job description (.txt, .md, .pdf or .docx; empty = none)")
            yield Input(value=tailor.job or "", id="job-path")
            yield Static(id="material-result")
            with Horizontal(classes="row"):
                yield Button("Save", id="save-material", variant="primary")
                yield Button("Cancel", id="cancel-material")
        yield Footer()

    def on_mount(self) -> None:
        for field in self.query(Input):
            field.cursor_blink = self.vm.live

    def action_save(self) -> None:
        from pathlib import Path

        cv = self.query_one("#cv-path", Input).value.strip() or None
        job = self.query_one("#job-path", Input).value.strip() or None
        cv = str(Path(cv).expanduser().resolve()) if cv else None
        job = str(Path(job).expanduser().resolve()) if job else None
        self.query_one("#material-result", Static).update(Text("Reading the files..."))
        self.check(cv, job)

    @work(thread=True, exclusive=True, group="material", exit_on_error=False, name="Reading your files")
    def check(self, cv: str | None, job: str | None) -> None:
        from voicemock.tailoring import read_material

        try:
            material = read_material(cv, job)
        except VoicemockError as exc:
            self.post_message(MaterialChecked(cv, job, str(exc), ""))
            return
        summary = ""
        if material is not None and material.profile is not None:
            p = material.profile
            summary = (
                f"{len(p.roles)} roles, {len(p.projects)} projects, {len(p.claims)} claims, "
                f"{len(p.skills)} skills found in {material.cv.name if material.cv else 'the CV'}"
            )
        if material is not None and material.posting is not None:
            summary += ("; " if summary else "") + f"{len(material.posting.requirements)} requirements"
        self.post_message(MaterialChecked(cv, job, None, summary))

    def on_material_checked(self, message: MaterialChecked) -> None:
        if message.problem is not None:
            self.query_one("#material-result", Static).update(Text(message.problem))
            return
        try:
            remember("tailor", {"cv": message.cv, "job": message.job}, self.vm.save_settings_to)
        except (OSError, VoicemockError) as exc:
            self.query_one("#material-result", Static).update(Text(f"Could not save: {exc}"))
            return
        self.vm.settings.tailor.cv = message.cv
        self.vm.settings.tailor.job = message.job
        note = material_summary(message.cv, message.job) or "not tailored"
        self.notify(f"Saved: {note}. {message.summary}".strip(), markup=False)
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#save-material")
    def _save(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel-material")
    def _cancel(self) -> None:
        self.action_close()

    def recover(self, worker_name: str, error: BaseException) -> None:
        self.query_one("#material-result", Static).update(Text(f"{worker_name} failed: {error}"))
