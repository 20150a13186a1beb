"""Scenarios: a persona, its questions and each question's rubric, loaded from TOML.

A broken file must never surface as a traceback, and never stop the other scenarios from loading:
``load_scenario`` raises ``ScenarioError`` naming the file, the line (when it can be located) and the field
path, and what is wrong; ``ScenarioSet`` keeps that error and loads the rest. Scenario files come from
users, so loading is defensive: only regular files up to ``MAX_FILE_BYTES`` are read (a FIFO or
``/dev/zero`` is refused without blocking), nesting is capped at ``MAX_NESTING``, lists are bounded
(``MAX_QUESTIONS``, ``MAX_SIGNALS``, ``MAX_KEYWORDS``, ``MAX_PATTERNS``), custom patterns run on RE2 in
linear time (``safe_regex``), and control characters (terminal escapes, bidi overrides) are stripped from
every string before anything is printed or spoken.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from voicemock import paths, safe_regex, signals
from voicemock.errors import ScenarioError
from voicemock.slots import Slot, Source

MAX_FILE_BYTES = 256 * 1024
"""A scenario is a few KB (the shipped ones are 3-5 KB); anything past 256 KB is not one."""
MAX_NESTING = 16
"""Arrays, inline tables and tables inside each other; a scenario needs 4. Deeper is refused before parsing
(Python's TOML parser recurses, and 5,000 levels would crash it)."""
MAX_QUESTIONS = 30
MAX_SIGNALS = 12
"""Per question."""
MAX_KEYWORDS = 50
"""Per signal."""
MAX_PATTERNS = 20
"""Per signal."""
MAX_TEXT_CHARS = 2000
"""Any one string: a question, a follow-up, the intro..."""
MAX_KEYWORD_CHARS = 80
MAX_PATTERN_CHARS = 300
MAX_JARGON_TERMS = 200
MAX_REPORTED_PROBLEMS = 12
"""Problems listed per file; the rest are counted ("... and 40 more")."""

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""Control characters, except tab and newline: terminal escapes (ESC, OSC titles), carriage returns, C1
controls and Unicode bidi overrides, none of which belong in what the persona says or the screen shows."""


def strip_controls(text: str) -> str:
    """``text`` without control characters (tab and newline stay)."""
    return _CONTROL.sub("", text)


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


NonEmpty = Annotated[str, Field(min_length=1, max_length=MAX_TEXT_CHARS)]
Keyword = Annotated[str, Field(min_length=1, max_length=MAX_KEYWORD_CHARS)]
Pattern = Annotated[str, Field(min_length=1, max_length=MAX_PATTERN_CHARS)]


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
    jargon: dict[Keyword, NonEmpty] = Field(default_factory=dict, max_length=MAX_JARGON_TERMS)
    """Extra terms this listener needs translated, mapped to a plain alternative."""


class SignalRef(_Strict):
    """A rubric signal wanted in a question's answer, with the persona's follow-up if it is missing."""

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    follow_up: NonEmpty
    """What the persona asks when the answer misses this signal, in the persona's own voice."""
    keywords: tuple[Keyword, ...] = Field((), max_length=MAX_KEYWORDS)
    """Extra words or phrases that count as evidence for this question (plain text, case-insensitive)."""
    strong: NonEmpty | None = None
    """What a strong answer to *this* question would contain; overrides the catalogue's generic line."""
    label: NonEmpty | None = None
    patterns: tuple[Pattern, ...] = Field((), max_length=MAX_PATTERNS)
    """Regexes for a signal that is not in the catalogue (requires ``label``). Matched case-insensitively
    by RE2 in linear time: no backreferences or lookaround, and ``\\b``/``\\w`` are ASCII-only."""
    slot: Slot | None = None
    """A version of ``follow_up`` that quotes the CV or job description (see ``slots.py``)."""
    based_on: tuple[Source, ...] = ()
    """Filled in by tailoring: what ``follow_up`` quotes, and from where."""

    @field_validator("patterns")
    @classmethod
    def _patterns_compile(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in value:
            try:
                safe_regex.compile(pattern)
            except ValueError as exc:
                raise ValueError(
                    f"pattern {pattern!r} cannot be used: {exc} (patterns run on RE2: no backreferences "
                    "or lookaround)"
                ) from None
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
    signals: tuple[SignalRef, ...] = Field(min_length=1, max_length=MAX_SIGNALS)
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
    outro: Annotated[str, Field(max_length=MAX_TEXT_CHARS)] = "That's all my questions. Thanks for your time."
    answer_seconds: int = Field(180, ge=15, le=1800)
    max_follow_ups: int = Field(1, ge=0, le=5)
    questions: tuple[Question, ...] = Field(min_length=1, max_length=MAX_QUESTIONS)
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
    """Parse and validate one scenario file; raise ``ScenarioError`` with file, line and field on failure.

    Nothing in the file can make this hang, recurse without bound or raise anything but ``ScenarioError``.
    """
    shown = strip_controls(str(path))
    raw = _read_limited(path, shown)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]  # a UTF-8 byte-order mark, as some Windows editors write
    try:
        raw_text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ScenarioError(
            f"{shown}:{line}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at column {column})",
            fix="save the file as UTF-8",
            path=path,
        ) from None
    deep = _too_deep_at(raw_text)
    if deep is not None:
        raise ScenarioError(
            f"{shown}:{deep}: nested more than {MAX_NESTING} levels deep (arrays or inline tables)",
            fix="a scenario needs 4 levels at most; check for unclosed brackets",
            path=path,
        )
    try:
        data = tomllib.loads(raw_text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(
            f"{shown}:{_toml_error_line(str(exc), raw_text)}: not valid TOML: {strip_controls(str(exc))}",
            fix="check quotes and brackets on that line",
            path=path,
        ) from None
    except RecursionError:  # belt and braces: _too_deep_at should have caught it
        raise ScenarioError(f"{shown}: nested too deeply to read", path=path) from None
    if _depth(data) > MAX_NESTING:
        raise ScenarioError(
            f"{shown}: tables nested more than {MAX_NESTING} levels deep (dotted keys or headers)", path=path
        )
    data = _clean(data)
    data.setdefault("id", path.stem)
    data["source"] = str(path)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_input=False, include_url=False)
        problems = []
        for err in errors[:MAX_REPORTED_PROBLEMS]:
            loc = _field_loc(err)
            at = _locate(raw_text, loc)
            where = f"{shown}:{at or 1}"
            problems.append(f"{where}: {_dotted(loc)}: {strip_controls(_message(err))}")
        if len(errors) > MAX_REPORTED_PROBLEMS:
            problems.append(f"{shown}: ... and {len(errors) - MAX_REPORTED_PROBLEMS} more problems")
        raise ScenarioError("\n".join(problems), path=path) from None


def _read_limited(path: Path, shown: str) -> bytes:
    """The file's bytes, if it is a regular file of at most ``MAX_FILE_BYTES``.

    Opened non-blocking and checked on the open descriptor, so a FIFO named ``x.toml`` cannot hang the
    program and a symlink cannot be swapped for a device between the check and the read.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise ScenarioError(f"{shown}: cannot open scenario file: {exc.strerror}", path=path) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ScenarioError(
                f"{shown}: not a regular file ({_kind(info.st_mode)}); only regular .toml files are read",
                path=path,
            )
        if info.st_size > MAX_FILE_BYTES:
            raise ScenarioError(
                f"{shown}: {info.st_size // 1024} KB is over the {MAX_FILE_BYTES // 1024} KB limit for a "
                "scenario file",
                path=path,
            )
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_FILE_BYTES:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > MAX_FILE_BYTES:  # grew while we read it
            raise ScenarioError(f"{shown}: over the {MAX_FILE_BYTES // 1024} KB limit", path=path)
        return b"".join(chunks)
    except OSError as exc:
        raise ScenarioError(f"{shown}: cannot read scenario file: {exc.strerror}", path=path) from None
    finally:
        os.close(fd)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a plain file"


def _too_deep_at(text: str) -> int | None:
    """The line where brackets nest deeper than ``MAX_NESTING``, or None. A linear scan that skips strings
    and comments the way TOML writes them; a file it misreads is reported by the parser anyway."""
    depth = 0
    line = 1
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\n":
            line += 1
        elif ch == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        elif ch in "\"'":
            triple = text.startswith(ch * 3, i)
            quote = ch * 3 if triple else ch
            j = i + len(quote)
            while j < n:
                if ch == '"' and text[j] == "\\":
                    j += 2
                    continue
                if text.startswith(quote, j):
                    break
                if text[j] == "\n" and not triple:
                    break  # an unterminated one-line string: the parser will say so
                j += 1
            line += text.count("\n", i, j)
            i = j + len(quote)
            continue
        elif ch in "[{":
            depth += 1
            if depth > MAX_NESTING:
                return line
        elif ch in "]}":
            depth = max(0, depth - 1)
        i += 1
    return None


def _depth(data: object) -> int:
    """How deep dicts and lists nest (iteratively: a deep structure must not recurse)."""
    deepest = 0
    stack: list[tuple[object, int]] = [(data, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        if level > MAX_NESTING:
            return level
        if isinstance(node, dict):
            stack.extend((v, level + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, level + 1) for v in node)
    return deepest


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    """A copy of parsed TOML with control characters stripped from every key and string (``_depth`` has
    already bounded the nesting, so recursion is safe)."""

    def walk(node: Any) -> Any:
        if isinstance(node, str):
            return strip_controls(node)
        if isinstance(node, dict):
            return {strip_controls(str(k)): walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    cleaned: dict[str, Any] = walk(data)
    return cleaned


def _toml_error_line(message: str, text: str) -> int:
    """The line a TOML syntax error is on: tomllib (before 3.14) only says it in the message, as
    "(at line N, column M)" or "(at end of document)"."""
    at = re.search(r"at line (\d+)", message)
    if at:
        return int(at.group(1))
    return max(1, text.count("\n") + (0 if text.endswith("\n") else 1))


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
                # a whole array of tables (too many, too few): its first ``[[part]]`` header
                array = re.compile(rf"^\s*\[\[\s*{re.escape(prefix + part)}\s*\]\]")
                first = next((n for n in range(start, end) if array.match(lines[n])), None)
                return first + 1 if first is not None else found
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

    Later directories override earlier ones by id, so a user can replace a shipped scenario (listed in
    ``overrides``). Each file is loaded on its own: a broken one becomes an entry in ``errors`` and the rest
    still load. Two files of the user's with the same id are a ``warnings`` entry (the later one is used).
    """

    def __init__(self, directories: Iterable[Path]) -> None:
        self.scenarios: dict[str, Scenario] = {}
        self.errors: list[ScenarioError] = []
        self.warnings: list[str] = []
        """Problems that do not stop a file from loading (duplicate ids)."""
        self.overrides: list[str] = []
        """User scenarios that replace a shipped one with the same id (on purpose, usually)."""
        self.directories = list(directories)
        shipped = _resolved(paths.shipped_scenarios_dir())
        seen_dirs: set[Path] = set()
        seen_files: set[Path] = set()
        origin: dict[str, Path] = {}
        for directory in self.directories:
            if not directory.is_dir() or _resolved(directory) in seen_dirs:
                continue
            seen_dirs.add(_resolved(directory))
            for path in sorted(directory.glob("*.toml")):
                if _resolved(path) in seen_files:
                    continue
                seen_files.add(_resolved(path))
                scenario = self._load(path)
                if scenario is None:
                    continue
                before = origin.get(scenario.id)
                if before is not None:
                    shown = strip_controls(str(path))
                    if _resolved(before.parent) == shipped:
                        self.overrides.append(f"{shown} replaces the shipped scenario {scenario.id!r}")
                    else:
                        self.warnings.append(
                            f"{shown}: the id {scenario.id!r} is also used by {strip_controls(str(before))}; "
                            f"using {path.name} (rename one, or set a different 'id')"
                        )
                origin[scenario.id] = path
                self.scenarios[scenario.id] = scenario

    def _load(self, path: Path) -> Scenario | None:
        try:
            return load_scenario(path)
        except ScenarioError as exc:
            self.errors.append(exc)
        except Exception as exc:  # a bug in the loader must still not take the other scenarios with it
            self.errors.append(
                ScenarioError(f"{strip_controls(str(path))}: cannot load ({type(exc).__name__})", path=path)
            )
        return None

    def get(self, scenario_id: str) -> Scenario:
        """Return a scenario by id, or a file path to a scenario; raise ScenarioError naming the choices
        (or, when the scenario's own file is broken, what is wrong with it)."""
        if scenario_id in self.scenarios:
            return self.scenarios[scenario_id]
        path = Path(scenario_id)
        if path.suffix == ".toml" and path.exists():
            return load_scenario(path)
        for err in self.errors:
            if isinstance(err.path, Path) and err.path.stem == scenario_id:
                raise ScenarioError(
                    f"the scenario {scenario_id!r} cannot be used, because its file is invalid:\n{err.message}",
                    fix=err.fix or f"fix {strip_controls(str(err.path))}",
                    path=err.path,
                )
        close = [s for s in self.scenarios if scenario_id.lower() in s]
        hint = f"did you mean {', '.join(close)}?" if close else "run 'voicemock scenarios' to list them"
        raise ScenarioError(f"no scenario called {strip_controls(scenario_id)!r}", fix=hint)

    def __iter__(self) -> Any:
        return iter(sorted(self.scenarios.values(), key=lambda s: (list(Round).index(s.round), s.id)))

    def __len__(self) -> int:
        return len(self.scenarios)


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return path.absolute()
