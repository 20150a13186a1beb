"""The app's CV & job description screen (picker key c) and a tailored interview, through Pilot."""

from __future__ import annotations

import tomllib
from pathlib import Path

from textual.widgets import Input, Static

from test_tui import conversation, make_app, pick, wait_for, write_answers, your_turn
from tui_fakes import factory
from voicemock.tui.picker import PickerScreen
from voicemock.tui.tailor_screen import TailorScreen

FIXTURES = Path(__file__).parent / "data" / "tailor"
CV = FIXTURES / "03-health-pdf" / "cv.pdf"
JOB = FIXTURES / "03-health-pdf" / "job.txt"


async def test_cv_and_job_chosen_in_the_app_are_checked_remembered_and_used(
    tmp_path: Path, voicemock_home: Path
) -> None:
    answers = write_answers(tmp_path / "answers", {"1.txt": "I lead clinical decision support products."})
    app = make_app(factory(answers))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, TailorScreen))
        # A file that cannot be used is reported here, with its fix, and nothing is saved.
        empty = tmp_path / "empty.txt"
        empty.write_text("")
        app.screen.query_one("#cv-path", Input).value = str(empty)
        await pilot.press("ctrl+s")
        result = app.screen.query_one("#material-result", Static)
        await wait_for(pilot, lambda: "is empty" in str(result.render()))
        assert not (voicemock_home / "config.toml").exists()
        app.screen.query_one("#cv-path", Input).value = str(CV)
        app.screen.query_one("#job-path", Input).value = str(JOB)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
        status = str(app.screen.query_one("#status", Static).render())
        assert "tailored to cv.pdf + job.txt" in status
        saved = tomllib.loads((voicemock_home / "config.toml").read_text())
        assert saved["tailor"] == {"cv": str(CV.resolve()), "job": str(JOB.resolve())}
        await pick(pilot, "recruiter-screen")
        screen = await your_turn(pilot)
        text = " ".join(conversation(screen).split())  # the log wraps long lines
        assert "I see Product Manager, Clinical Decision Support" in text
        assert "Tailored: 3 of 3 questions" in text
    session = sorted((voicemock_home / "sessions").iterdir())[-1]
    assert (session / "scenario.toml").is_file()


def test_the_debrief_screen_says_which_lines_a_question_came_from() -> None:
    """The app and debrief.md draw the same lines (report.document): the source line is among them."""
    from voicemock.debrief import Debrief
    from voicemock.report import document, to_markdown

    report = Debrief.from_dict(
        {
            "questions": [
                {
                    "number": 1,
                    "text": "Your CV mentions this: ...",
                    "turns": [],
                    "tailored_from": [
                        {
                            "quote": "Led the launch",
                            "document": "cv",
                            "file": "cv.pdf",
                            "where": "page 1, line 10",
                            "for": "question",
                        }
                    ],
                }
            ]
        }
    )
    expected = "Question tailored from your CV (cv.pdf, page 1, line 10): \u201cLed the launch\u201d"
    shown = [line.text for section in document(report) for line in section.lines]
    assert expected in shown
    assert expected in to_markdown(report)
