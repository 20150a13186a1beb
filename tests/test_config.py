"""Settings a user can find: the file, the environment, `voicemock config`, and the generated reference."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from conftest import ROOT, run_voicemock
from voicemock import config
from voicemock.config import Settings, load_settings, save_settings
from voicemock.errors import VoicemockError


def test_the_reference_in_docs_matches_the_code() -> None:
    docs = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    assert docs == config.reference_markdown(), (
        "regenerate with: voicemock config reference > docs/settings.md"
    )


def test_every_setting_is_documented_where_it_is_declared() -> None:
    undocumented = [key for key, _default, doc in config._fields(Settings) if not doc]
    assert undocumented == []


def test_environment_overrides_the_file_which_overrides_defaults(
    voicemock_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = voicemock_home / "config.toml"
    path.write_text('[whisper]\ncpu_threads = 2\nbeam_size = 3\n[llm]\nmodel = "from-file"\n')
    monkeypatch.setenv("VOICEMOCK_WHISPER__BEAM_SIZE", "4")
    settings = load_settings(path)
    assert settings.whisper.cpu_threads == 2  # file
    assert settings.whisper.beam_size == 4  # environment wins over the file
    assert settings.whisper.compute_type == "int8"  # default
    rows = {r.key: r for r in config.effective(path)}
    assert rows["whisper.cpu_threads"].origin == "file"
    assert rows["whisper.beam_size"].origin == "env VOICEMOCK_WHISPER__BEAM_SIZE"
    assert rows["whisper.compute_type"].origin == "default"
    assert rows["llm.model"].value == "'from-file'"


def test_bad_values_name_their_origin_and_a_fix(
    voicemock_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = voicemock_home / "config.toml"
    path.write_text("[audio]\nsilence_seconds = 0.1\n")
    with pytest.raises(VoicemockError) as caught:
        load_settings(path)
    assert f"{path}: audio.silence_seconds" in str(caught.value) and caught.value.fix
    path.write_text("[audio\n")
    with pytest.raises(VoicemockError) as caught:
        load_settings(path)
    assert "not valid TOML" in str(caught.value) and caught.value.fix
    path.unlink()
    monkeypatch.setenv("VOICEMOCK_AUDIO__END_MODE", "whenever")
    with pytest.raises(VoicemockError) as caught:
        load_settings(path)
    assert "environment variable VOICEMOCK_AUDIO__END_MODE" in str(caught.value) and caught.value.fix


def test_saving_round_trips_and_never_writes_the_key(voicemock_home: Path) -> None:
    path = voicemock_home / "config.toml"
    settings = Settings(
        llm={"coach": "openai", "api_key": "sk-secret-123", "base_url": "http://localhost:1/v1"}
    )
    settings.scenario_dirs = ["~/mine"]
    save_settings(settings, path)
    text = path.read_text(encoding="utf-8")
    assert "sk-secret" not in text
    assert tomllib.loads(text)["llm"]["coach"] == "openai"
    again = load_settings(path)
    assert again.llm.base_url == "http://localhost:1/v1" and again.scenario_dirs == ["~/mine"]


def test_config_command_shows_values_origins_and_masks_the_key(voicemock_home: Path) -> None:
    (voicemock_home / "config.toml").write_text('[llm]\ncoach = "openai"\n')
    done = run_voicemock(
        "config",
        home=voicemock_home,
        env={"OPENAI_API_KEY": "sk-very-secret", "VOICEMOCK_WHISPER__BEAM_SIZE": "2"},
    )
    assert done.returncode == 0, done.stderr
    assert str(voicemock_home / "config.toml") in done.stdout
    lines = {line.split()[0]: line for line in done.stdout.splitlines() if line and line[0].islower()}
    assert lines["llm.coach"].endswith("file")
    assert lines["whisper.beam_size"].endswith("env VOICEMOCK_WHISPER__BEAM_SIZE")
    assert "set (hidden)" in lines["llm.api_key"] and lines["llm.api_key"].endswith("env OPENAI_API_KEY")
    assert "sk-very-secret" not in done.stdout + done.stderr
    path = run_voicemock("config", "path", home=voicemock_home)
    assert path.stdout.strip() == str(voicemock_home / "config.toml")


def test_scenarios_option_after_the_command_and_a_missing_directory(
    tmp_path: Path, voicemock_home: Path
) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    shipped = (ROOT / "src/voicemock/scenarios/recruiter-screen.toml").read_text(encoding="utf-8")
    (mine / "one.toml").write_text('id = "my-screen"\n' + shipped, encoding="utf-8")
    after = run_voicemock("scenarios", "--scenarios", str(mine), home=voicemock_home)
    assert after.returncode == 0, after.stderr
    assert "my-screen" in after.stdout and "10 scenarios" in after.stdout
    missing = run_voicemock("scenarios", "--scenarios", "/nonexistent", home=voicemock_home)
    assert missing.returncode == 2
    assert "'/nonexistent' does not exist" in missing.stderr and "Traceback" not in missing.stderr
