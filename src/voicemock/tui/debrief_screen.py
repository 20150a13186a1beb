"""The debrief: the summary and one tab per question, drawn from the same lines as ``debrief.md``
(``voicemock.report.document``), with every quote and recording playable and every question retryable.

Each tab is a list the cursor moves through line by line. On a quote with times (``\u25b6``), ``p`` or Enter
plays exactly that sentence of the answer; on a recording, the whole recording. ``a`` answers the
selected question again as a new attempt, and the debrief that comes back opens on it, the attempts side by
side. Long lines wrap with a hanging indent, past their marker. Every transcript, quote and LLM text is
literal ``Text``: never parsed as markup.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path
from typing import ClassVar

from rich.console import Group
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.widgets import Footer, OptionList, Static, TabbedContent, TabPane
from textual.widgets.option_list import Option

from voicemock import paths
from voicemock.debrief import Debrief
from voicemock.report import Clip, Line, Section, document
from voicemock.store import SessionDir
from voicemock.tui.dialogs import ExportScreen
from voicemock.tui.widgets import BaseScreen, Hanging

PLAY = "\u25b6"


def shown_path(path: Path) -> str:
    """A path as the user should read it: relative to the data directory when inside it (shorter)."""
    try:
        return str(path.resolve().relative_to(paths.data_dir().resolve()))
    except ValueError:
        return str(path)


def _table(rows: tuple[tuple[str, ...], ...]) -> Text:
    """A small table as aligned columns (the first column wraps nothing: labels are short)."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = Text()
    for n, row in enumerate(rows):
        for i, cell in enumerate(row):
            out.append(
                cell.ljust(widths[i]) + ("  " if i < len(row) - 1 else ""), style="bold" if n == 0 else ""
            )
        out.append("\n")
    out.rstrip()
    return out


def render_line(line: Line) -> Hanging | Text | Group:
    """One debrief line as the app draws it (the same line ``debrief.md`` writes as Markdown)."""
    pad = 2 * line.indent
    if line.kind == "title":
        return Text(line.text, style="bold")
    if line.kind == "heading":
        return Hanging(Text(line.text, style="bold reverse" if line.question is None else "bold"), 2)
    if line.kind == "subheading":
        return Hanging(Text(line.text, style="bold italic"), 2)
    if line.kind == "table":
        if len(line.rows[0]) == 3 and line.rows[0][0] == "Dimension":
            return _scores(line.rows)
        return _table(line.rows)
    if line.kind in ("text", "meta"):
        return Hanging(Text(line.text, style="italic" if line.kind == "meta" else ""), pad + 2, pad)
    if line.kind == "audio":
        return Hanging(Text(f"{PLAY} {line.text}", style="bold"), pad + 2, pad)
    if line.kind == "quote":
        marker = f"{PLAY} " if line.clip else "  "
        return Hanging(Text(marker) + Text(line.text, style="italic"), pad + 2, pad)
    marker = line.marker + " " if line.marker else ""
    body = Text(marker, style="bold") + Text(line.text)
    if line.kind in ("prompt", "answer"):
        return Hanging(body, pad + 2, pad)
    return Hanging(body, pad + len(marker), pad)


def _scores(rows: tuple[tuple[str, ...], ...]) -> Group:
    """The summary's scores: one line each, score first, then the dimension and its basis (hanging)."""
    lines = []
    for label, score, basis in rows[1:]:
        text = Text(f"{score:>4}  ", style="bold") + Text(label, style="bold") + Text(f": {basis}")
        lines.append(Hanging(text, 6))
    return Group(*lines)


class DebriefScreen(BaseScreen):
    """One session's debrief, from the interview just finished or from history."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "play", "Play"),
        Binding("a", "retry", "Try again"),
        Binding("x", "export", "Export .md"),
        Binding("h", "history", "History"),
        Binding("left", "section(-1)", "Section", show=False),
        Binding("right", "section(1)", "Section", show=False),
        Binding("escape", "close", "Back"),
    ]

    def __init__(self, report: Debrief, directory: Path, *, question: int | None = None) -> None:
        super().__init__()
        self.report = report
        self.directory = directory
        self.question = question
        self.sections: list[Section] = document(report)
        self.lines: dict[str, Line] = {}
        """Option id -> the debrief line it shows."""

    def compose(self) -> ComposeResult:
        title = Text(f"Debrief: {self.report.scenario.get('title', '?')} \u00b7 {self.report.ended}")
        title.no_wrap, title.overflow = True, "ellipsis"
        yield Static(title, id="debrief-title", classes="status")
        # No ``initial`` tab: under load Textual can validate it before the tabs exist; ``on_mount`` picks it.
        with TabbedContent(id="sections"):
            for section in self.sections:
                with TabPane(section.tab, id=section.key):
                    yield OptionList(
                        *self._options(section), id=f"lines-{section.key}", classes="debrief-lines"
                    )
        yield Footer()

    def _options(self, section: Section) -> Iterable[Option]:
        lines = list(section.lines)
        if section.key == "summary":
            md = shown_path(self.directory / "debrief.md")
            lines.append(Line("meta", f"Saved as {md} (x copies it elsewhere)."))
        for i, line in enumerate(lines):
            if line.kind == "title":
                continue  # the screen's own title line says it
            option_id = f"{section.key}-{i}"
            self.lines[option_id] = line
            yield Option(render_line(line), id=option_id)

    def on_mount(self) -> None:
        if self.question:
            self.call_after_refresh(self.show_question, self.question)
        self._focus_list()

    @on(TabbedContent.TabActivated)
    def _tab(self, event: TabbedContent.TabActivated) -> None:
        self._focus_list()

    def _focus_list(self) -> None:
        # Also called after a refresh, when the screen may already be on its way out: then nothing to do.
        with suppress(NoMatches):
            active = self.query_one(TabbedContent).active
            if active:
                self.set_focus(self.query_one(f"#lines-{active}", OptionList))

    def selected(self) -> Line | None:
        active = self.query_one(TabbedContent).active
        listing = self.query_one(f"#lines-{active}", OptionList)
        if listing.highlighted is None:
            return None
        return self.lines.get(listing.get_option_at_index(listing.highlighted).id or "")

    # -- actions ------------------------------------------------------------------------------------------

    def action_section(self, step: int) -> None:
        keys = [s.key for s in self.sections]
        tabs = self.query_one(TabbedContent)
        tabs.active = keys[(keys.index(tabs.active) + step) % len(keys)]

    def show_question(self, number: int) -> None:
        with suppress(NoMatches):
            self.query_one(TabbedContent).active = f"q{number}"

    @on(OptionList.OptionSelected, ".debrief-lines")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        line = self.lines.get(event.option.id or "")
        if line is None:
            return
        if line.clip is not None:
            self.play(line.clip)
        elif line.question is not None and self.query_one(TabbedContent).active == "summary":
            self.show_question(line.question)

    def action_play(self) -> None:
        line = self.selected()
        if line is not None and line.clip is not None:
            self.play(line.clip)
            return
        has_audio = any(t.audio or t.question_audio for q in self.report.questions for t in q.turns)
        if not has_audio:
            message = "This session has no recordings: the answers were typed or came from text files."
        elif line is not None and line.kind == "quote":
            message = "That answer was typed, so there is no recording of this sentence."
        else:
            message = f"Nothing to play on this line: move to a {PLAY} line (a quote with its time, or a recording)."
        self.notify(message, markup=False)

    @work(thread=True, exclusive=True, group="replay", exit_on_error=False, name="Replay")
    def play(self, clip: Clip) -> None:
        """Thread worker: play a recording, or only the quoted sentence of it, through the session's Player."""
        from voicemock.audio import cut
        from voicemock.errors import VoicemockError

        wav = self.directory / clip.path
        if not wav.is_file():
            self.app.call_from_thread(self.notify, f"The recording is missing: {wav}", markup=False)
            return
        player = self.vm.wait_backends().player
        if not player.available:
            self.app.call_from_thread(
                self.notify, f"No audio output ({player.reason}). The file is {wav}", markup=False
            )
            return
        player.stop()
        if clip.start is None or clip.end is None:
            player.play(wav)
            return
        with tempfile.TemporaryDirectory() as tmp:
            try:
                part = cut(wav, clip.start, clip.end, Path(tmp) / "quote.wav")
            except VoicemockError as exc:
                self.app.call_from_thread(self.notify, str(exc), markup=False)
                return
            player.play(part)

    def action_retry(self) -> None:
        """Answer the selected question (or this tab's) again, as a new attempt."""
        line = self.selected()
        active = self.query_one(TabbedContent).active
        number = line.question if line is not None and line.question else None
        if number is None and active.startswith("q"):
            number = int(active[1:])
        if number is None:
            self.notify(
                "Move to a question first (under Questions, or on its tab), then press a.", markup=False
            )
            return
        self.vm.retry_question(SessionDir(self.directory), number)

    def action_export(self) -> None:
        md = self.directory / "debrief.md"
        default = f"~/voicemock-{self.directory.name}.md"  # short enough to read whole in the box

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

        self.app.push_screen(ExportScreen(default, self.vm.live), copy)

    def action_history(self) -> None:
        self.vm.show_history()

    def action_close(self) -> None:
        self.vm.back()
