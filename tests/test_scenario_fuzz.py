"""Property-based fuzzing of scenario files with hypothesis: whatever the bytes, loading ends in time with a
``Scenario`` or a ``ScenarioError`` that names the file, and never with anything else.

Four kinds of generated file, 650 cases in all (derandomized, so CI runs the same ones every time): a shipped
scenario with random byte edits, random TOML documents built from the schema's own keys, raw text rich in
TOML syntax and control characters, and a valid scenario with generated regexes as custom patterns (then
matched against an adversarial answer). Each case runs under a 3-second alarm: a hang fails the test.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voicemock import paths
from voicemock.errors import ScenarioError
from voicemock.rubric import assess
from voicemock.scenario import Scenario, load_scenario

EXAMPLE = (paths.shipped_scenarios_dir() / "fraud-success-metrics.toml").read_bytes()
CASE_SECONDS = 3.0
"""One case may take this long; loading a good file takes milliseconds, so this only catches hangs."""
KEYS = [
    "id", "title", "round", "description", "persona", "intro", "outro", "answer_seconds", "max_follow_ups",
    "questions", "name", "role", "temperament", "pushback", "audience", "voice", "espeak", "rate", "pitch",
    "jargon", "text", "signals", "follow_up", "keywords", "strong", "label", "patterns", "x", "a.b",
]  # fmt: skip


class _Hang(Exception):
    pass


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    def on_alarm(signum: int, frame: FrameType | None) -> None:
        raise _Hang(f"a case took more than {seconds} s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


@st.composite
def byte_edits(draw: st.DrawFn) -> bytes:
    data = bytearray(EXAMPLE)
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "repeat"]))
        if kind == "flip" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=40))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 200))]
        elif kind == "truncate":
            del data[at:]
        else:
            data[at:at] = draw(st.sampled_from([b"[", b"{a=", b'"', b"'''", b"\x1b]0;t\x07"])) * draw(st.integers(1, 3000))
    return bytes(data)


_leaf = st.one_of(
    st.text(max_size=60),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True),
    st.booleans(),
    st.sampled_from(["product-sense", "firm", "business", "en-us+f3", "success_metric", "^(a+)+$", "\x1b[31m"]),
)
_documents = st.recursive(
    _leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=6),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(min_size=1, max_size=10)), inner, max_size=8),
    ),
    max_leaves=40,
)


@st.composite
def toml_documents(draw: st.DrawFn) -> bytes:
    document = draw(st.dictionaries(st.sampled_from(KEYS), _documents, max_size=12))
    try:
        return tomli_w.dumps(document).encode("utf-8", "surrogatepass")
    except (TypeError, ValueError):  # something TOML cannot hold (e.g. a mixed array in old tomli-w)
        return repr(document).encode("utf-8", "surrogatepass")


raw_text = st.text(
    alphabet=st.one_of(st.sampled_from(list('[]{}"\'=.,#\n\t\\ ')), st.characters()), max_size=400
).map(lambda s: s.encode("utf-8", "surrogatepass"))

_regex_alphabet = st.sampled_from([*"()[]{}+*?|^$.\\ab1,-:=!<>", "(?i)", "\\b", "\\w", "\\1", "(?=", "{99999}"])


@st.composite
def custom_patterns(draw: st.DrawFn) -> bytes:
    pattern = "".join(draw(st.lists(_regex_alphabet, min_size=1, max_size=25)))
    signal_block = (
        '\n  [[questions.signals]]\n  id = "custom"\n  label = "Custom"\n  follow_up = "Say more?"\n'
        f"  patterns = [{tomli_w.dumps({'p': pattern})[4:].strip()}]\n"
    )
    text = EXAMPLE.decode()
    second = text.index("[[questions]]", text.index("[[questions]]") + 1)
    return (text[:second] + signal_block + "\n" + text[second:]).encode()


def test_no_generated_file_breaks_loading(tmp_path: Path) -> None:
    path = tmp_path / "fuzzed.toml"
    seen = {"cases": 0, "loaded": 0, "refused": 0, "slowest": 0.0}
    answers = ["a" * 3000 + "!", "ab" * 2000 + "c", "I'd say more; " * 300]

    @settings(
        max_examples=650,
        deadline=None,  # our own alarm bounds each case
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    )
    @given(st.one_of(byte_edits(), toml_documents(), raw_text, custom_patterns()))
    def load(content: bytes) -> None:
        path.write_bytes(content)
        seen["cases"] += 1
        started = time.monotonic()
        outcome: Any
        with _time_limit(CASE_SECONDS):
            try:
                outcome = load_scenario(path)
            except ScenarioError as exc:
                outcome = exc
            if isinstance(outcome, Scenario):
                for answer in answers:  # custom patterns meet answers built to make a regex backtrack
                    # patterns alone (judge=None): the sentence classifier's cost is not what is fuzzed
                    assess(outcome.questions[0], outcome.persona, [("q", answer)], judge=None)
        seen["slowest"] = max(seen["slowest"], time.monotonic() - started)
        if isinstance(outcome, ScenarioError):
            seen["refused"] += 1
            assert str(path) in str(outcome), outcome
            assert "\x1b" not in str(outcome) and "\x07" not in str(outcome)
        else:
            seen["loaded"] += 1
            assert "\x1b" not in outcome.model_dump_json()

    load()
    assert seen["cases"] >= 500, seen
    assert seen["loaded"] > 0 and seen["refused"] > 0, seen  # both paths were exercised
    print(f"\nfuzz: {seen}")  # shown with -s: cases, outcomes and the slowest case in seconds
