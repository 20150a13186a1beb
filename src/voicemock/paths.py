"""Where voicemock keeps things. ``VOICEMOCK_HOME`` moves all of it (tests point it at a temporary dir)."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import platformdirs

APP = "voicemock"


def home() -> Path | None:
    value = os.environ.get("VOICEMOCK_HOME")
    return Path(value).expanduser() if value else None


def config_dir() -> Path:
    h = home()
    return h if h else Path(platformdirs.user_config_dir(APP))


def data_dir() -> Path:
    h = home()
    return h if h else Path(platformdirs.user_data_dir(APP))


def config_file() -> Path:
    return config_dir() / "config.toml"


def sessions_dir() -> Path:
    return data_dir() / "sessions"


def user_scenarios_dir() -> Path:
    return data_dir() / "scenarios"


def package_data(name: str) -> Path:
    """A directory or file shipped inside the voicemock package (package data, found the same way in a
    checkout, an editable install and an installed wheel; wheels are installed unzipped, so it is a real
    path)."""
    return Path(str(resources.files("voicemock").joinpath(name)))


def shipped_scenarios_dir() -> Path:
    """The scenarios that ship with voicemock (``voicemock/scenarios/*.toml``)."""
    return package_data("scenarios")


def demo_answers_dir() -> Path:
    """The sample candidate answers `voicemock demo` speaks (``voicemock/demo_answers/<scenario>/``)."""
    return package_data("demo_answers")
