"""Past sessions and practised questions: open a debrief, resume an unfinished interview, see every attempt at
a question over time, and the trend over sessions.

Reading every journal and debrief is file I/O proportional to the history, so it runs in a thread worker.
Columns are sized to the terminal (the scenario title takes what is left, cut with an ellipsis), so nothing
runs off the edge at 80 columns. The progress chart is three sparklines (mean score, fillers per minute,
pace) over finished sessions.
"""

from __future__ import annotations

from statistics import mean
from typing import Any, ClassVar

from rich.console import Group
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.events import Resize
from textual.widgets import DataTable, Footer, Label, Sparkline, Static, TabbedContent, TabPane

from voicemock.progress import QuestionHistory, question_histories, question_text
from voicemock.store import SessionDir, SessionStore
from voicemock.tui.messages import HistoryLoaded
from voicemock.tui.widgets import BaseScreen, Hanging

SCORE_ABBREV = {
    "product_sense": "prod",
    "analytical_rigor": "anal",
    "communication": "comm",
    "behavioral": "star",
    "delivery": "deliv",
}
#: Below this width the per-dimension scores do not fit beside the title: only the mean is shown.
WIDE = 110
TRENDS = (("mean", "score"), ("fillers_per_min", "fillers/min"), ("wpm", "pace"))


def history_rows(store: SessionStore) -> list[dict[str, Any]]:
    """One dict per session, oldest first: summary fields plus mean score, fillers/min and pace."""
    rows: list[dict[str, Any]] = []
    for summary in store.summaries():
        scores = summary.scores
        rows.append(
            {
                "id": summary.id,
                "path": summary.path,
                "title": summary.title,
                "date": summary.started_at[:16].replace("T", " "),
                "finished": summary.finished,
                "status": summary.outcome,
                "answered": summary.answered,
                "retries": summary.retries,
                "scores": scores,
                "mean": mean(scores.values()) if scores else None,
                "fillers_per_min": summary.overall.get("fillers_per_min"),
                "wpm": summary.overall.get("wpm"),
            }
        )
    return rows


def _hanging(line: str) -> Hanging:
    """A line of the attempts table: wrapped lines continue under its text, not at the left edge."""
    lead = len(line) - len(line.lstrip())
    extra = len("what changed: ") if line.lstrip().startswith("what changed: ") else 2
    return Hanging(Text(line.lstrip()), lead + extra, lead)


def _fit(text: str, width: int) -> Text:
    """Literal text cut to ``width`` with an ellipsis (a title never runs into the next column)."""
    if len(text) > width:
        text = text[: max(1, width - 1)].rstrip() + "\u2026"
    return Text(text)


class HistoryScreen(BaseScreen):
    """Every session on this machine, newest first, and every question practised."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open"),
        Binding("left", "tab(-1)", "Sessions/questions", show=False),
        Binding("right", "tab(1)", "Sessions/questions", show=False),
        Binding("escape", "close", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = []
        self.questions: list[QuestionHistory] = []

    def compose(self) -> ComposeResult:
        yield Static(
            Text(
                "History: Enter opens a debrief or resumes a session \u00b7 \u2190\u2192 sessions/questions"
            ),
            classes="status",
        )
        with TabbedContent(id="history-tabs"):
            with TabPane("Sessions", id="tab-sessions"):
                yield DataTable(id="sessions", cursor_type="row", zebra_stripes=True)
            with TabPane("Questions", id="tab-questions"):
                yield DataTable(id="questions", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="progress"):
            for key, label in TRENDS:
                with Vertical(classes="trend"):
                    yield Label(label, id=f"label-{key}")
                    yield Sparkline([], id=f"spark-{key}")
        yield Footer()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#sessions", DataTable))

    def on_screen_resume(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="history", exit_on_error=False, name="Reading history")
    def load(self) -> None:
        store = self.vm.store
        self.post_message(HistoryLoaded(history_rows(store), question_histories(store)))

    def on_history_loaded(self, message: HistoryLoaded) -> None:
        self.rows = list(reversed(message.rows))
        self.questions = sorted(message.questions, key=lambda h: h.points[-1].started_at, reverse=True)
        self.fill()
        finished = [r for r in message.rows if r["finished"]]
        for key, name in TRENDS:
            values = [float(r[key]) for r in finished if r[key] is not None]
            self.query_one(f"#spark-{key}", Sparkline).data = values
            if values:
                last = f"{values[-1]:.1f}" if key == "mean" else f"{values[-1]:.0f}"
                label = f"{name} {last}, {len(values)} session{'s' if len(values) > 1 else ''}"
            else:
                label = f"{name}: none yet" if key == "mean" else f"{name}: no audio yet"
            self.query_one(f"#label-{key}", Label).update(Text(label))

    def on_resize(self, event: Resize) -> None:
        if self.rows or self.questions:
            self.fill()

    def fill(self) -> None:
        """(Re)build both tables with columns sized to the screen's width."""
        table = self.query_one("#sessions", DataTable)
        # What the table can show without scrolling sideways (less a vertical scrollbar, if any).
        width = table.scrollable_content_region.width or self.size.width - 2
        wide = width >= WIDE
        row = table.cursor_row
        table.clear(columns=True)
        fixed = {"date": 16, "status": 11, "ans": 3, "tries": 5, "score": 5}
        details = [
            " ".join(f"{SCORE_ABBREV.get(k, k[:4])} {v:g}" for k, v in r["scores"].items()) for r in self.rows
        ]
        scores_w = max([len("per dimension"), *map(len, details)]) if wide else 0
        title_w = max(12, width - sum(fixed.values()) - scores_w - 2 * (len(fixed) + 1 + bool(wide)))
        table.add_column("date", width=fixed["date"])
        table.add_column("scenario", width=title_w)
        table.add_column("status", width=fixed["status"])
        table.add_column("ans", width=fixed["ans"])
        table.add_column("tries", width=fixed["tries"])
        table.add_column("score", width=fixed["score"])
        if wide:
            table.add_column("per dimension", width=scores_w)
        for r, detail in zip(self.rows, details, strict=True):
            cells: list[Any] = [
                Text(r["date"]),
                _fit(r["title"], title_w),
                Text(r["status"]),
                str(r["answered"]),
                f"+{r['retries']}" if r["retries"] else "",
                f"{r['mean']:.1f}" if r["mean"] is not None else "-",
            ]
            if wide:
                cells.append(Text(detail))
            table.add_row(*cells, key=r["id"])
        if not self.rows:
            table.add_row("", Text("No sessions yet: pick a scenario to start"), *[""] * (4 + wide))
        if self.rows:
            table.move_cursor(row=min(row, len(self.rows) - 1))
        self._fill_questions(width)

    def _fill_questions(self, width: int) -> None:
        table = self.query_one("#questions", DataTable)
        table.clear(columns=True)
        rest = max(24, width - 10 - 5 - 2 * 4)
        question_w = rest // 2
        changes_w = rest - question_w
        table.add_column("last", width=10)
        table.add_column("question", width=question_w)
        table.add_column("tries", width=5)
        table.add_column("what changed last time", width=changes_w)
        for h in self.questions:
            last = h.points[-1]
            changed = next((p.changes for p in reversed(h.points) if p.changes), "")
            table.add_row(
                Text(last.started_at[:10]),
                _fit(h.text, question_w),
                str(len(h.points)),
                _fit(changed or f"{last.shown} of {last.signals} signals shown", changes_w),
                key=h.key,
            )
        if not self.questions:
            table.add_row("", Text("No finished sessions yet"), "", "")

    def action_tab(self, step: int) -> None:
        tabs = self.query_one(TabbedContent)
        tabs.active = "tab-questions" if tabs.active == "tab-sessions" else "tab-sessions"
        self.set_focus(
            self.query_one("#questions" if tabs.active == "tab-questions" else "#sessions", DataTable)
        )

    @on(TabbedContent.TabActivated)
    def _tab_shown(self, event: TabbedContent.TabActivated) -> None:
        which = "#questions" if event.pane.id == "tab-questions" else "#sessions"
        self.set_focus(self.query_one(which, DataTable))

    @on(DataTable.RowSelected, "#sessions")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.open_row(event.cursor_row)

    @on(DataTable.RowSelected, "#questions")
    def _question_selected(self, event: DataTable.RowSelected) -> None:
        self.open_question(event.cursor_row)

    def action_open(self) -> None:
        if self.query_one(TabbedContent).active == "tab-questions":
            self.open_question(self.query_one("#questions", DataTable).cursor_row)
        else:
            self.open_row(self.query_one("#sessions", DataTable).cursor_row)

    def open_row(self, index: int) -> None:
        if not 0 <= index < len(self.rows):
            return
        row = self.rows[index]
        session = SessionDir(row["path"])
        if row["finished"]:
            self.vm.show_debrief(session)
        else:
            self.vm.resume_interview(session)

    def open_question(self, index: int) -> None:
        if 0 <= index < len(self.questions):
            self.app.push_screen(AttemptsScreen(self.questions[index]))

    def action_close(self) -> None:
        self.vm.back()


class AttemptsScreen(BaseScreen):
    """Every attempt at one question over time: the same table as ``voicemock progress --question``."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Back")]

    def __init__(self, history: QuestionHistory) -> None:
        super().__init__()
        self.history = history

    def compose(self) -> ComposeResult:
        yield Static(Text(f"Attempts at {self.history.key}"), classes="status")
        with VerticalScroll(id="attempts"):
            yield Static(Group(*(_hanging(line) for line in question_text(self.history).splitlines())))
        yield Footer()

    def action_close(self) -> None:
        self.vm.back()
