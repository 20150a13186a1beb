"""Past sessions: open a debrief, resume an unfinished interview, and see progress over sessions.

Reading every journal and debrief is file I/O proportional to the history, so it runs in a thread worker.
The progress chart is three sparklines (mean score, fillers per minute, pace) over finished sessions.
"""

from __future__ import annotations

import json
from statistics import mean
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Label, Sparkline, Static

from voicemock.store import SessionDir
from voicemock.tui.messages import HistoryLoaded
from voicemock.tui.widgets import BaseScreen

if TYPE_CHECKING:
    pass

SCORE_ABBREV = {
    "product_sense": "prod",
    "analytical_rigor": "anal",
    "communication": "comm",
    "behavioral": "star",
    "delivery": "deliv",
}


def history_rows(store: Any) -> list[dict[str, Any]]:
    """One dict per session, oldest first: summary fields plus mean score, fillers/min and pace."""
    rows: list[dict[str, Any]] = []
    for summary in store.summaries():
        overall: dict[str, Any] = {}
        if summary.finished:
            try:
                data = json.loads((summary.path / "debrief.json").read_text(encoding="utf-8"))
                overall = data.get("overall") or {}
            except (OSError, json.JSONDecodeError):
                overall = {}
        scores = summary.scores
        rows.append(
            {
                "id": summary.id,
                "path": summary.path,
                "title": summary.title,
                "date": summary.started_at[:16].replace("T", " "),
                "finished": summary.finished,
                "answered": summary.answered,
                "scores": scores,
                "mean": mean(scores.values()) if scores else None,
                "fillers_per_min": overall.get("fillers_per_min"),
                "wpm": overall.get("wpm"),
            }
        )
    return rows


class HistoryScreen(BaseScreen):
    """Every session on this machine, newest first."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open / resume"),
        Binding("escape", "close", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        yield Static(
            Text("History: Enter opens a debrief or resumes an unfinished session"), classes="status"
        )
        yield DataTable(id="sessions", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="progress"):
            for key, label in (
                ("mean", "mean score"),
                ("fillers_per_min", "fillers/min"),
                ("wpm", "pace wpm"),
            ):
                with Vertical(classes="trend"):
                    yield Label(label, id=f"label-{key}")
                    yield Sparkline([], id=f"spark-{key}")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#sessions", DataTable)
        table.add_columns("date", "scenario", "status", "ans", "scores")
        table.focus()

    def on_screen_resume(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="history", exit_on_error=False, name="Reading history")
    def load(self) -> None:
        self.post_message(HistoryLoaded(history_rows(self.vm.store)))

    def on_history_loaded(self, message: HistoryLoaded) -> None:
        self.rows = list(reversed(message.rows))
        table = self.query_one("#sessions", DataTable)
        table.clear()
        for row in self.rows:
            scores = " ".join(f"{SCORE_ABBREV.get(k, k[:4])} {v:g}" for k, v in row["scores"].items())
            status = "done" if row["finished"] else "resume"
            table.add_row(
                Text(row["date"]),
                Text(row["title"][:34]),
                Text(status),
                str(row["answered"]),
                Text(scores),
                key=row["id"],
            )
        if not self.rows:
            table.add_row("", Text("No sessions yet: pick a scenario to start"), "", "", "")
        finished = [r for r in message.rows if r["finished"]]
        for key in ("mean", "fillers_per_min", "wpm"):
            values = [float(r[key]) for r in finished if r[key] is not None]
            self.query_one(f"#spark-{key}", Sparkline).data = values
            last = f"{values[-1]:.1f}" if values else "n/a"
            name = {"mean": "mean score", "fillers_per_min": "fillers/min", "wpm": "pace wpm"}[key]
            self.query_one(f"#label-{key}", Label).update(Text(f"{name}: {last} ({len(values)} sessions)"))

    @on(DataTable.RowSelected, "#sessions")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.open_row(event.cursor_row)

    def action_open(self) -> None:
        self.open_row(self.query_one("#sessions", DataTable).cursor_row)

    def open_row(self, index: int) -> None:
        if not 0 <= index < len(self.rows):
            return
        row = self.rows[index]
        if row["finished"]:
            from voicemock.errors import VoicemockError
            from voicemock.tui.debrief_screen import DebriefScreen

            try:
                report = SessionDir(row["path"]).debrief()
            except VoicemockError as exc:
                self.notify(f"Cannot read that debrief: {exc}", severity="error", markup=False)
                return
            if report is not None:
                self.app.push_screen(DebriefScreen(report.to_dict(), row["path"]))
        else:
            from voicemock.tui.interview_screen import InterviewScreen

            self.app.push_screen(InterviewScreen(resume=SessionDir(row["path"])))

    def action_close(self) -> None:
        self.app.pop_screen()
