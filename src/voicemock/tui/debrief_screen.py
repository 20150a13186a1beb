"""The debrief: scores with quoted evidence, speech analytics per answer, top improvements, transcripts
with their follow-ups (and who wrote each follow-up), audio replay and Markdown export.

Renders the debrief's JSON form (``debrief.load``), so a fresh debrief and one opened from history look the
same. Every transcript, quote and LLM text is appended to ``Text`` objects: never parsed as markup.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from voicemock import paths
from voicemock.debrief import stats_line
from voicemock.slots import describe
from voicemock.tui.widgets import BaseScreen

if TYPE_CHECKING:
    pass


def _score(score: int | None) -> str:
    return "n/a" if score is None else f"{score}/5"


def shown_path(path: Path) -> str:
    """A path as the user should read it: relative to the data directory when inside it (shorter)."""
    try:
        return str(path.resolve().relative_to(paths.data_dir().resolve()))
    except ValueError:
        return str(path)


def render_report(report: dict[str, Any]) -> Text:
    """The whole debrief as one literal Text (scores, improvements, answers)."""
    t = Text()
    scenario = report.get("scenario", {})
    persona = report.get("persona", {})
    t.append(f"{scenario.get('title', '?')}\n", style="bold")
    t.append(f"with {persona.get('name', '?')} ({persona.get('role', '?')}); {report.get('ended', '')}\n")
    t.append("\nSCORES\n", style="bold")
    for dim in report.get("scores", {}).values():
        t.append(f"{_score(dim.get('score')):>4}  ", style="bold")
        t.append(f"{dim.get('label', '')}", style="bold")
        t.append(f"  ({dim.get('basis', '')})\n")
        for quote in dim.get("evidence", []):
            t.append(f"      + {quote}\n")
        for missing in dim.get("missing", []):
            t.append(f"      - {missing}\n", style="italic")
    t.append("\nTOP IMPROVEMENTS\n", style="bold")
    for n, item in enumerate(report.get("improvements", []), start=1):
        t.append(f"{n}. {item}\n")
    overall = report.get("overall") or {}
    if overall:
        t.append("\nSPEECH OVERALL\n", style="bold")
        t.append(stats_line(overall) + "\n")
    for q in report.get("questions", []):
        t.append(f"\nQ{q.get('number')}. {q.get('text', '')}\n", style="bold")
        for entry in q.get("tailored_from", []):
            t.append(f"   {describe(entry)}\n", style="italic")
        if not q.get("turns"):
            t.append("   not reached\n", style="italic")
            continue
        judged = [d for d in q.get("scores", {}).values() if d.get("score") is not None]
        if judged:
            t.append("   " + "  ".join(f"{d.get('label', '')} {d['score']}/5" for d in judged) + "\n")
        for s in q.get("signals", []):
            mark = "shown  " if s.get("shown") else "missing"
            t.append(f"   {mark} {s.get('label', '')}")
            quotes = [e.get("quote", "") for e in s.get("evidence", [])]
            if quotes:
                t.append(": " + "; ".join(f"\u201c{x}\u201d" for x in quotes))
            t.append("\n")
        for turn in q.get("turns", []):
            kind = turn.get("kind")
            who = {"follow_up": "Follow-up", "repeat": "Re-ask"}.get(kind or "", "Question")
            t.append(f"   {who}", style="bold")
            if kind == "follow_up":
                t.append(f" (from {turn.get('origin', '?')})", style="italic")
            t.append(f": {turn.get('text', '')}\n")
            if turn.get("answer") is not None and turn.get("status") == "answered":
                t.append(f"   You: {turn['answer']}\n")
                meta = [f"source: {turn['source']}"] if turn.get("source") else []
                if turn.get("stats"):
                    meta.append(stats_line(turn["stats"]))
                t.append(f"   {'; '.join(meta)}\n", style="italic")
            else:
                notes = "; ".join(turn.get("notes", []))
                t.append(f"   ({turn.get('status')}{': ' + notes if notes else ''})\n", style="italic")
    for note in report.get("coach_notes", []):
        t.append(
            f"\nCoach ({note.get('origin', '?')}, {note.get('prompt_id', '?')}): {note.get('text', '')}\n"
        )
    for note in report.get("notes", []):
        t.append(f"\nNote: {note}\n", style="italic")
    return t


class ExportScreen(ModalScreen[str | None]):
    """Ask where to copy the Markdown debrief."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, default: str) -> None:
        super().__init__()
        self.default = default

    def compose(self) -> ComposeResult:
        with Vertical(id="export-box"):
            yield Label("Copy the Markdown debrief to (Enter to copy, Escape to cancel):")
            yield Input(value=self.default, id="export-path")

    def on_mount(self) -> None:
        field = self.query_one(Input)
        field.cursor_blink = getattr(self.app, "live", True)
        field.focus()

    @on(Input.Submitted)
    def _done(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class DebriefScreen(BaseScreen):
    """One session's debrief, from the interview just finished or from history."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "play", "Play selected"),
        Binding("x", "export", "Export .md"),
        Binding("tab", "app.focus_next", "Switch pane", show=False),
        Binding("h", "history", "History"),
        Binding("escape", "close", "Back"),
    ]

    def __init__(self, report: dict[str, Any], directory: Path, *, fresh: bool = False) -> None:
        super().__init__()
        self.report = report
        self.directory = directory
        self.fresh = fresh
        self.audio: dict[str, Path] = {}

    def compose(self) -> ComposeResult:
        md = self.directory / "debrief.md"
        yield Static(
            Text(f"Debrief saved: {shown_path(md)}  (x to copy it elsewhere)"),
            id="debrief-path",
            classes="status",
        )
        with VerticalScroll(id="debrief-body"):
            yield Static(render_report(self.report), id="report")
        yield OptionList(*self._recordings(), id="recordings")
        yield Footer()

    def _recordings(self) -> list[Option]:
        """One entry per question audio and answer audio that exists on disk."""
        options: list[Option] = []
        for q in self.report.get("questions", []):
            for turn in q.get("turns", []):
                label = turn.get("prompt_id", "?")
                for role, key in (("question", "question_audio"), ("your answer", "audio")):
                    rel = turn.get(key)
                    if not rel:
                        continue
                    path = self.directory / rel
                    if not path.is_file():
                        continue
                    option_id = f"{label}:{role}"
                    self.audio[option_id] = path
                    options.append(Option(Text(f"Play {role} to {label}"), id=option_id))
        if not options:
            options.append(Option(Text("No recordings in this session"), disabled=True))
        return options

    def on_mount(self) -> None:
        self.query_one("#debrief-body").focus()

    def action_play(self) -> None:
        listing = self.query_one("#recordings", OptionList)
        if listing.highlighted is None:
            listing.focus()
            return
        option = listing.get_option_at_index(listing.highlighted)
        if option.id in self.audio:
            self.play(self.audio[option.id])

    @on(OptionList.OptionSelected, "#recordings")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id in self.audio:
            self.play(self.audio[event.option.id])

    @work(thread=True, exclusive=True, group="replay", exit_on_error=False, name="Replay")
    def play(self, wav: Path) -> None:
        """Thread worker: play through the session's Player (stopping anything already playing)."""
        player = self.vm.wait_backends().player
        if not player.available:
            self.app.call_from_thread(
                self.notify, f"No audio output ({player.reason}). The file is {wav}", markup=False
            )
            return
        player.stop()
        player.play(wav)

    def action_export(self) -> None:
        md = self.directory / "debrief.md"
        default = str(Path.home() / f"voicemock-{self.directory.name}.md")

        def copy(target: str | None) -> None:
            if not target:
                return
            dest = Path(target).expanduser()
            try:
                if dest.is_dir():
                    dest = dest / md.name
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(md, dest)
            except OSError as exc:
                self.notify(f"Could not copy: {exc}", severity="error", markup=False)
                return
            self.notify(f"Copied to {dest}", markup=False)

        self.app.push_screen(ExportScreen(default), copy)

    def action_history(self) -> None:
        from voicemock.tui.history import HistoryScreen

        if isinstance(self.app.screen_stack[-2] if len(self.app.screen_stack) > 1 else None, HistoryScreen):
            self.app.pop_screen()
            return
        self.app.switch_screen(HistoryScreen())

    def action_close(self) -> None:
        self.app.pop_screen()
