"""Tailoring a session to the candidate: read the CV and job description, then fill the scenario.

The CLI and the app call the same two functions. ``read_material`` reads and extracts both files (a file
that cannot be used raises ``DocumentError`` with a clear message). ``tailored_scenario`` asks a language
model for a tailored scenario file when one is configured for it, saying first where the files will go,
and on any failure (or without one) fills the scenario's slots offline. Nothing here sends anything
itself: the ``ScenarioWriter`` does, and only after the notice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from voicemock import paths
from voicemock.config import Settings
from voicemock.documents import Document, read_document
from voicemock.extract import CandidateProfile, JobProfile, extract_cv, extract_job
from voicemock.protocols import ScenarioWriter
from voicemock.scenario import Scenario
from voicemock.tailor import Tailored, rank_scenarios, tailor
from voicemock.tailor_llm import TailorError, generate

Say = Callable[[str], object]


@dataclass(frozen=True)
class Material:
    """The candidate's CV and the job description, read and extracted (either may be missing)."""

    cv: Document | None = None
    job: Document | None = None
    profile: CandidateProfile | None = None
    posting: JobProfile | None = None

    @property
    def files(self) -> str:
        """e.g. "CV cv.pdf and job description job.md"."""
        parts = [f"{d.role} {d.name}" for d in (self.cv, self.job) if d is not None]
        return " and ".join(parts)

    @property
    def notes(self) -> tuple[str, ...]:
        return tuple(n for d in (self.cv, self.job) if d is not None for n in d.notes)


def read_material(cv: Path | str | None, job: Path | str | None) -> Material | None:
    """Read and extract the CV and job description; None when neither is given."""
    if not cv and not job:
        return None
    cv_doc = read_document(Path(cv), "CV") if cv else None
    job_doc = read_document(Path(job), "job description") if job else None
    return Material(
        cv=cv_doc,
        job=job_doc,
        profile=extract_cv(cv_doc) if cv_doc else None,
        posting=extract_job(job_doc) if job_doc else None,
    )


def tailored_scenario(
    base: Scenario,
    material: Material,
    settings: Settings,
    writer: ScenarioWriter | None,
    say: Say,
    *,
    directory: Path | None = None,
) -> Tailored:
    """``base`` tailored to ``material``: written by ``writer`` if there is one, else (or if that fails)
    offline. ``say`` is told, before anything leaves this machine, where it goes."""
    for note in material.notes:
        say(note)
    if writer is not None:
        model = writer.name.removeprefix("llm:")
        where = writer.destination
        timeout = settings.tailor.llm_timeout
        if where is not None:
            say(
                f"Your {material.files} will be sent to {where} to write a tailored scenario "
                "(set tailor.llm = false to keep them on this machine)."
            )
        else:
            say(f"Writing a tailored scenario with {model} on this machine (up to {timeout:g} s).")
        try:
            result = generate(
                base,
                material.cv,
                material.job,
                writer,
                directory or paths.user_scenarios_dir(),
                timeout=timeout,
            )
        except TailorError as exc:
            say(
                f"Could not write a tailored scenario with {model} ({exc.message}); tailoring offline instead."
            )
        else:
            for note in result.notes:
                say(note)
            return result
    elif settings.llm.is_remote():
        host = settings.llm.resolved_base_url() or "api.openai.com"
        say(f"The questions quote your {material.files}; they go to {host} with your answers for follow-ups.")
    result = tailor(base, material.profile, material.posting)
    for note in result.notes:
        say(note)
    return result


def practise_next_text(job: Path, scenarios: Iterable[Scenario], top: int = 3) -> str:
    """ "Practise next" for a job description: the scenarios that exercise what it emphasises, with the
    requirement lines that say so (plain text for the terminal)."""
    document = read_document(job, "job description")
    fits = rank_scenarios(extract_job(document), scenarios, top=top)
    lines = [f"For the job description {document.name}, practise:"]
    for n, fit in enumerate(fits, 1):
        lines.append(f"  {n}. {fit.scenario.title} [{fit.scenario.id}]: {fit.describe()}")
    if fits:
        lines.append(f"  voicemock run --scenario {fits[0].scenario.id}")
    return "\n".join(lines) + "\n"
