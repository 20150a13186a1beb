"""Session directories on disk: nothing the candidate said is ever lost.

One directory per session::

    <data dir>/sessions/20261129-031500-fraud-success-metrics/
        journal.jsonl            one JSON event per line, appended and fsynced before moving on
        audio/<prompt>.question.wav, audio/<prompt>.answer.wav
        transcripts/<prompt>.json   text with word timings
        debrief.json, debrief.md    written atomically at the end

Audio is written before it is transcribed, and each journal line is on disk before the next step that can
fail, so a crash or Ctrl-C leaves a session that ``voicemock sessions`` lists as unfinished and that can be
resumed. A retried question is a new attempt with its own prompt ids (``<question>.a2``), so its audio and
transcripts never overwrite the earlier attempt's; a "retry" event marks where it began.

A full disk never leaves half a file: a journal line that cannot be written whole is cut off again (so the
journal stays parseable), temporary files are removed, and the failure is a ``DiskFullError``. One process
at a time writes a session: ``SessionDir.lock`` takes an OS file lock (``flock``) on ``<session>/.lock``,
which the kernel releases when the process ends, so a killed process never leaves a lock that blocks.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voicemock import paths
from voicemock.diskspace import error_from, guard, is_full, sync_dir
from voicemock.errors import VoicemockError
from voicemock.models import AnswerStatus, Prompt, Transcript, Turn

if TYPE_CHECKING:
    from voicemock.debrief import Debrief

JOURNAL = "journal.jsonl"
LOCK = ".lock"
"""Held (``flock``) by the one process writing the session; it holds that process's pid for messages."""

_held: dict[Path, int] = {}
"""Sessions this process holds the lock of (resolved path -> file descriptor): taking it again is a no-op."""


class SessionLocked(VoicemockError):
    """Another voicemock process is writing this session."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def write_atomic(path: Path, text: str) -> Path:
    """Write a whole file so that readers see the old or the new version, never half of one."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with guard(path, cleanup=tmp):
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            tmp.replace(path)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
    return path


class SessionDir:
    """One session's directory and its append-only journal."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.id = path.name

    # -- writing ------------------------------------------------------------------------------------------

    def append(self, event: str, **data: Any) -> None:
        """Append one event and fsync it: after this returns, the event survives a crash."""
        record = {"event": event, "at": _now(), **data}
        line = (json.dumps(record, ensure_ascii=False, default=str) + "\n").encode("utf-8")
        journal = self.path / JOURNAL
        with guard(journal):
            fd = os.open(journal, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                size = os.fstat(fd).st_size
                try:
                    view = memoryview(line)
                    while view:
                        view = view[os.write(fd, view) :]
                    os.fsync(fd)
                except BaseException:
                    # Never leave half a line: the next event would be glued to it and both be unreadable.
                    with contextlib.suppress(OSError):
                        os.ftruncate(fd, size)
                    raise
            finally:
                os.close(fd)

    # -- one writer ---------------------------------------------------------------------------------------

    def lock(self) -> None:
        """Become the one process writing this session, or raise ``SessionLocked`` naming the one that is.

        The lock is an OS file lock, so a process that was killed has released it: its leftover pid is
        simply overwritten. Taking a lock this process already holds is a no-op.
        """
        key = self.path.resolve()
        if key in _held:
            return
        try:
            fd = os.open(self.path / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            if is_full(exc):
                raise error_from(exc, self.path) from None
            raise VoicemockError(f"cannot lock session {self.id}: {exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            pid = _read_pid(fd)
            for _ in range(10):  # the holder may have locked a moment ago and not yet written its pid
                if pid:
                    break
                time.sleep(0.05)
                pid = _read_pid(fd)
            os.close(fd)
            who = f"pid {pid}" if pid else "pid unknown"
            raise SessionLocked(
                f"session {self.id} is open in another voicemock ({who})",
                fix="finish or leave the interview there first; only one voicemock can write a session",
            ) from None
        with contextlib.suppress(OSError):  # the pid is only for messages: a full disk must not stop us
            # Written over the old pid (never emptied first), so a reader sees one pid or the other.
            data = f"{os.getpid()}\n".encode()
            os.pwrite(fd, data, 0)
            os.ftruncate(fd, len(data))
        _held[key] = fd

    def unlock(self) -> None:
        """Stop being this session's writer (process exit does this too)."""
        fd = _held.pop(self.path.resolve(), None)
        if fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            os.close(fd)

    def holder(self) -> int | None:
        """The pid of another process writing this session right now, or None."""
        if self.path.resolve() in _held or not (self.path / LOCK).is_file():
            return None
        try:
            fd = os.open(self.path / LOCK, os.O_RDONLY)
        except OSError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return _read_pid(fd) or -1
        finally:
            os.close(fd)  # also releases the probe's own lock
        return None

    def audio_path(self, prompt_id: str, role: str) -> Path:
        """Where a prompt's question ("question") or answer ("answer") audio lives."""
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", prompt_id)
        path = self.path / "audio" / f"{safe}.{role}.wav"
        with guard(path):
            path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def save_transcript(self, prompt_id: str, transcript: Transcript) -> Path:
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", prompt_id)
        return write_atomic(
            self.path / "transcripts" / f"{safe}.json",
            json.dumps(transcript.to_dict(), ensure_ascii=False, indent=1),
        )

    def rel(self, path: Path | str | None) -> str | None:
        """A path relative to the session directory (sessions can be moved)."""
        if path is None:
            return None
        p = Path(path)
        try:
            return str(p.resolve().relative_to(self.path.resolve()))
        except ValueError:
            return str(p)

    def abs(self, rel: str | None) -> Path | None:
        if rel is None:
            return None
        p = Path(rel)
        return p if p.is_absolute() else self.path / p

    # -- reading ------------------------------------------------------------------------------------------

    def events(self) -> list[dict[str, Any]]:
        """All journal events. A torn last line (killed mid-write) is ignored, never fatal."""
        out: list[dict[str, Any]] = []
        try:
            lines = (self.path / JOURNAL).read_text(encoding="utf-8").splitlines()
        except OSError:
            return out
        for line in lines:
            if not line.strip():
                continue
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(event, dict) and isinstance(event.get("event"), str):
                out.append(event)
        return out

    @property
    def started(self) -> dict[str, Any]:
        """The session's "started" event: always the journal's first line, so only that line is read."""
        try:
            with open(self.path / JOURNAL, encoding="utf-8") as f:
                first: dict[str, Any] = json.loads(f.readline())
        except (OSError, json.JSONDecodeError):
            return {}
        return first if first.get("event") == "started" else {}

    @property
    def finished(self) -> bool:
        """The debrief is written and no retry has begun since."""
        return self.state().finished

    def saved_summary(self) -> str:
        """What of this session is on disk, in words (for messages after a failure)."""
        state = self.state()
        answered = sum(1 for t in state.turns if t.answered)
        questions = len({t.prompt.question_id for t in state.turns})
        out = f"{answered} answer{'s' if answered != 1 else ''} to {questions} question{'s' if questions != 1 else ''}"
        if state.recorded:
            out += ", and the recording of the answer being transcribed"
        elif state.pending is not None:
            out += f"; next: question {state.pending.number}"
        return out

    def debrief(self) -> Debrief | None:
        """The session's debrief (None while there is none); raises ``VoicemockError`` if it is unreadable.

        The one way anything reads ``debrief.json``: ``voicemock show``, history, progress and the app.
        """
        from voicemock import debrief

        if not (self.path / debrief.JSON_NAME).is_file():
            return None
        return debrief.read(self.path)

    def state(self) -> JournalState:
        """Rebuild the session from its journal: settled turns, the pending prompt, answers recorded but not
        transcribed, and how it ended."""
        turns: list[Turn] = []
        pending: Prompt | None = None
        question_audio: dict[str, str | None] = {}
        recorded: dict[str, dict[str, Any]] = {}
        ended: str | None = None
        after_retry: str | None = None
        debriefed = retried = False
        asked_at: dict[str, str] = {}
        for e in self.events():
            kind = e.get("event")
            if kind == "prompt":
                pending = Prompt.from_dict(e["prompt"])
                question_audio[pending.id] = e.get("audio")
                asked_at[pending.id] = e.get("at", "")
            elif kind == "question_audio":
                question_audio[e["prompt_id"]] = e.get("audio")
            elif kind == "answer_recorded":
                recorded[e["prompt_id"]] = e
            elif kind == "answer" and pending is not None and e["prompt_id"] == pending.id:
                transcript = Transcript.from_dict(e["transcript"]) if e.get("transcript") else None
                turns.append(
                    Turn(
                        prompt=pending,
                        status=AnswerStatus(e["status"]),
                        transcript=transcript,
                        answer_source=e.get("source"),
                        audio_path=e.get("audio"),
                        question_audio=question_audio.get(pending.id),
                        notes=list(e.get("notes", [])),
                    )
                )
                recorded.pop(pending.id, None)
                pending = None
            elif kind == "ended":
                ended = e.get("reason")
                after_retry = None
            elif kind == "retry":
                after_retry = e.get("after")
                ended = None
                debriefed = False
                retried = True
            elif kind == "debrief":
                debriefed = True
        recorded = {k: v for k, v in recorded.items() if pending is not None and k == pending.id}
        # A debrief written by an older voicemock has no "debrief" event: it counts unless a retry began since.
        finished = (self.path / "debrief.json").is_file() and (debriefed or not retried)
        return JournalState(turns, pending, recorded, ended, after_retry, finished, asked_at)


@dataclass
class JournalState:
    """A session as its journal tells it."""

    turns: list[Turn]
    """Every settled prompt, in order (all attempts)."""
    pending: Prompt | None
    """The prompt asked but not yet answered."""
    recorded: dict[str, dict[str, Any]]
    """The pending prompt's answer, if it was recorded but not transcribed (the "answer_recorded" event)."""
    ended: str | None
    """Why the interview ended ("completed", "ended early"), or None while it is open."""
    after_retry: str | None = None
    """While a retry of an ended interview is open: why it had ended."""
    finished: bool = False
    """The debrief is written and no retry has begun since."""
    asked_at: dict[str, str] = field(default_factory=dict)
    """When each prompt was first asked (ISO time), by prompt id."""


@dataclass(frozen=True)
class SessionSummary:
    id: str
    path: Path
    scenario_id: str
    title: str
    started_at: str
    finished: bool
    answered: int
    scores: dict[str, float]
    open_in: int | None = None
    """The pid of another voicemock writing this session now (-1 when it cannot be read), else None."""
    ended: str | None = None
    """Why the interview ended ("completed", "ended early"), or None while it is open."""
    retries: int = 0
    """Attempts beyond the first, over all questions."""
    overall: dict[str, Any] = field(default_factory=dict)
    """The debrief's speech figures over the whole session (empty until there is a debrief)."""

    @property
    def status(self) -> str:
        return "finished" if self.finished else "unfinished"

    @property
    def outcome(self) -> str:
        """In words, for lists: "completed", "ended early" or "unfinished"."""
        if self.finished:
            return "ended early" if self.ended == "ended early" else "completed"
        return "unfinished"


class SessionStore:
    """All sessions under a root directory (default: the user data dir; ``VOICEMOCK_HOME`` moves it)."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or paths.sessions_dir()
        self.created: SessionDir | None = None
        """The last session this store created (so a Ctrl-C during set-up can still name it)."""

    def create(self, scenario_id: str, **meta: Any) -> SessionDir:
        """A new session directory, locked by this process, whose journal starts with its "started" event.

        If the disk is too full even for that, nothing is left behind (a directory without a readable
        journal would look like a session that cannot be resumed).
        """
        with guard(self.root):
            self.root.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        base = f"{stamp}-{scenario_id}"
        path = self.root / base
        n = 1
        while True:
            try:
                with guard(self.root):
                    path.mkdir()
                break
            except FileExistsError:
                n += 1
                path = self.root / f"{base}-{n}"
        session = SessionDir(path)
        try:
            session.lock()
            session.append("started", scenario=scenario_id, **meta)
        except BaseException:
            session.unlock()
            shutil.rmtree(path, ignore_errors=True)
            raise
        sync_dir(self.root)
        self.created = session
        return session

    def open(self, session_id: str) -> SessionDir:
        """Open by id, unique id prefix, or path; raise a clear error otherwise."""
        direct = Path(session_id)
        if (direct / JOURNAL).is_file():
            return SessionDir(direct)
        if (self.root / session_id / JOURNAL).is_file():
            return SessionDir(self.root / session_id)
        matches = [p for p in self._dirs() if p.name.startswith(session_id) or p.name.endswith(session_id)]
        if len(matches) == 1:
            return SessionDir(matches[0])
        if not matches:
            raise VoicemockError(
                f"no session {session_id!r} in {self.root}", fix="run 'voicemock sessions' to list them"
            )
        names = ", ".join(p.name for p in matches[:5])
        raise VoicemockError(f"{session_id!r} matches several sessions: {names}", fix="give more of the id")

    def _dirs(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        return sorted((p for p in self.root.iterdir() if (p / JOURNAL).is_file()), key=lambda p: p.name)

    def __iter__(self) -> Iterator[SessionDir]:
        return (SessionDir(p) for p in self._dirs())

    def summaries(self) -> list[SessionSummary]:
        """One line per session, oldest first (a debrief that cannot be read counts as no scores)."""
        out = []
        for session in self:
            started = session.started
            if not started:
                continue  # no readable journal: nothing to resume or show (see ``unreadable``)
            state = session.state()
            scores: dict[str, float] = {}
            overall: dict[str, Any] = {}
            if state.finished:
                try:
                    report = session.debrief()
                except VoicemockError:
                    report = None
                if report is not None:
                    scores = {k: v.score for k, v in report.scores.items() if v.score is not None}
                    overall = report.overall
            out.append(
                SessionSummary(
                    id=session.id,
                    path=session.path,
                    scenario_id=started.get("scenario", "?"),
                    title=started.get("title", started.get("scenario", "?")),
                    started_at=started.get("at", ""),
                    finished=state.finished,
                    answered=sum(1 for t in state.turns if t.answered),
                    scores=scores,
                    open_in=None if state.finished else session.holder(),
                    ended=state.ended,
                    retries=len(
                        {
                            (t.prompt.question_id, t.prompt.attempt)
                            for t in state.turns
                            if t.prompt.attempt > 1
                        }
                    ),
                    overall=overall,
                )
            )
        return out

    def unreadable(self) -> list[Path]:
        """Session directories whose journal has no readable start (a disk that filled as it was created,
        or a damaged file): they are not listed as sessions, since nothing in them can be resumed."""
        return [s.path for s in self if not s.started]


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").split("\n")[0].strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None
