"""Hostile scenario files: each is reported and skipped, and the other scenarios still load and run.

Every case here once stopped every command (exit 70), hung it, or reached the terminal: deep nesting, a
FIFO, a symlink to /dev/zero, a catastrophic regex, terminal escapes, duplicate ids, huge lists.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from conftest import run_voicemock
from voicemock import paths, safe_regex
from voicemock.errors import ScenarioError
from voicemock.rubric import assess
from voicemock.scenario import (
    MAX_FILE_BYTES,
    MAX_KEYWORDS,
    MAX_NESTING,
    MAX_QUESTIONS,
    ScenarioSet,
    load_scenario,
)

SHIPPED = paths.shipped_scenarios_dir()
EXAMPLE = SHIPPED / "fraud-success-metrics.toml"
N_SHIPPED = len(list(SHIPPED.glob("*.toml")))

#: A custom signal whose pattern backtracks exponentially in Python's ``re``.
REDOS = '''
  [[questions.signals]]
  id = "shouting"
  label = "Shouting"
  follow_up = "Could you say that more calmly?"
  patterns = ["^(a+)+$", "calm(ly)? voice"]
'''


def _example_with(extra_after_first_question: str = "", **replace: str) -> str:
    text = EXAMPLE.read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    if extra_after_first_question:
        second = text.index("[[questions]]", text.index("[[questions]]") + 1)
        text = text[:second] + extra_after_first_question + "\n" + text[second:]
    return text


def _error(path: Path) -> str:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return str(caught.value)


# -- one file at a time ------------------------------------------------------------------------------------


def test_deep_array_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "deep.toml"
    path.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    assert _error(path).startswith(f"{path}:1: nested more than {MAX_NESTING} levels deep")


def test_deep_inline_table_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "deep.toml"
    path.write_text('title = "t"\n' + "x = " + "{a=" * 3000 + "1" + "}" * 3000 + "\n")
    assert _error(path).startswith(f"{path}:2: nested more than {MAX_NESTING} levels deep")


def test_deep_dotted_keys_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "dotted.toml"
    path.write_text("a" + ".a" * 200 + " = 1\n")
    assert "tables nested more than" in _error(path)


def test_brackets_inside_strings_and_comments_do_not_count(tmp_path: Path) -> None:
    path = tmp_path / "brackets.toml"
    noise = "[" * 40
    path.write_text(
        _example_with(
            **{
                'title = "Defining success for a fraud-detection model"': f'title = "Brackets {noise}" # {noise}',
                "outro = ": f"notes = '''{noise}'''\noutro = ",
            }
        )
    )
    assert "notes: unknown field" in _error(path)  # parsed: the brackets were text, not nesting


def test_symlink_to_dev_zero_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "zero.toml"
    path.symlink_to("/dev/zero")
    assert _error(path) == f"{path}: not a regular file (a device); only regular .toml files are read"


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    path = tmp_path / "x.toml"
    os.mkfifo(path)
    started = time.monotonic()
    assert "not a regular file (a named pipe)" in _error(path)
    assert time.monotonic() - started < 5  # opening a FIFO for reading would block forever


def test_directory_named_toml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "dir.toml"
    path.mkdir()
    assert "not a regular file (a directory)" in _error(path)


def test_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.toml"
    path.write_text(EXAMPLE.read_text() + "\n# " + "x" * MAX_FILE_BYTES + "\n")
    assert f"over the {MAX_FILE_BYTES // 1024} KB limit" in _error(path)


def test_catastrophic_pattern_runs_in_linear_time(tmp_path: Path) -> None:
    path = tmp_path / "redos.toml"
    path.write_text(_example_with(REDOS))
    scenario = load_scenario(path)
    question = scenario.questions[0]
    answer = "a" * 5000 + "!"
    started = time.monotonic()
    assessment = assess(question, scenario.persona, [("q", answer)])
    # Python's re needs about 2^5000 steps here; RE2 is linear. A generous bound: this is a hang check.
    assert time.monotonic() - started < 5
    assert "shouting" in assessment.missing
    assert safe_regex.compile("^(a+)+$").search("aaaa") is not None
    calm = "I would keep a calm voice and explain the trade-off to the team before the launch."
    assert "shouting" not in assess(question, scenario.persona, [("q", calm)]).missing  # patterns still match


@pytest.mark.parametrize(
    ("pattern", "why"),
    [(r"(a)\\1", "invalid escape"), ("(?=a)b", "invalid perl operator"), ("a{1000}{1000}", "bad repetition")],
)
def test_patterns_re2_cannot_run_are_reported(tmp_path: Path, pattern: str, why: str) -> None:
    path = tmp_path / "p.toml"
    path.write_text(_example_with(REDOS.replace("^(a+)+$", pattern)))
    message = _error(path)
    assert re.search(rf"{re.escape(str(path))}:\d+: questions\[0\]\.signals\[\d\]\.patterns: ", message), message
    assert why in message and "RE2" in message


def test_terminal_escapes_are_stripped_from_every_string(tmp_path: Path) -> None:
    osc = "\\u001b]0;pwned\\u0007"  # TOML escapes: a raw ESC is not valid TOML, and is reported as such
    path = tmp_path / "esc.toml"
    path.write_text(
        _example_with(
            **{
                'title = "Defining success for a fraud-detection model"': f'title = "Fraud{osc} practice\\u001b[31m"',
                'name = "Priya Raman"': 'name = "Priya\\u202eRaman\\r"',
            }
        )
    )
    scenario = load_scenario(path)
    assert scenario.title == "Fraud]0;pwned practice[31m"
    assert scenario.persona.name == "PriyaRaman"
    everything = scenario.model_dump_json()
    assert not re.search(r"\\u00(1b|07|0d)|\\u202e", everything)


def test_bounds_on_questions_and_keywords_are_named(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    first = text.index("[[questions]]")
    second = text.index("[[questions]]", first + 1)
    block = text[first:second]
    many = text[:first] + "".join(
        block.replace('id = "define-success"', f'id = "q{i}"') for i in range(MAX_QUESTIONS + 1)
    )
    path = tmp_path / "many.toml"
    path.write_text(many)
    header = many.splitlines().index("[[questions]]") + 1
    assert f"{path}:{header}: questions: Tuple should have at most {MAX_QUESTIONS} items" in _error(path)
    words = ", ".join(f'"word{i}"' for i in range(MAX_KEYWORDS + 1))
    path.write_text(text.replace('keywords = ["fraud loss", "approval rate", "basis points"]', f"keywords = [{words}]"))
    assert re.search(rf":\d+: questions\[0\]\.signals\[1\]\.keywords: .*at most {MAX_KEYWORDS} items", _error(path))


def test_empty_keyword_is_refused(tmp_path: Path) -> None:
    """An empty keyword would match every sentence and credit every answer."""
    path = tmp_path / "empty.toml"
    path.write_text(EXAMPLE.read_text().replace('"basis points"]', '"basis points", ""]'))
    assert "keywords[3]: String should have at least 1 character" in _error(path)


@pytest.mark.parametrize(
    ("content", "line", "what"),
    [
        (b'title = "x"\nround = "technical"\ndescription = "caf\xe9"\n', 3, "not UTF-8 text (byte 0xe9 at column 19)"),
        (b'title = "x"\n[persona\n', 2, "not valid TOML"),
        (b'title = "x"\nintro = "unfinished', 2, "not valid TOML"),
        (b'title = "x"\n[persona]\nname = "n"\n[[questions]]\nid = "a"\ntext = [', 6, "not valid TOML"),
        (b"", 1, "title: required field is missing"),
    ],
)
def test_every_problem_names_a_line(tmp_path: Path, content: bytes, line: int, what: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_bytes(content)
    message = _error(path)
    assert message.startswith(f"{path}:{line}: ") and what in message, message


# -- the set, and the commands -----------------------------------------------------------------------------


def _hostile_dir(tmp_path: Path) -> Path:
    user = tmp_path / "hostile"
    user.mkdir()
    (user / "deep.toml").write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    (user / "inline.toml").write_text("x = " + "{a=" * 3000 + "1" + "}" * 3000 + "\n")
    (user / "zero.toml").symlink_to("/dev/zero")
    os.mkfifo(user / "fifo.toml")
    (user / "esc.toml").write_text(
        _example_with(**{'title = "Defining success for a fraud-detection model"': 'title = "T\\u001b]0;x\\u0007"'})
    )
    return user


def test_bad_files_are_skipped_and_the_rest_load(tmp_path: Path) -> None:
    found = ScenarioSet([SHIPPED, _hostile_dir(tmp_path)])
    assert len(found.errors) == 4
    assert len(found) == N_SHIPPED + 1  # "esc" loads, cleaned
    assert found.get("esc").title == "T]0;x"


def test_duplicate_ids_are_warned_and_shipped_overrides_noted(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    (a / "mine.toml").write_text(_example_with())
    (b / "other.toml").write_text('id = "mine"\n' + _example_with())
    (b / "fraud-success-metrics.toml").write_text(_example_with())
    found = ScenarioSet([SHIPPED, a, b])
    assert found.warnings == [
        f"{b / 'other.toml'}: the id 'mine' is also used by {a / 'mine.toml'}; using other.toml "
        "(rename one, or set a different 'id')"
    ]
    assert found.overrides == [f"{b / 'fraud-success-metrics.toml'} replaces the shipped scenario 'fraud-success-metrics'"]
    # the same directory given twice is not a duplicate
    assert ScenarioSet([SHIPPED, a, a]).warnings == []


def test_commands_survive_a_hostile_scenario_directory(tmp_path: Path, voicemock_home: Path) -> None:
    user = voicemock_home / "scenarios"
    user.parent.mkdir(exist_ok=True)
    _hostile_dir(tmp_path).rename(user)
    listed = run_voicemock("scenarios", home=voicemock_home, timeout=60)
    assert listed.returncode == 1, listed.stderr  # still says something is wrong
    assert "Traceback" not in listed.stderr and "\x1b" not in listed.stdout + listed.stderr
    assert "4 invalid scenario file(s), skipped" in listed.stderr
    assert "fraud-success-metrics" in listed.stdout and "esc" in listed.stdout
    answers = tmp_path / "answers"
    answers.mkdir()
    (answers / "1.txt").write_text("I would greet them and explain my background in product.")
    done = run_voicemock(
        "run", "-s", "recruiter-screen", "--answers", str(answers), "--no-speech", "--json", home=voicemock_home
    )
    assert done.returncode == 0, done.stderr
    assert "skipped 4 invalid scenario file(s): deep.toml, fifo.toml, inline.toml, zero.toml" in done.stderr
    progress = run_voicemock("progress", home=voicemock_home, timeout=60)
    assert progress.returncode == 0, progress.stderr


def test_run_with_an_invalid_scenario_says_why(tmp_path: Path, voicemock_home: Path) -> None:
    user = voicemock_home / "scenarios"
    user.mkdir()
    (user / "mine.toml").write_text(_example_with(**{'round = "product-sense"': 'round = "product-sens"'}))
    done = run_voicemock("run", "-s", "mine", "--typed", home=voicemock_home, input="")
    assert done.returncode == 2
    assert "the scenario 'mine' cannot be used, because its file is invalid" in done.stderr
    assert re.search(r"mine\.toml:\d+: round: Input should be", done.stderr), done.stderr


def test_scenarios_option_after_the_command_and_a_missing_directory(tmp_path: Path, voicemock_home: Path) -> None:
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "mine.toml").write_text(_example_with())
    after = run_voicemock("scenarios", "--scenarios", str(extra), home=voicemock_home)
    assert after.returncode == 0 and "mine" in after.stdout, after.stderr
    missing = run_voicemock("scenarios", "--scenarios", "/nonexistent", home=voicemock_home)
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    assert "Traceback" not in missing.stderr
