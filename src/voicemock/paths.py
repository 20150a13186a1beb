"""Where voicemock keeps things. ``VOICEMOCK_HOME`` moves all of it (tests point it at a temporary dir)."""

from __future__ import annotations

import os
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


def shipped_scenarios_dir() -> Path:
    """The scenarios that ship with voicemock: ``scenarios/`` in a checkout, or the installed copy."""
    here = Path(__file__).resolve()
    for candidate in (here.parents[2] / "scenarios", here.parent / "scenarios"):
        if candidate.is_dir():
            return candidate
    return here.parents[2] / "scenarios"
