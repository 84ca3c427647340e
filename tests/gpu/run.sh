#!/usr/bin/env bash
# Runs ON THE GPU MACHINE (Ubuntu 24.04, PyTorch 2.11+cu130, nvcc 13, CMake, ninja; no Qt, FFmpeg
# or network). Configures against that machine's LibTorch, builds the engine, kernels and CLI
# without the GUI, runs the GPU tests and benchmarks, and writes logs to $OUT.
#   device call: carry [".gpu"], command: bash tests/gpu/run.sh [test|bench|all|build] [extra ctest args]
# Needs .gpu/deps from tests/gpu/prepare.sh (run here first).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MODE="${1:-all}"; shift || true
OUT="${OUT:-$ROOT/out/gpu}"
mkdir -p "$OUT"
BUILD="$ROOT/build-gpu"
DEPS="$ROOT/.gpu/deps/usr"
[ -d "$DEPS" ] || { echo "missing .gpu/deps: run tests/gpu/prepare.sh here and carry .gpu"; exit 2; }
export LD_LIBRARY_PATH="$DEPS/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
export PKG_CONFIG_PATH="$DEPS/lib/x86_64-linux-gnu/pkgconfig"
export PKG_CONFIG_ARGN="--define-prefix"
PY="$(command -v python3)"

{
  echo "== machine"; nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  nvcc --version | tail -2; cmake --version | head -1; c++ --version | head -1
  "$PY" -c 'import torch;print("torch",torch.__version__,"cuda",torch.version.cuda,"cudnn",torch.backends.cudnn.version())'
} 2>&1 | tee "$OUT/machine.txt"

start=$(date +%s)
if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSVG2_PYTHON="$PY" \
    -DSVG2_WITH_GUI=OFF -DSVG2_WITH_FFMPEG=OFF -DSVG2_WITH_CUDA=ON -DSVG2_WITH_BENCH=OFF \
    -DCMAKE_PREFIX_PATH="$DEPS" -DCMAKE_CUDA_ARCHITECTURES=90a -DTORCH_CUDA_ARCH_LIST=9.0a \
    > "$OUT/configure.log" 2>&1 || { tail -40 "$OUT/configure.log"; exit 3; }
fi
cmake --build "$BUILD" -j "$(nproc)" > "$OUT/build.log" 2>&1 || { grep -E "error|FAILED" "$OUT/build.log" | head -40; exit 4; }
echo "== build: $(( $(date +%s) - start )) s"
[ "$MODE" = build ] && exit 0

rc=0
if [ "$MODE" = test ] || [ "$MODE" = all ]; then
  ctest --test-dir "$BUILD" -L gpu --output-on-failure "$@" 2>&1 | tee "$OUT/gpu-tests.log"
  rc=${PIPESTATUS[0]}
fi
if [ "$MODE" = bench ] || [ "$MODE" = all ]; then
  if [ -x "$ROOT/tests/gpu/bench.sh" ]; then
    bash "$ROOT/tests/gpu/bench.sh" "$BUILD" "$OUT" 2>&1 | tee "$OUT/bench.log"
  fi
fi
exit $rc
