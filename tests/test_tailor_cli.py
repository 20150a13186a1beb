"""`voicemock run --cv --job` as a user runs it: real files, the real command, the debrief, resume."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from conftest import run_voicemock
from voicemock import backends
from voicemock.config import load_settings
from voicemock.scenario import ScenarioSet
from voicemock.session import TAILORED_SCENARIO, Rehearsal
from voicemock.store import SessionStore
from voicemock.tailoring import read_material, tailored_scenario

FIXTURES = Path(__file__).parent / "data" / "tailor"
CV = FIXTURES / "01-senior-fintech" / "cv.md"
JOB = FIXTURES / "01-senior-fintech" / "job.txt"


def _answers(tmp_path: Path) -> Path:
    d = tmp_path / "answers"
    d.mkdir()
    (d / "1.txt").write_text(
        "I run fraud and risk ML products at Lumen Pay; I want to go deeper into AI products."
    )
    (d / "2.txt").write_text(  # ownership, a user outcome and plain words, but no measured result
        "I personally decided the thresholds and I wrote the launch plan myself. For cardholders, fewer good "
        "payments got blocked by mistake, so paying felt smoother day to day. In plain terms, the model "
        "spots payments that look unusual for that person, a bit like a bank teller who knows you."
    )
    (d / "3.txt").write_text(
        "Mostly ready-made models, and I partnered with data science on the custom ones."
    )
    return d


def test_run_with_cv_and_job_tailors_remembers_and_cites_lines(tmp_path: Path, voicemock_home: Path) -> None:
    args = ("run", "-s", "recruiter-screen", "--answers", str(_answers(tmp_path)), "--json", "--no-speech")
    done = run_voicemock(*args, "--cv", str(CV), "--job", str(JOB), home=voicemock_home, timeout=180)
    assert done.returncode == 0, done.stderr
    assert "Tailored: 3 of 3 questions and 2 follow-ups from cv.md (offline)." in done.stderr
    assert "sent to" not in done.stderr  # the scripted coach: nothing leaves this machine
    report = json.loads(done.stdout)
    assert report["inputs"]["tailoring"].startswith("3 of 3 questions")
    q2 = report["questions"][1]
    assert q2["text"].startswith('Your CV mentions this: "Launched a real-time card fraud model')
    assert q2["tailored_from"][0]["where"] == "line 15" and q2["tailored_from"][0]["file"] == "cv.md"
    assert q2["tailored_from"][0]["for"] == "question"
    session = SessionStore().summaries()[-1].path
    markdown = (session / "debrief.md").read_text(encoding="utf-8")
    assert (
        "_Question tailored from your CV (cv.md, line 15): \u201cLaunched a real-time card fraud model"
        in markdown
    )
    assert (session / TAILORED_SCENARIO).is_file()
    # Remembered in the settings file, so the next run (and the app) tailors without the flags.
    saved = tomllib.loads((voicemock_home / "config.toml").read_text())
    assert saved["tailor"] == {"cv": str(CV.resolve()), "job": str(JOB.resolve())}
    # The next run tailors without the flags; an answer that misses the experiment gets the follow-up
    # that holds the candidate to their own number, and the debrief cites it.
    fraud = tmp_path / "fraud-answers"
    fraud.mkdir()
    (fraud / "1.txt").write_text("Success is lower fraud losses with an approval rate we can live with.")
    (fraud / "2.txt").write_text("I would watch the fraud loss numbers every week after launch.")
    args = ("run", "-s", "fraud-success-metrics", "--answers", str(fraud), "--json", "--no-speech")
    again = run_voicemock(*args, home=voicemock_home, timeout=180)
    assert again.returncode == 0 and "remembered; --no-tailor skips it" in again.stderr, again.stderr
    prove = json.loads(again.stdout)["questions"][1]
    follow = prove["turns"][1]
    assert follow["kind"] == "follow_up" and "31%" in follow["text"] and "your CV says" in follow["text"]
    assert prove["tailored_from"] == [
        {
            "quote": follow["text"].split('"')[1],
            "document": "cv",
            "file": "cv.md",
            "where": "line 15",
            "kind": "claim",
            "for": "follow-up",
        }
    ]
    plain = run_voicemock(*args, "--no-tailor", home=voicemock_home, timeout=180)
    assert plain.returncode == 0 and "tailoring" not in json.loads(plain.stdout)["inputs"]


def test_unreadable_cv_is_a_clear_error_not_a_traceback(tmp_path: Path, voicemock_home: Path) -> None:
    empty = tmp_path / "my cv.pdf"
    empty.write_bytes(b"%PDF-1.4\n%%EOF\n")
    args = ("run", "-s", "recruiter-screen", "--typed", "--no-speech", "--cv", str(empty))
    done = run_voicemock(*args, home=voicemock_home, input="", timeout=60)
    assert done.returncode == 2
    assert done.stderr.startswith("error: CV ") and "my cv.pdf" in done.stderr and "fix:" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (voicemock_home / "config.toml").exists()  # a file that cannot be used is not remembered
    missing = run_voicemock(
        "run",
        "-s",
        "recruiter-screen",
        "--typed",
        "--job",
        str(tmp_path / "nope.md"),
        home=voicemock_home,
        input="",
        timeout=60,
    )
    assert (
        missing.returncode == 2 and "job description" in missing.stderr and "no such file" in missing.stderr
    )


def test_resume_asks_the_tailored_questions(tmp_path: Path, voicemock_home: Path) -> None:
    settings = load_settings()
    settings.speech.enabled = False
    scenarios = ScenarioSet([Path(__file__).parents[1] / "src" / "voicemock" / "scenarios"])
    material = read_material(CV, JOB)
    assert material is not None
    said: list[str] = []
    result = tailored_scenario(scenarios.get("recruiter-screen"), material, settings, None, said.append)
    chosen = backends.build(settings, typed=True, speech=False)
    first = Rehearsal.begin(result.scenario, chosen, SessionStore(), tailoring=result.label)
    first.wait_loaded()
    session = first.session
    resumed = Rehearsal.resume(session, scenarios, backends.build(settings, typed=True, speech=False))
    resumed.wait_loaded()
    assert [q.text for q in resumed.scenario.questions] == [q.text for q in result.scenario.questions]
    assert resumed.scenario.questions[0].text != scenarios.get("recruiter-screen").questions[0].text
    assert session.started["inputs"]["tailoring"] == result.label


def test_progress_ranks_scenarios_for_the_job_description(tmp_path: Path, voicemock_home: Path) -> None:
    job = FIXTURES / "03-health-pdf" / "job.txt"
    done = run_voicemock("progress", "--job", str(job), home=voicemock_home, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "For the job description job.txt, practise:" in done.stdout
    first = next(line for line in done.stdout.splitlines() if line.startswith("  1. "))
    assert "[medical-triage]" in first and "healthcare" in first and "line 19" in first
    assert "voicemock run --scenario medical-triage" in done.stdout
    gone = run_voicemock("progress", "--job", str(tmp_path / "gone.txt"), home=voicemock_home, timeout=60)
    assert gone.returncode == 0 and "cannot rank scenarios" in gone.stderr and "Traceback" not in gone.stderr
