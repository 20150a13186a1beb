"""The shipped scenarios, the demo answers, and how broken scenario files are reported.

Shipped scenarios are content that users rely on, so they are held to the authoring rules here (questions
short enough to speak, a follow-up for every signal, distinct persona voices). Broken files are written to
``tmp_path`` from a copy of a real scenario with exactly one edit, so each test knows the line that is wrong
and can insist the error names it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from voicemock import paths, signals
from voicemock.backends.scripted_coach import ScriptedCoach
from voicemock.errors import ScenarioError
from voicemock.interview import Interview
from voicemock.models import Transcript
from voicemock.rubric import assess
from voicemock.scenario import Round, Scenario, ScenarioSet, load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = paths.shipped_scenarios_dir()
DEMO_ANSWERS = paths.demo_answers_dir()
SHIPPED = sorted(SCENARIOS.glob("*.toml"))
EXAMPLE = SCENARIOS / "fraud-success-metrics.toml"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOICEMOCK_HOME", str(tmp_path / "home"))


def _load_all() -> list[Scenario]:
    return [load_scenario(p) for p in SHIPPED]


# ---------------------------------------------------------------------------------------------------------
# Shipped scenarios


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_scenario_validates(path: Path) -> None:
    scenario = load_scenario(path)
    assert scenario.id == path.stem, "the id defaults to the kebab-case file stem; keep them equal"
    assert scenario.source == str(path)


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_signal_has_an_authored_follow_up(path: Path) -> None:
    scenario = load_scenario(path)
    assert 2 <= len(scenario.questions) <= 4
    for question in scenario.questions:
        assert 3 <= len(question.signals) <= 5, f"{question.id}: 3-5 signals in priority order"
        follow_ups = [ref.follow_up for ref in question.signals]
        assert all(text.strip() for text in follow_ups), question.id
        # The scripted coach skips a follow-up whose text was already asked, so duplicates would be lost.
        assert len(set(follow_ups)) == len(follow_ups), f"{question.id}: follow-ups must differ"
        for ref in question.signals:
            assert signals.get(ref.id) is not None or ref.label, f"{question.id}.{ref.id}"


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_spoken_text_is_speakable(path: Path) -> None:
    """Everything the persona says goes through espeak: no markup, no brackets, questions under ~40 words."""
    scenario = load_scenario(path)
    spoken = [scenario.intro, scenario.outro]
    for question in scenario.questions:
        assert len(question.text.split()) <= 40, f"{question.id} is too long to listen to"
        spoken.append(question.text)
        spoken.extend(ref.follow_up for ref in question.signals)
    for text in spoken:
        assert not re.search(r"[()\[\]{}<>*_#`|]", text), f"not speakable: {text!r}"


def test_at_least_seven_scenarios_cover_every_round() -> None:
    scenarios = _load_all()
    assert len(scenarios) >= 7
    assert {s.round for s in scenarios} == set(Round)


def test_personas_sound_different() -> None:
    scenarios = _load_all()
    voices = {(s.persona.voice.espeak, s.persona.voice.pitch, s.persona.voice.rate) for s in scenarios}
    assert len(voices) >= 3
    # Different settings are not enough if they share a voice: at least three distinct espeak voices too.
    assert len({s.persona.voice.espeak for s in scenarios}) >= 3


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_persona_voices_exist_in_espeak() -> None:
    """espeak-ng silently ignores an unknown variant, so check names against its own voice lists."""
    listed = subprocess.run(["espeak-ng", "--voices"], capture_output=True, text=True, check=True).stdout
    languages = {line.split()[1] for line in listed.splitlines()[1:] if line.split()}
    variants_out = subprocess.run(
        ["espeak-ng", "--voices=variant"], capture_output=True, text=True, check=True
    ).stdout
    variants = {m.group(1) for m in re.finditer(r"!v/(\S+)", variants_out)}
    for scenario in _load_all():
        language, _, variant = scenario.persona.voice.espeak.partition("+")
        assert language in languages, f"{scenario.id}: unknown espeak language {language!r}"
        if variant:
            assert variant in variants, f"{scenario.id}: unknown espeak variant {variant!r}"


def test_business_listeners_get_translations_and_technical_ones_do_not_need_them() -> None:
    by_id = {s.id: s for s in _load_all()}
    assert by_id["sales-false-positives"].persona.audience == "business"
    assert "false positive" in by_id["sales-false-positives"].persona.jargon
    assert by_id["ml-deep-dive"].persona.audience == "technical"


# ---------------------------------------------------------------------------------------------------------
# Demo answers (used by `make demo`)


def _demo_answer(directory: Path, number: int, follow_up: int | None) -> Path:
    return directory / (f"{number}.txt" if follow_up is None else f"{number}-{follow_up}.txt")


def test_demo_answers_are_named_for_real_prompts_and_spoken_length() -> None:
    directory = DEMO_ANSWERS / "fraud-success-metrics"
    scenario = load_scenario(EXAMPLE)
    files = sorted(directory.glob("*.txt"))
    assert files, "make demo needs answer files"
    for path in files:
        m = re.fullmatch(r"(\d+)(?:-(\d+))?", path.stem)
        assert m, f"{path.name}: name answers <question>.txt or <question>-<follow-up>.txt"
        number = int(m.group(1))
        assert 1 <= number <= len(scenario.questions), path.name
        if m.group(2):
            assert 1 <= int(m.group(2)) <= scenario.follow_up_limit(scenario.questions[number - 1]), path.name
        words = len(path.read_text(encoding="utf-8").split())
        assert 60 <= words <= 120, f"{path.name}: {words} words"


def test_demo_answers_draw_the_intended_follow_ups() -> None:
    """Drive the real engine with the scripted coach over the demo text, as `make demo` does after Whisper.

    The mid-strength candidate misses the user problem on question 1 and both failure modes and monitoring on
    question 2, so exactly those follow-ups are asked, and every signal is shown by the end.
    """
    scenario = load_scenario(EXAMPLE)
    directory = DEMO_ANSWERS / scenario.id
    interview = Interview(scenario, ScriptedCoach())
    prompt = interview.start()
    asked: list[tuple[str, str | None]] = []
    while prompt is not None:
        path = _demo_answer(directory, prompt.number, prompt.follow_up_index or None)
        asked.append((prompt.question_id, prompt.signal))
        prompt = interview.answer(Transcript(path.read_text(encoding="utf-8"), source="text-file"))
    assert asked == [
        ("define-success", None),
        ("define-success", "user_problem"),
        ("prove-it", None),
        ("prove-it", "failure_mode"),
        ("prove-it", "monitoring"),
    ]
    # The main answer alone misses exactly the user problem; with the follow-up answers nothing is missing.
    only_main = assess(scenario.questions[0], scenario.persona, [("1", (directory / "1.txt").read_text())])
    assert only_main.missing == ("user_problem",)
    assert interview.assessment(scenario.questions[0]).missing == ()
    assert interview.assessment(scenario.questions[1]).missing == ()


# ---------------------------------------------------------------------------------------------------------
# Broken files: file, line and field in the message


def _broken(tmp_path: Path, old: str, new: str, name: str = "broken.toml") -> tuple[Path, int]:
    """Copy the example scenario with one edit; return the file and the 1-based line of the edit."""
    text = EXAMPLE.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"edit anchor {old!r} must occur exactly once"
    edited = text.replace(old, new)
    line = edited[: edited.index(new)].count("\n") + 1
    path = tmp_path / name
    path.write_text(edited, encoding="utf-8")
    return path, line


def _error(path: Path) -> str:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return str(caught.value)


def _header_above(path: Path, line: int) -> int:
    """The line of the nearest table header at or above ``line`` (where a missing key is reported)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n in range(line, 0, -1) if lines[n - 1].lstrip().startswith("["))


def test_toml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path, line = _broken(tmp_path, 'title = "Defining success', "title = Defining success")
    message = _error(path)
    assert message.startswith(f"{path}:{line}: not valid TOML")
    assert "fix:" in message


def test_unknown_signal_names_the_id_line(tmp_path: Path) -> None:
    path, line = _broken(tmp_path, 'id = "business_cost"', 'id = "business_costs"')
    message = _error(path)
    assert message.startswith(f"{path}:{line}: questions[0].signals[2].id: unknown signal 'business_costs'")
    assert "business_cost," in message, "the message lists the valid ids"


def test_misspelt_question_field_names_its_line(tmp_path: Path) -> None:
    path, line = _broken(tmp_path, "answer_seconds = 240", "answer_secs = 240")
    assert _error(path) == f"{path}:{line}: questions[0].answer_secs: unknown field (misspelt?)"


def test_misspelt_field_in_second_question_signal(tmp_path: Path) -> None:
    path, line = _broken(tmp_path, 'follow_up = "Fraudsters adapt.', 'folow_up = "Fraudsters adapt.')
    message = _error(path)
    assert f"{path}:{line}: questions[1].signals[2].folow_up: unknown field (misspelt?)" in message
    # The same edit also leaves follow_up missing; that is reported at the signal's header.
    assert f"{path}:{_header_above(path, line)}: questions[1].signals[2].follow_up: required field" in message


def test_missing_required_field_points_at_its_table(tmp_path: Path) -> None:
    path, line = _broken(tmp_path, 'id = "define-success"', "# question id deleted")
    header = _header_above(path, line)
    assert path.read_text(encoding="utf-8").splitlines()[header - 1].strip() == "[[questions]]"
    assert _error(path) == f"{path}:{header}: questions[0].id: required field is missing"


def test_missing_persona_field_points_at_persona_table(tmp_path: Path) -> None:
    path, _ = _broken(tmp_path, 'role = "Hiring manager, Payments Risk"', "# role deleted")
    header = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if text.strip() == "[persona]")
    assert _error(path) == f"{path}:{header}: persona.role: required field is missing"


@pytest.mark.parametrize(
    ("old", "new", "field", "allowed"),
    [
        ('round = "product-sense"', 'round = "product-sens"', "round", "'product-sense'"),
        ('pushback = "firm"', 'pushback = "brutal"', "persona.pushback", "'hard'"),
        ('audience = "business"', 'audience = "executives"', "persona.audience", "'technical'"),
    ],
)
def test_invalid_enum_value_names_line_and_choices(
    tmp_path: Path, old: str, new: str, field: str, allowed: str
) -> None:
    path, line = _broken(tmp_path, old, new)
    message = _error(path)
    assert message.startswith(f"{path}:{line}: {field}: Input should be")
    assert allowed in message


def test_out_of_range_inline_table_value(tmp_path: Path) -> None:
    path, line = _broken(tmp_path, "rate = 160", "rate = 400")
    assert _error(path).startswith(
        f"{path}:{line}: persona.voice.rate: Input should be less than or equal to 320"
    )


# ---------------------------------------------------------------------------------------------------------
# ScenarioSet


def test_user_directory_overrides_shipped_scenario_by_id(tmp_path: Path) -> None:
    user = tmp_path / "user-scenarios"
    user.mkdir()
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        'title = "Defining success for a fraud-detection model"', 'title = "My own fraud practice"'
    )
    (user / EXAMPLE.name).write_text(text, encoding="utf-8")

    scenario_set = ScenarioSet([SCENARIOS, user])

    assert scenario_set.errors == []
    assert len(scenario_set) == len(SHIPPED)
    overridden = scenario_set.get("fraud-success-metrics")
    assert overridden.title == "My own fraud practice"
    assert overridden.source == str(user / EXAMPLE.name)
    assert scenario_set.get("ml-deep-dive").source == str(SCENARIOS / "ml-deep-dive.toml")


def test_broken_file_is_reported_without_hiding_the_rest(tmp_path: Path) -> None:
    user = tmp_path / "user-scenarios"
    user.mkdir()
    shutil.copy(EXAMPLE, user / "my-copy.toml")
    path, line = _broken(user, 'id = "tradeoff"', 'id = "trade_off"', name="my-broken.toml")

    scenario_set = ScenarioSet([SCENARIOS, user, tmp_path / "does-not-exist"])

    assert len(scenario_set.errors) == 1
    assert str(scenario_set.errors[0]).startswith(
        f"{path}:{line}: questions[0].signals[3].id: unknown signal"
    )
    assert "my-copy" in scenario_set.scenarios
    assert len(scenario_set) == len(SHIPPED) + 1
    listed = [s.id for s in scenario_set]
    assert listed[0] == "recruiter-screen", "listing follows the order of the interview loop"
    # asking for the broken one says why it cannot be used, not just that it is missing
    with pytest.raises(ScenarioError, match=r"(?s)'my-broken' cannot be used.*:39: .*unknown signal 'trade_off'"):
        scenario_set.get("my-broken")
    with pytest.raises(ScenarioError, match="no scenario called 'nothing-like-it'"):
        scenario_set.get("nothing-like-it")
