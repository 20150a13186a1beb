"""Scenario slots: how a question or follow-up can quote the candidate's CV or the job description.

A slot is optional and sits next to the text it can replace. ``fill`` names the kind of fact it takes; its
``text`` holds one placeholder of that name, e.g. ``"Your CV says \\"{claim}\\". How did you measure it?"``.
Without a CV (or when no fact fits) the question is asked exactly as written, so every scenario still
works untailored. A tailored question keeps, in ``based_on``, the quote it inserted and where in which
file it came from; the debrief shows it. These are plain data models (part of the scenario schema in
``scenario.py``); choosing the fact is ``tailor.py``'s job.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SlotKind = Literal["project", "claim", "role", "skill", "requirement"]
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")

#: What each kind of fact is, for scenario authors and the LLM prompt.
KIND_HELP = {
    "project": "a piece of work from the CV, e.g. a launched feature",
    "claim": "a quantified claim from the CV, e.g. 'cut churn 12%'",
    "role": "a job title (and employer) from the CV, most recent first",
    "skill": "one item of the CV's skills list",
    "requirement": "a requirement or responsibility the job description emphasises",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Slot(_Strict):
    """Where a question (or a signal's follow-up) can take a fact from the CV or job description."""

    fill: SlotKind
    """The kind of fact: project, claim, role, skill (from the CV) or requirement (from the job description)."""
    text: Annotated[str, Field(min_length=1, max_length=2000)]
    """The text to say instead when a fact fits, with ``{<fill>}`` where the quote goes."""
    prefer: tuple[Annotated[str, Field(min_length=1, max_length=80)], ...] = Field((), max_length=30)
    """Words that make a fact a better fit for this question (plain text, case-insensitive)."""
    ai_only: bool = False
    """Only fill with a fact about AI or machine learning; otherwise ask the question as written."""

    @model_validator(mode="after")
    def _one_placeholder(self) -> Slot:
        names = PLACEHOLDER.findall(self.text)
        if names != [self.fill]:
            raise ValueError(
                f"slot text must hold {{{self.fill}}} exactly once (and no other placeholder); found "
                + (", ".join("{" + n + "}" for n in names) or "none")
            )
        leftover = PLACEHOLDER.sub("", self.text)
        if "{" in leftover or "}" in leftover:
            raise ValueError("slot text has a stray '{' or '}'")
        return self

    def render(self, quote: str) -> str:
        """The slot's text with ``quote`` in place of the placeholder (the quote is inserted as is)."""
        return self.text.replace("{" + self.fill + "}", quote)


class Source(_Strict):
    """Where a tailored question's inserted words came from: a verbatim quote, its file and line."""

    quote: Annotated[str, Field(min_length=1, max_length=600)]
    document: Literal["cv", "job"]
    file: Annotated[str, Field(min_length=1, max_length=300)]
    """The file's name (not its full path, which may hold the user's name)."""
    where: Annotated[str, Field(min_length=1, max_length=60)]
    """"line 14", "page 2, line 3" or "paragraph 7"."""
    kind: SlotKind | None = None

    def describe(self) -> str:
        """e.g. 'your CV (cv.pdf, page 1, line 12)'."""
        what = "your CV" if self.document == "cv" else "the job description"
        return f"{what} ({self.file}, {self.where})"


def provenance(question: object, asked: Iterable[str] = ()) -> list[dict[str, str]]:
    """Where a question's tailored words came from, for the debrief: the main question's sources, then
    those of each follow-up in ``asked`` (the texts actually asked). Each entry is a ``Source`` as a dict
    plus ``"for"``: "question" or "follow-up"."""
    said = set(asked)
    out = [{**s.model_dump(exclude_none=True), "for": "question"} for s in getattr(question, "based_on", ())]
    for ref in getattr(question, "signals", ()):
        if ref.follow_up in said:
            out += [{**s.model_dump(exclude_none=True), "for": "follow-up"} for s in ref.based_on]
    return out


def describe(entry: dict[str, str]) -> str:
    """One debrief line for a ``provenance`` entry."""
    what = "your CV" if entry.get("document") == "cv" else "the job description"
    who = "Question" if entry.get("for") == "question" else "Follow-up"
    return f"{who} tailored from {what} ({entry.get('file')}, {entry.get('where')}): \u201c{entry.get('quote')}\u201d"
