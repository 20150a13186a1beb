"""Scenarios: a persona, its questions and each question's rubric, loaded from TOML.

A broken file must never surface as a traceback: ``load_scenario`` raises ``ScenarioError`` naming the file,
the line (when it can be located) and the field path, and what is wrong.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from voicemock import signals
from voicemock.errors import ScenarioError
from voicemock.slots import Slot, Source


class Round(StrEnum):
    """The rounds of an AI PM interview loop."""

    RECRUITER_SCREEN = "recruiter-screen"
    PRODUCT_SENSE = "product-sense"
    TECHNICAL = "technical"
    COLLABORATION = "collaboration"
    STAKEHOLDER = "stakeholder"
    LEADERSHIP = "leadership"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


NonEmpty = Annotated[str, Field(min_length=1)]


class Voice(_Strict):
    """How a persona sounds: an espeak-ng voice (language+variant), speed in words per minute and pitch."""

    espeak: NonEmpty = "en-us"
    """espeak-ng voice name with optional variant, e.g. ``en-us+m3``, ``en-gb-x-rp+f2``."""
    rate: int = Field(165, ge=80, le=320)
    """Words per minute."""
    pitch: int = Field(50, ge=0, le=99)
    """espeak-ng pitch, 0-99."""


class Persona(_Strict):
    """The interviewer the candidate is talking to."""

    name: NonEmpty
    role: NonEmpty
    temperament: NonEmpty
    """A few words on manner, e.g. "warm, curious" or "blunt, impatient with jargon"."""
    pushback: Literal["gentle", "firm", "hard"] = "firm"
    """How hard the persona pushes back on gaps and unsupported claims."""
    audience: Literal["technical", "business", "general"] = "general"
    """Who the listener is: governs how much ML jargon is acceptable without translation."""
    voice: Voice = Voice()
    jargon: dict[str, str] = Field(default_factory=dict)
    """Extra terms this listener needs translated, mapped to a plain alternative."""


class SignalRef(_Strict):
    """A rubric signal wanted in a question's answer, with the persona's follow-up if it is missing."""

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    follow_up: NonEmpty
    """What the persona asks when the answer misses this signal, in the persona's own voice."""
    keywords: tuple[str, ...] = ()
    """Extra words or phrases that count as evidence for this question (plain text, case-insensitive)."""
    strong: str | None = None
    """What a strong answer to *this* question would contain; overrides the catalogue's generic line."""
    label: str | None = None
    patterns: tuple[str, ...] = ()
    """Regexes for a signal that is not in the catalogue (requires ``label``)."""
    slot: Slot | None = None
    """A version of ``follow_up`` that quotes the CV or job description (see ``slots.py``)."""
    based_on: tuple[Source, ...] = ()
    """Filled in by tailoring: what ``follow_up`` quotes, and from where."""

    @field_validator("patterns")
    @classmethod
    def _patterns_compile(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"pattern {pattern!r} is not a valid regular expression: {exc}") from None
        return value

    @model_validator(mode="after")
    def _known_or_defined(self) -> SignalRef:
        if signals.get(self.id) is None and not (self.label and (self.patterns or self.keywords)):
            known = ", ".join(sorted(signals.CATALOGUE))
            raise ValueError(
                f"unknown signal {self.id!r}: use one of {known}, "
                "or define it here with 'label' and 'patterns' (or 'keywords')"
            )
        return self

    @property
    def spec(self) -> signals.SignalSpec:
        """The catalogue spec, or one built from this reference's own label and patterns."""
        known = signals.get(self.id)
        if known is not None:
            return known
        return signals.SignalSpec(
            id=self.id,
            label=self.label or self.id,
            dimension=signals.Dimension.PRODUCT_SENSE,
            strong=self.strong or self.label or self.id,
            patterns=self.patterns,
        )


class Question(_Strict):
    """One main question, its time budget and its rubric."""

    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+$")]
    text: NonEmpty
    answer_seconds: int | None = Field(None, ge=15, le=1800)
    """Time budget for the answer; defaults to the scenario's."""
    max_follow_ups: int | None = Field(None, ge=0, le=5)
    signals: tuple[SignalRef, ...] = Field(min_length=1)
    """Signals a strong answer shows, most important first."""
    slot: Slot | None = None
    """A version of ``text`` that quotes the CV or job description (see ``slots.py``)."""
    based_on: tuple[Source, ...] = ()
    """Filled in by tailoring: what ``text`` quotes, and from where."""

    @field_validator("signals")
    @classmethod
    def _unique(cls, value: tuple[SignalRef, ...]) -> tuple[SignalRef, ...]:
        seen = [s.id for s in value]
        dupes = sorted({s for s in seen if seen.count(s) > 1})
        if dupes:
            raise ValueError(f"signal listed twice: {', '.join(dupes)}")
        return value


class Scenario(_Strict):
    """A complete practice interview."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    title: NonEmpty
    round: Round
    description: NonEmpty
    persona: Persona
    intro: NonEmpty
    outro: str = "That's all my questions. Thanks for your time."
    answer_seconds: int = Field(180, ge=15, le=1800)
    max_follow_ups: int = Field(1, ge=0, le=5)
    questions: tuple[Question, ...] = Field(min_length=1)
    source: str = ""
    """Where the scenario came from (the file path); filled in by the loader."""

    @field_validator("questions")
    @classmethod
    def _unique_ids(cls, value: tuple[Question, ...]) -> tuple[Question, ...]:
        ids = [q.id for q in value]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"question id used twice: {', '.join(dupes)}")
        return value

    def budget(self, question: Question) -> int:
        """Seconds allowed for an answer to ``question``."""
        return question.answer_seconds or self.answer_seconds

    def follow_up_limit(self, question: Question) -> int:
        return self.max_follow_ups if question.max_follow_ups is None else question.max_follow_ups

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    @property
    def minutes(self) -> int:
        """A rough length: answer budgets plus a little for questions and follow-ups."""
        seconds = sum(self.budget(q) * (1 + 0.5 * self.follow_up_limit(q)) + 15 for q in self.questions)
        return max(1, round(seconds / 60))


# ---------------------------------------------------------------------------------------------------------
# Loading


def load_scenario(path: Path) -> Scenario:
    """Parse and validate one scenario file; raise ``ScenarioError`` with file, line and field on failure."""
    try:
        raw_text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read scenario file: {exc}") from None
    try:
        data = tomllib.loads(raw_text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib (before 3.14) has no lineno attribute; the line is only in the message "(at line N, column M)".
        at = re.search(r"at line (\d+)", str(exc))
        where = f"{path}:{at.group(1)}" if at else str(path)
        raise ScenarioError(
            f"{where}: not valid TOML: {exc}", fix="check quotes and brackets on that line"
        ) from None
    data.setdefault("id", path.stem)
    data["source"] = str(path)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = _field_loc(err)
            line = _locate(raw_text, loc)
            where = f"{path}:{line}" if line else str(path)
            problems.append(f"{where}: {_dotted(loc)}: {_message(err)}")
        raise ScenarioError("\n".join(problems)) from None


def _field_loc(err: Any) -> tuple[Any, ...]:
    """The field path an error is really about.

    The unknown-signal check is a model validator (it needs ``label`` and ``patterns`` as well as ``id``), so
    pydantic reports it on the whole signal table; pointing at its ``id`` line is what the author needs.
    """
    loc = tuple(err["loc"])
    if err["type"] == "value_error" and "unknown signal" in str(err["msg"]):
        return (*loc, "id")
    return loc


def _message(err: Any) -> str:
    msg = str(err["msg"])
    if err["type"] == "extra_forbidden":
        return "unknown field (misspelt?)"
    if err["type"] == "missing":
        return "required field is missing"
    return msg.removeprefix("Value error, ")


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(file)"


_HEADER = re.compile(r"^\s*\[")


def _locate(text: str, loc: tuple[Any, ...]) -> int | None:
    """Best-effort line number for a field path such as ``("questions", 2, "signals", 0, "follow_up")``.

    Walks ``[[array]]`` and ``[table]`` headers the way the TOML was written in our scenarios; returns the
    line of the deepest part it can find, so an error points at least at the right question. A key is only
    looked for among the current table's own lines (before its first sub-table), so a missing question
    ``id`` is not confused with a signal's ``id`` further down; a missing key points at its table's header.
    """
    lines = text.splitlines()
    start, end = 0, len(lines)
    found: int | None = None
    prefix = ""
    i = 0
    while i < len(loc):
        part = loc[i]
        nxt = loc[i + 1] if i + 1 < len(loc) else None
        if isinstance(part, str) and isinstance(nxt, int):
            header = re.compile(rf"^\s*\[\[\s*{re.escape(prefix + part)}\s*\]\]")
            hits = [n for n in range(start, end) if header.match(lines[n])]
            if nxt < len(hits):
                start = hits[nxt]
                end = next((h for h in hits if h > start), _next_top_header(lines, start, prefix + part, end))
                found = start + 1
                prefix = prefix + part + "."
                i += 2
                continue
            if found is None:
                # An inline array (``questions = [...]``) or a missing one: point at its key if present.
                return _key_line(lines, part, start, end)
            break
        if isinstance(part, str):
            own_from = start if found is None else start + 1
            own_end = next((n for n in range(own_from, end) if _HEADER.match(lines[n])), end)
            line = _key_line(lines, part, own_from, own_end)
            if line is not None:
                return line
            table = re.compile(rf"^\s*\[\s*{re.escape(prefix + part)}\s*\]")
            hit = next((n for n in range(own_from, end) if table.match(lines[n])), None)
            if hit is None:
                break
            start, found = hit, hit + 1
            end = _next_top_header(lines, hit, prefix + part, end)
            prefix = prefix + part + "."
        i += 1
    return found


def _key_line(lines: list[str], key: str, start: int, end: int) -> int | None:
    """The 1-based line where ``key`` is assigned (bare, quoted or dotted) within ``lines[start:end]``."""
    pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*[=.]")
    return next((n + 1 for n in range(start, end) if pattern.match(lines[n])), None)


def _next_top_header(lines: list[str], after: int, name: str, default: int) -> int:
    depth = name.count(".")
    for n in range(after + 1, default):
        m = re.match(r"^\s*\[\[?\s*([A-Za-z0-9_.]+)\s*\]\]?", lines[n])
        if m and m.group(1).count(".") <= depth:
            return n
    return default


def scenario_toml(scenario: Scenario) -> str:
    """``scenario`` as a scenario file (TOML) that ``load_scenario`` reads back to the same scenario.

    Used to keep a tailored scenario with its session and to save one an LLM wrote for the user to edit.
    """
    import tomli_w

    data = scenario.model_dump(mode="json", exclude={"source"}, exclude_defaults=True)
    data["id"] = scenario.id
    return tomli_w.dumps(data, multiline_strings=False)


class ScenarioSet:
    """All scenarios from the shipped directory, the user's directory and any ``--scenarios`` directories.

    Later directories override earlier ones by id, so a user can replace a shipped scenario. Broken files are
    kept as errors rather than hiding the rest.
    """

    def __init__(self, directories: Iterable[Path]) -> None:
        self.scenarios: dict[str, Scenario] = {}
        self.errors: list[ScenarioError] = []
        self.directories = [d for d in directories]
        for directory in self.directories:
            if not directory.is_dir():
                continue
            for path in sorted(directory.glob("*.toml")):
                try:
                    scenario = load_scenario(path)
                except ScenarioError as exc:
                    self.errors.append(exc)
                    continue
                self.scenarios[scenario.id] = scenario

    def get(self, scenario_id: str) -> Scenario:
        """Return a scenario by id, or a file path to a scenario; raise ScenarioError naming the choices."""
        if scenario_id in self.scenarios:
            return self.scenarios[scenario_id]
        path = Path(scenario_id)
        if path.suffix == ".toml" and path.is_file():
            return load_scenario(path)
        close = [s for s in self.scenarios if scenario_id.lower() in s]
        hint = f"did you mean {', '.join(close)}?" if close else "run 'voicemock scenarios' to list them"
        raise ScenarioError(f"no scenario called {scenario_id!r}", fix=hint)

    def __iter__(self) -> Any:
        return iter(sorted(self.scenarios.values(), key=lambda s: (list(Round).index(s.round), s.id)))

    def __len__(self) -> int:
        return len(self.scenarios)
