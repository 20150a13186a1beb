"""A full disk, a quota or a read-only file system: one clear message instead of a traceback.

Every write path (the journal, transcripts, answer and question audio, the debrief, settings, the crash
log) turns ``ENOSPC``, ``EDQUOT`` and ``EROFS`` into ``DiskFullError`` through ``guard``. The command line
and the app then say what was saved, how much space a session needs and how to resume
(``DiskFullError.explain``). ``estimate`` is the space a scenario's session can take, so that start-up can
warn before the disk fills half-way through an answer.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from voicemock.errors import VoicemockError
from voicemock.models import SAMPLE_RATE

if TYPE_CHECKING:
    from voicemock.scenario import Scenario

FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS})
"""The write errors that mean "no room here" (or "not writable at all") rather than a bug."""

ANSWER_BYTES_PER_SECOND = SAMPLE_RATE * 2
"""Answers are stored as 16 kHz mono 16-bit WAV: 32 KB a second."""
QUESTION_BYTES = 700_000
"""A spoken question as espeak-ng renders it (22 kHz 16-bit): about 15 s, rounded up."""
OVERHEAD_BYTES = 2_000_000
"""The journal, transcripts and the debrief of one session, with room to spare."""
NEARLY_FULL_BYTES = 64 * 1024
"""Less free space than this after a write counts as "the disk filled up during it"."""


class DiskFullError(VoicemockError):
    """A write failed because the disk is full, over quota or read-only.

    The message grows with what is known: the session that was being written (``attach``) makes it say what
    is saved, how much room the rest needs and the exact resume command.
    """

    def __init__(self, path: Path, *, read_only: bool = False, free: int | None = None) -> None:
        self.path = path
        self.read_only = read_only
        self.free = free
        self.session_id: str | None = None
        self.session_path: Path | None = None
        self.saved: str | None = None
        self.needed: int | None = None
        super().__init__(*self._compose())

    def attach(self, session_id: str, session_path: Path, saved: str, needed: int | None) -> DiskFullError:
        """Say which session was being written, what of it is saved and how much room the rest needs."""
        self.session_id, self.session_path, self.saved, self.needed = session_id, session_path, saved, needed
        self.message, self.fix = self._compose()
        self.args = (self.message,)
        return self

    def _compose(self) -> tuple[str, str]:
        where = self.session_path.parent if self.session_path else self.path
        while not where.is_dir() and where != where.parent:
            where = where.parent
        if self.read_only:
            head = f"cannot save to {where}: the file system is read-only."
            room = "make it writable (or point VOICEMOCK_HOME at a writable disk)"
        else:
            free = f" ({human(self.free)} free)" if self.free is not None else ""
            head = f"the disk holding {where} is full{free}."
            need = f"at least {human(self.needed)}" if self.needed else "some space"
            room = f"free {need} on that disk (or point VOICEMOCK_HOME at a disk with room)"
        if self.session_id is None:
            return f"{head} Nothing was saved.", f"{room}, then run the command again"
        saved = f" ({self.saved})" if self.saved else ""
        return (
            f"{head} Everything recorded before that is saved in {self.session_path}{saved}.",
            f"{room}, then resume with: voicemock resume {self.session_id}",
        )


def is_full(exc: BaseException) -> bool:
    """Whether ``exc`` (or what it was raised from) is a full disk, an exceeded quota or a read-only disk."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, DiskFullError):
            return True
        if isinstance(cur, OSError) and cur.errno in FULL_ERRNOS:
            return True
        cur = cur.__cause__ or cur.__context__
    return False


def free_bytes(path: Path) -> int | None:
    """Free space for an unprivileged writer on the disk holding ``path`` (its nearest existing parent)."""
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        return shutil.disk_usage(probe).free
    except OSError:
        return None


def looks_full(directory: Path) -> bool:
    """Whether the disk holding ``directory`` has (next to) no room left: for writers that do not report a
    full disk themselves (espeak-ng exits 0 with a cut-off file)."""
    free = free_bytes(directory)
    return free is not None and free < NEARLY_FULL_BYTES


def error_from(exc: BaseException, path: Path) -> DiskFullError:
    """The ``DiskFullError`` for a write to ``path`` that failed with ``exc`` (a full-disk OSError)."""
    if isinstance(exc, DiskFullError):
        return exc
    code = next(
        (e.errno for e in _chain(exc) if isinstance(e, OSError) and e.errno in FULL_ERRNOS), errno.ENOSPC
    )
    return DiskFullError(path, read_only=code == errno.EROFS, free=free_bytes(path))


@contextlib.contextmanager
def guard(path: Path, *, cleanup: Path | None = None) -> Iterator[None]:
    """Turn a full-disk ``OSError`` raised inside the block into ``DiskFullError`` for ``path``; remove
    ``cleanup`` (a temporary or half-written file) when the block fails that way."""
    try:
        yield
    except OSError as exc:
        if exc.errno not in FULL_ERRNOS:
            raise
        if cleanup is not None:
            with contextlib.suppress(OSError):
                cleanup.unlink()
        raise error_from(exc, path) from None


def estimate(scenario: Scenario) -> int:
    """Bytes a session of ``scenario`` can need: every answer and follow-up at its full time budget, as
    audio, plus the spoken questions and the text files. An upper estimate, not a promise."""
    total = OVERHEAD_BYTES
    for question in scenario.questions:
        budget = scenario.budget(question)
        follow_ups = scenario.follow_up_limit(question)
        seconds = budget + follow_ups * max(30, budget // 2)
        total += seconds * ANSWER_BYTES_PER_SECOND + (1 + follow_ups) * QUESTION_BYTES
    return total


def low_space_warning(directory: Path, scenario: Scenario) -> str | None:
    """A warning when the disk holding ``directory`` has less room than a session of ``scenario`` needs."""
    free = free_bytes(directory)
    need = estimate(scenario)
    if free is None or free >= need:
        return None
    return (
        f"Only {human(free)} free on the disk holding {directory}; this interview can need up to "
        f"{human(need)} (answers are kept as audio). If the disk fills, voicemock stops and keeps "
        "everything saved so far."
    )


def human(n: int) -> str:
    """Bytes as people read them: 12 KB, 3.4 MB, 1.2 GB."""
    if n < 1_000_000:
        return f"{max(0, n) // 1000} KB"
    if n < 1_000_000_000:
        return f"{n / 1_000_000:.1f} MB"
    return f"{n / 1_000_000_000:.1f} GB"


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        yield cur
        cur = cur.__cause__ or cur.__context__


def sync_dir(directory: Path) -> None:
    """fsync a directory so a rename or a new file in it survives a crash (best effort)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
