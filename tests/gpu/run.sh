#!/usr/bin/env bash
# Runs ON THE GPU MACHINE (Ubuntu 24.04, PyTorch 2.11+cu130, nvcc 13, CMake, ninja; no Qt, FFmpeg
# or network). Runs the GPU tests and the attention benchmark and writes logs to $OUT.
#
#   device call: carry [".gpu"], command: bash tests/gpu/run.sh [MODE] [extra test args]
#   MODE  prebuilt (default when .gpu/kernels-bin exists): the test and bench binaries that
#                  tests/gpu/prepare.sh built here, linked against the GPU machine's LibTorch at
#                  run time (same torch 2.11 wheel); falls back to building there if they fail to load
#         all | test | bench | build: configure and build there (about 2-4 minutes on 16 cores),
#                  then ctest -L gpu and/or tests/gpu/bench.sh
# Needs .gpu/deps (and .gpu/kernels-bin for prebuilt) from tests/gpu/prepare.sh, run here first.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BIN="$ROOT/.gpu/kernels-bin"
if [ -d "$BIN" ]; then MODE="${1:-prebuilt}"; else MODE="${1:-all}"; fi
shift || true
OUT="${OUT:-$ROOT/out/gpu}"
mkdir -p "$OUT"
BUILD="$ROOT/build-gpu"
DEPS="$ROOT/.gpu/deps/usr"
[ -d "$DEPS" ] || { echo "missing .gpu/deps: run tests/gpu/prepare.sh here and carry .gpu"; exit 2; }
source "$ROOT/tests/gpu/device_env.sh"

{
  echo "== machine"; nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv,noheader
  nvcc --version | tail -2; cmake --version | head -1; c++ --version | head -1
  "$PY" -c 'import torch;print("torch",torch.__version__,"cuda",torch.version.cuda,"cudnn",torch.backends.cudnn.version())'
  echo "date $(date -u +%FT%TZ)"; echo "commit $(cat "$BIN/COMMIT" 2>/dev/null || git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)"
} 2>&1 | tee "$OUT/machine.txt"

build_here() {
  local start=$(date +%s)
  if [ ! -f "$BUILD/build.ninja" ]; then
    cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSVG2_PYTHON="$PY" \
      -DSVG2_WITH_GUI=OFF -DSVG2_WITH_FFMPEG=OFF -DSVG2_WITH_CUDA=ON -DSVG2_WITH_BENCH=OFF \
      -DCMAKE_PREFIX_PATH="$DEPS" -DCMAKE_CUDA_ARCHITECTURES=90a -DTORCH_CUDA_ARCH_LIST=9.0a \
      > "$OUT/configure.log" 2>&1 || { tail -40 "$OUT/configure.log"; return 3; }
  fi
  cmake --build "$BUILD" -j "$(nproc)" --target "$@" > "$OUT/build.log" 2>&1 ||
    { grep -E "error|FAILED" "$OUT/build.log" | head -40; return 4; }
  echo "== build ($*): $(( $(date +%s) - start )) s"
}

if [ "$MODE" = prebuilt ]; then
  TEST_BIN="$BIN/test_gpu_svg2"; BENCH_BIN="$BIN/bench_attention_gpu"
  if ! "$TEST_BIN" --gtest_list_tests > /dev/null 2>/tmp/prebuilt-load.log; then
    echo "== prebuilt binaries do not load here:"; head -5 /tmp/prebuilt-load.log
    build_here test_gpu_svg2 bench_attention_gpu || exit $?
    TEST_BIN="$BUILD/tests/test_gpu_svg2"; BENCH_BIN="$BUILD/tests/bench_attention_gpu"
  fi
  rc=0
  timeout "${TEST_TIMEOUT:-300}" "$TEST_BIN" --gtest_color=no "$@" 2>&1 | tee "$OUT/gpu-tests.log"
  rc=${PIPESTATUS[0]}
  [ "${BENCH:-1}" = 1 ] && BENCH_BIN="$BENCH_BIN" bash "$ROOT/tests/gpu/bench.sh" "$OUT" 2>&1
  [ "${PROFILE:-0}" = 1 ] && BENCH_BIN="$BENCH_BIN" bash "$ROOT/tests/gpu/profile.sh" "$OUT" 2>&1
  grep -E "^\[  (PASSED|FAILED) |tests? ran|FAILED  \]" "$OUT/gpu-tests.log" | tail -15
  exit $rc
fi

targets=(all)
[ "$MODE" = build ] || targets=(test_gpu_svg2 bench_attention_gpu)
build_here "${targets[@]}" || exit $?
[ "$MODE" = build ] && exit 0

rc=0
if [ "$MODE" = test ] || [ "$MODE" = all ]; then
  ctest --test-dir "$BUILD" -L gpu --output-on-failure "$@" 2>&1 | tee "$OUT/gpu-tests.log"
  rc=${PIPESTATUS[0]}
fi
if [ "$MODE" = bench ] || [ "$MODE" = all ]; then
  BENCH_BIN="$BUILD/tests/bench_attention_gpu" bash "$ROOT/tests/gpu/bench.sh" "$OUT" 2>&1 | tee "$OUT/bench.log"
fi
exit $rc
