"""The practice picker: scenarios grouped by round, a filter that ranks what it finds, and the way to history
and settings.

Scenario titles and descriptions are user-editable TOML: they are shown as ``Text`` (never markup).

The filter is reached with ``/``, or by simply typing on the list (any letter that is not a key of this
screen). ``/`` is a priority binding that moves the focus at once, so the keys that follow it in the same
burst (a paste of ``/fraud``) land in the filter rather than in the list that had the focus when they
arrived; typing on the list leaves the focus where it is, for the same reason.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import ClassVar

from rich.console import Group
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.events import Key
from textual.widgets import Footer, Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from voicemock import paths
from voicemock.scenario import Round, Scenario
from voicemock.tui.tailoring_support import material_summary
from voicemock.tui.widgets import BaseScreen, Hanging

ROUND_LABELS = {
    Round.RECRUITER_SCREEN: "Recruiter screen",
    Round.PRODUCT_SENSE: "Product sense",
    Round.TECHNICAL: "Technical",
    Round.COLLABORATION: "Collaboration",
    Round.STAKEHOLDER: "Stakeholder",
    Round.LEADERSHIP: "Leadership",
}

#: How much a query word found in each field counts: the title names what you practise, the persona who
#: asks, the description only hints (a word in the description must not outrank a word in a title).
FIELD_WEIGHTS = (("title", 8.0), ("persona", 4.0), ("round", 3.0), ("description", 1.0))


def _is_users(scenario: Scenario) -> bool:
    """True for scenarios that do not ship with voicemock (the user's own directory or --scenarios)."""
    shipped = paths.shipped_scenarios_dir().resolve()
    return bool(scenario.source) and shipped not in Path(scenario.source).resolve().parents


def match_score(scenario: Scenario, query: str) -> float:
    """How well ``scenario`` matches every word of ``query`` (0: some word is found nowhere).

    A word at the start of a word in a field counts fully, inside a word half as much; the best field counts.
    """
    fields = {
        "title": f"{scenario.title} {scenario.id}",
        "persona": f"{scenario.persona.name} {scenario.persona.role}",
        "round": ROUND_LABELS[scenario.round],
        "description": scenario.description,
    }
    total = 0.0
    for word in query.lower().split():
        best = 0.0
        for name, weight in FIELD_WEIGHTS:
            text = fields[name].lower()
            if re.search(r"(?<![a-z0-9])" + re.escape(word), text):
                best = max(best, weight)
            elif word in text:
                best = max(best, weight / 2)
        if best == 0.0:
            return 0.0
        total += best
    return total


def scenario_option(scenario: Scenario, with_round: bool = False) -> Option:
    """One picker row: title, then persona, question count and rough length (all literal text), each
    wrapping with a hanging indent."""
    title = Text(scenario.title, style="bold")
    if _is_users(scenario):
        title.append("  (yours)", style="italic")
    where = f"{ROUND_LABELS[scenario.round]} \u00b7 " if with_round else ""
    details = Text(
        f"{where}{scenario.persona.name}, {scenario.persona.role} \u00b7 {len(scenario.questions)} questions"
        f" \u00b7 ~{scenario.minutes} min"
    )
    return Option(Group(Hanging(title, 2), Hanging(details, 2, 2)), id=scenario.id)


class FilterInput(Input):
    """The filter box: Enter or Down go to the results, Escape clears the filter and goes back to the list.

    Priority bindings act as each key arrives, so in a burst ("/fraud" Enter Enter) the second Enter already
    finds the list focused and starts the scenario. Enter typed before the app has taken over the terminal
    arrives as Ctrl+J (the terminal's line discipline turned it into a newline), so that counts as Enter.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,ctrl+j,down", "results", "Results", show=False, priority=True),
        Binding("escape", "clear", "Clear filter", priority=True),
    ]

    def action_results(self) -> None:
        self.screen.set_focus(self.screen.query_one("#scenarios"))

    def action_clear(self) -> None:
        self.value = ""
        self.action_results()


class PickerScreen(BaseScreen):
    """Choose what to practise; also the home screen for history and settings."""

    AUTO_FOCUS = "#scenarios"
    """The list, not the filter: otherwise the first key press (h, o, /) is typed into the filter."""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "start", "Start"),
        Binding("ctrl+j", "start", "Start", show=False),
        Binding("slash", "filter", "Filter", priority=True),
        Binding("h", "history", "History"),
        Binding("o", "settings", "Settings"),
        Binding("c", "tailor", "CV & job"),
        Binding("q", "app.quit", "Quit"),
    ]

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield FilterInput(placeholder="/ to filter: title, persona, round...", id="filter")
        with Horizontal(id="picker-body"):
            yield OptionList(id="scenarios")
            with VerticalScroll(id="scenario-detail"):
                yield Static(id="detail")
        yield Static(id="status", classes="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#filter", Input).cursor_blink = self.vm.live
        self.fill("")
        errors = self.vm.scenarios.errors
        if errors:
            self.notify(
                f"{len(errors)} scenario file(s) could not be loaded; run 'voicemock scenarios' for details.",
                severity="warning",
                markup=False,
            )

    def fill(self, query: str) -> None:
        """Rebuild the list: with no query, a heading per round; with one, the matches best first."""
        q = query.strip()
        options: list[Option] = []
        if q:
            ranked = sorted(
                ((match_score(s, q), i, s) for i, s in enumerate(self.vm.scenarios)),
                key=lambda t: (-t[0], t[1]),
            )
            options = [scenario_option(s, with_round=True) for score, _, s in ranked if score > 0]
        else:
            current: Round | None = None
            for scenario in self.vm.scenarios:
                if scenario.round != current:
                    current = scenario.round
                    options.append(Option(Text(ROUND_LABELS[current].upper(), style="bold"), disabled=True))
                options.append(scenario_option(scenario))
        self.matches = sum(1 for o in options if not o.disabled)
        listing = self.query_one("#scenarios", OptionList)
        listing.clear_options()
        if not options:
            listing.add_option(
                Option(Text(f"No scenario matches {q!r}: Esc clears the filter"), disabled=True)
            )
            self.query_one("#detail", Static).update("")
        else:
            listing.add_options(options)
            listing.highlighted = next(i for i, o in enumerate(options) if not o.disabled)
        self.show_status(q)

    def show_status(self, query: str = "") -> None:
        total = len(self.vm.scenarios)
        if query:
            found = f"{self.matches} of {total} scenarios match {query!r}"
            line = f"{found} \u00b7 Enter start \u00b7 Esc clear" if self.matches else found
        else:
            line = f"{total} scenarios \u00b7 Enter start \u00b7 / filter \u00b7 h history \u00b7 o settings"
            tailored = material_summary(self.vm.settings.tailor.cv, self.vm.settings.tailor.job)
            line += f" \u00b7 c {tailored or 'CV & job'}"
        state, detail = self.vm.model_state, self.vm.model_detail
        if state in ("loading", "failed"):
            line += f" \u00b7 {detail}"
        self.query_one("#status", Static).update(Text(line))

    @on(Input.Changed, "#filter")
    def _filtered(self, event: Input.Changed) -> None:
        self.fill(event.value)

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
        if scenario is not None:
            self.vm.start_interview(scenario)

    def action_filter(self) -> None:
        """Focus the filter now (not later, as ``focus()`` would): the next keys must land in it."""
        field = self.query_one("#filter", Input)
        if self.focused is field:
            field.insert_text_at_cursor("/")
            return
        self.set_focus(field)

    def on_key(self, event: Key) -> None:
        """Letters typed on the list (other than this screen's keys) filter it; Backspace and Escape edit
        that filter. The list keeps the focus, so a fast burst of letters arrives in order."""
        listing = self.query_one("#scenarios", OptionList)
        if self.focused not in (None, listing):
            return
        field = self.query_one("#filter", Input)
        char = event.character
        if event.key == "backspace" and field.value:
            field.value = field.value[:-1]
        elif event.key == "escape" and field.value:
            field.value = ""
        elif (
            char and len(char) == 1 and (char.isalnum() or char in "-' ") and event.key not in self._own_keys()
        ):
            if char == " " and not field.value:
                return
            field.value += char
        else:
            return
        field.cursor_position = len(field.value)
        event.stop()

    def _own_keys(self) -> set[str]:
        """The letters bound on this screen (h, o, c, q ...): they act, they never filter."""
        return {b.key for b in self.BINDINGS if isinstance(b, Binding) and len(b.key) == 1}

    def action_history(self) -> None:
        self.vm.show_history()

    def action_settings(self) -> None:
        self.vm.show_settings()

    def action_tailor(self) -> None:
        self.vm.show_tailor(lambda: self.show_status(self.query_one("#filter", Input).value.strip()))

    def show_model_state(self, state: str, detail: str) -> None:
        self.show_status(self.query_one("#filter", Input).value.strip())
