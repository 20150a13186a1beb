"""Installing voicemock the ways users do: the locks pin names only, and a wheel works outside the checkout.

These would have caught a lock that pointed at a file on one machine, and a package whose scenarios and
demo answers were only found through the checkout's path.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LOCKS = sorted(ROOT.glob("requirements*.lock"))
#: name==version, optionally followed by hashes: never a URL, a local path or an unpinned name.
PINNED = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*==[A-Za-z0-9.!+_-]+(\s+--hash=sha256:[0-9a-f]{64})*$")
DEV_TOOLS = {"pytest", "mypy", "ruff", "import-linter", "hypothesis"}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(lock: Path) -> dict[str, str]:
    lines = [ln.strip() for ln in lock.read_text(encoding="utf-8").splitlines()]
    return {
        _norm(ln.split("==")[0]): ln.split("==")[1].split()[0]
        for ln in lines
        if ln and not ln.startswith("#")
    }


def test_there_are_a_run_lock_and_a_dev_lock() -> None:
    assert {p.name for p in LOCKS} >= {"requirements.lock", "requirements-dev.lock"}


@pytest.mark.parametrize("lock", LOCKS, ids=lambda p: p.name)
def test_every_lock_line_is_a_pinned_name(lock: Path) -> None:
    bad = [
        f"{lock.name}:{n}: {line}"
        for n, line in enumerate(lock.read_text(encoding="utf-8").splitlines(), 1)
        if line.strip() and not line.lstrip().startswith("#") and not PINNED.match(line.strip())
    ]
    assert not bad, "lock lines must be name==version, never a URL or a path:\n" + "\n".join(bad)


def test_the_run_lock_covers_every_dependency_and_no_dev_tool() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    run = _pins(ROOT / "requirements.lock")
    wanted = {_norm(re.split(r"[<>=!~ \[;]", dep, maxsplit=1)[0]) for dep in project["dependencies"]}
    assert wanted - set(run) == set(), "a dependency in pyproject.toml is missing from requirements.lock"
    assert DEV_TOOLS & set(run) == set(), "make run must not install test or lint tools"
    dev = _pins(ROOT / "requirements-dev.lock")
    assert {"pytest", "mypy", "ruff"} <= set(dev)
    assert set(run) & set(dev) == set(), "a package is pinned in two locks"


def test_the_shipped_data_is_package_data() -> None:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = data["tool"]["setuptools"]["package-data"]["voicemock"]
    package = ROOT / "src" / "voicemock"
    for shipped in (*package.glob("scenarios/*.toml"), *package.glob("demo_answers/*/*.txt")):
        rel = shipped.relative_to(package)
        assert any(rel.match(p) for p in patterns), f"{rel} would be missing from the wheel"


@pytest.mark.slow
def test_a_wheel_installed_outside_the_checkout_runs(tmp_path: Path) -> None:
    """Build the wheel, install it with its locked dependencies into a fresh venv, and use it from elsewhere."""
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(dist),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    wheel = next(dist.glob("voicemock-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    install = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-deps",
         "-r", str(ROOT / "requirements.lock"), str(wheel)],
        capture_output=True, text=True, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr[-2000:]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env["VOICEMOCK_HOME"] = str(tmp_path / "home")

    def voicemock(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(venv / "bin" / "voicemock"), *args],
            capture_output=True, text=True, env=env, cwd=elsewhere, timeout=600,
        )  # fmt: skip

    listed = voicemock("scenarios")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert "9 scenarios from:" in listed.stdout
    assert str(venv) in listed.stdout, "the scenarios come from the installed package, not the checkout"

    demo = voicemock("demo", "--no-speech")
    assert demo.returncode == 0, demo.stdout[-1500:] + demo.stderr[-1500:]
    assert "whisper:" in demo.stdout and "## Scores" in demo.stdout

    answers = tmp_path / "answers"
    answers.mkdir()
    (answers / "1.txt").write_text(
        "I have spent five years as a product manager on a payments team, and I shipped a fraud model that "
        "cut chargebacks by eighteen percent while keeping approvals flat.",
        encoding="utf-8",
    )
    run = voicemock(
        "run", "--scenario", "recruiter-screen", "--answers", str(answers), "--no-speech", "--json"
    )
    assert run.returncode == 0, run.stderr[-2000:]
    report = json.loads(run.stdout)
    assert report["scenario"]["id"] == "recruiter-screen"
    first = report["questions"][0]["turns"][0]
    assert first["source"] == "text file 1.txt" and "eighteen percent" in first["answer"]
