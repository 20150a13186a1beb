"""Helpers for driving the real app through Textual's Pilot: build it, wait for workers, read the screen.

``screen_text`` reads what is on screen from the app's own SVG screenshot (the same picture the snapshot
tests store), so tests can say "nothing is cut off" about the text a user would see.
"""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from textual import events
from textual.pilot import Pilot
from textual.widgets import RichLog

from voicemock import paths
from voicemock.config import Settings
from voicemock.scenario import ScenarioSet
from voicemock.store import SessionStore
from voicemock.tui.app import VoiceMockApp
from voicemock.tui.debrief_screen import DebriefScreen
from voicemock.tui.interview_screen import InterviewScreen
from voicemock.tui.picker import PickerScreen

SCENARIO = "fraud-success-metrics"

#: Q1 misses most signals on purpose, so the scripted coach follows up.
WEAK_Q1 = "I would look at how many fraud cases we catch."
FOLLOW_UP_1 = (
    "A stolen card hurts the cardholder, and a card declined at the checkout hurts a good customer. "
    "Our success metric is fraud loss in basis points with the approval rate held steady."
)
GOOD_Q2 = (
    "I would run an A/B test with a holdout group so we can separate the model's effect. "
    "The risk is that false declines spike, so we monitor the decline rate weekly and have a rollback plan."
)
STRONG_Q1 = (
    "The people hurt today are cardholders who find charges they never made, and honest shoppers whose "
    "payments we wrongly decline. Success means fraud losses fall by twenty percent while the approval rate "
    "stays above ninety eight percent. We trade off a little recall for precision, because blocking good "
    "customers churns them, and a false decline costs us the sale."
)


class Clock:
    """A clock the test moves by hand (answer timers and spinners read it)."""

    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def write_answers(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


def make_app(
    make_backends: Callable[[Settings], Any], clock: Callable[[], float] | None = None
) -> VoiceMockApp:
    scenarios = ScenarioSet([paths.shipped_scenarios_dir(), paths.user_scenarios_dir()])
    return VoiceMockApp(
        scenarios, Settings(), SessionStore(), make_backends, clock=clock or (lambda: 100.0), live=False
    )


async def wait_for(pilot: Pilot[Any], condition: Callable[[], bool], timeout: float = 90.0) -> None:
    """Let workers and message handlers run until ``condition`` holds (fails the test on timeout).

    The timeout is generous: it only bounds a hang. On a shared, loaded machine (CI) loading Whisper and the
    rubric model alone has taken over 15 s; a condition that holds returns at once."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            screen = pilot.app.screen
            detail = conversation(screen) if isinstance(screen, InterviewScreen) else ""
            raise AssertionError(
                f"timed out waiting; screen={screen!r} phase={getattr(screen, 'phase', '')}\n{detail}"
            )
        await pilot.pause(0.02)


def interview(app: Any) -> InterviewScreen:
    screen = app.screen
    assert isinstance(screen, InterviewScreen), screen
    return screen


async def your_turn(pilot: Pilot[Any]) -> InterviewScreen:
    await wait_for(
        pilot, lambda: isinstance(pilot.app.screen, InterviewScreen) and pilot.app.screen.phase == "your_turn"
    )
    return interview(pilot.app)


def conversation(screen: InterviewScreen) -> str:
    log = screen.query_one("#conversation", RichLog)
    return "\n".join(strip.text for strip in log.lines)


async def answer_until_debrief(pilot: Pilot[Any], limit: int = 8) -> int:
    """Press space on every turn (missing answer files just move on) until the debrief shows."""
    app = pilot.app
    for presses in range(limit):
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, DebriefScreen)
                or (isinstance(app.screen, InterviewScreen) and app.screen.phase == "your_turn")
            ),
        )
        if isinstance(app.screen, DebriefScreen):
            return presses
        await pilot.press("space")
    raise AssertionError("the interview did not end")


async def pick(pilot: Pilot[Any], scenario_id: str = SCENARIO) -> None:
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, PickerScreen))
    await pilot.press("slash")
    await pilot.press(*scenario_id)
    await pilot.press("enter", "enter")


def burst(app: Any, keys: Iterable[str]) -> None:
    """Send keys the way a paste or a fast typist does: all queued at once, none waiting for the last."""
    assert app._driver is not None
    for key in keys:
        name = {"/": "slash", " ": "space"}.get(key, key)
        char = key if len(key) == 1 else {"enter": "\r", "ctrl+j": "\n"}.get(key)
        event = events.Key(name, char)
        event.set_sender(app)
        app._driver.send_message(event)


def svg_text(svg: str) -> list[str]:
    """The rows of text in a Textual SVG screenshot, as a terminal would show them."""
    rows: dict[float, list[tuple[float, str]]] = {}
    pattern = r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)" textLength="[\d.]+"[^>]*>(.*?)</text>'
    for m in re.finditer(pattern, svg):
        rows.setdefault(float(m[2]), []).append((float(m[1]), html.unescape(m[3])))
    out = []
    for y in sorted(rows):
        line = ""
        for x, text in sorted(rows[y]):
            line = line.ljust(round(x / 12.2)) + text
        out.append(line.rstrip().replace("\u00a0", " "))
    return out


def screen_text(app: Any) -> list[str]:
    """What is on screen now, row by row."""
    return svg_text(app.export_screenshot())


def make_session(
    tmp_path: Path,
    answers: dict[str, str],
    scenario_id: str = SCENARIO,
    *,
    name: str | None = None,
    end_early_after: int | None = None,
    speech: bool = True,
) -> Path:
    """A session made by the real Rehearsal from answer files (text, or WAV paths given as "@/path").

    ``end_early_after``: end the interview (as ``e`` does) after that many prompts. ``name`` renames the
    directory (fixed names keep snapshots stable). ``speech``: False leaves no question audio (speech off).
    """
    import shutil

    from tui_fakes import ToneSpeaker
    from voicemock.backends import build
    from voicemock.session import Rehearsal

    directory = tmp_path / f"answers-{len(list(tmp_path.glob('answers-*')))}"
    directory.mkdir()
    for file, text in answers.items():
        if text.startswith("@"):
            shutil.copy(text[1:], directory / file)
        else:
            (directory / file).write_text(text, encoding="utf-8")
    backends = build(Settings(), answers=directory, speech=False)
    backends.speaker = ToneSpeaker() if speech else None
    scenario = ScenarioSet([paths.shipped_scenarios_dir()]).get(scenario_id)
    rehearsal = Rehearsal.begin(scenario, backends, SessionStore(), reask_on_silence=False)
    if end_early_after is None:
        rehearsal.run()
    else:
        prompt = rehearsal.current
        for _ in range(end_early_after):
            assert prompt is not None
            prompt = rehearsal.answer(prompt)
        rehearsal.end()
        rehearsal.finish()
    rehearsal.close()  # as the process that wrote it would on exit: the app under test opens it next
    path = rehearsal.session.path
    if name is not None:
        path = path.rename(path.with_name(name))
    return path


def active_tab(screen: Any) -> str | None:
    """The active tab of a screen's TabbedContent, or None while it is not composed yet."""
    from textual.css.query import NoMatches
    from textual.widgets import TabbedContent

    try:
        return screen.query_one(TabbedContent).active or None
    except NoMatches:
        return None
