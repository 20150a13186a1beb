"""Regular expressions from scenario files, matched in linear time with RE2 (``google-re2``).

A scenario author may define a signal's ``patterns``. Python's ``re`` backtracks, so a pattern such as
``^(a+)+$`` takes exponential time on an answer like "aaaa...a!" and would freeze the interview. RE2
guarantees time linear in the answer's length; it rejects the features that need backtracking
(backreferences, lookaround), which ``compile`` reports as the pattern's problem. Patterns are matched
case-insensitively, like the catalogue's. Measured in ``tests/test_scenario_limits.py``: Python's ``re``
took 0.8 s for ``^(a+)+$`` on 24 letters and a "!" (doubling with each letter), RE2 under 1 ms on 100,000.

RE2's ``\\b``, ``\\w`` and ``\\d`` are ASCII-only, unlike Python's.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Protocol

import re2

MAX_PATTERN_MEMORY = 2 << 20
"""Bytes RE2 may use to compile one pattern; a pattern needing more (``(a{1000}){1000}``) is refused."""


class Matcher(Protocol):
    """What the rubric needs of a compiled pattern (``re.Pattern`` has it too)."""

    def search(self, text: str) -> object | None: ...


def _options() -> re2.Options:
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False  # RE2 would print its own parse errors on stderr
    options.max_mem = MAX_PATTERN_MEMORY
    return options


@lru_cache(maxsize=512)
def compile(pattern: str) -> Matcher:
    """A case-insensitive linear-time matcher for ``pattern``; ``ValueError`` saying why when RE2 cannot
    take it (a syntax error, or a feature that needs backtracking)."""
    try:
        compiled: Matcher = re2.compile(pattern, options=_options())
    except Exception as exc:  # re2.error: its message is bytes
        detail = exc.args[0] if exc.args else exc
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        raise ValueError(str(detail)) from None
    return compiled
