"""Tailoring as the app uses it, without any screen: the picker's one-line summary of the remembered CV and
job description, and the tailoring an interview's start worker applies (the same as ``run --cv --job``).

Kept apart from ``tailor_screen`` so that the picker and the interview need no other screen's module.
"""

from __future__ import annotations

from collections.abc import Callable

from voicemock.config import Settings
from voicemock.scenario import Scenario


def material_summary(cv: str | None, job: str | None) -> str:
    """One line for the picker's status bar, e.g. "tailored to cv.pdf + job.md"."""
    from pathlib import Path

    names = [Path(p).name for p in (cv, job) if p]
    return "tailored to " + " + ".join(names) if names else ""


def tailor_for_session(
    scenario: Scenario, settings: Settings, say: Callable[[str], object]
) -> tuple[Scenario, str | None]:
    """For a starting interview (in its thread worker): ``scenario`` tailored to the remembered CV and job
    description, and the label for the session's inputs; unchanged when none are set. A file that can no
    longer be read raises ``DocumentError`` (the start fails with that message)."""
    from voicemock import backends
    from voicemock.tailoring import read_material, tailored_scenario

    material = read_material(settings.tailor.cv, settings.tailor.job)
    if material is None:
        return scenario, None
    result = tailored_scenario(scenario, material, settings, backends.build_scenario_writer(settings), say)
    say(f"Tailored: {result.label}.")
    return result.scenario, result.label
