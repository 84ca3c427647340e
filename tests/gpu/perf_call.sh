#!/usr/bin/env bash
# One device call for docs/PERF.md: the GPU correctness tests, the attention table (`svg2 bench
# attention`'s run_bench_attention through tests/gpu/bench_attention_gpu) and `svg2 bench e2e`
# (random weights, fixed density) for Wan2.1-1.3B 480p and 14B 720p, every step under its own
# timeout and all of them under one time budget, logs and JSON in $OUT.
#
#   here:   tests/gpu/prepare.sh <build-dir with tests>            (.gpu/deps, .gpu/kernels-bin)
#           optionally a svg2 CLI built here without FFmpeg in .gpu/kernels-svg2/svg2
#   device: carry [".gpu/deps", ".gpu/kernels-bin", ".gpu/kernels-svg2"],
#           command: BUDGET_S=520 bash tests/gpu/perf_call.sh
# Without a carried svg2 that loads, the CLI (FFmpeg and GUI off: the GPU machine has no FFmpeg,
# the benches do not need it) is built there in the background on all but two cores while the
# tests and the attention bench run, and the end-to-end runs start when it is done.
# E2E_RUNS ("arch:WxH:density ...") and E2E_ARGS override the end-to-end runs.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="${OUT:-$ROOT/out/perf}"
BUDGET="${BUDGET_S:-520}"
START=$(date +%s)
mkdir -p "$OUT"
SVG2="$ROOT/.gpu/kernels-svg2/svg2"
BIN="$ROOT/.gpu/kernels-bin"
source "$ROOT/tests/gpu/device_env.sh"
export XDG_DATA_HOME="$OUT/xdg"  # svg2 writes its log file under it

left() { echo $((BUDGET - ($(date +%s) - START))); }

# step NAME LIMIT_S MIN_S STDOUT_FILE cmd...: runs cmd under min(LIMIT, budget left) seconds,
# skipped when less than MIN_S is left; one line per step in steps.txt.
step() {
  local name=$1 limit=$2 min=$3 out=$4
  shift 4
  local l
  l=$(left)
  if ((l < min)); then
    echo "$name skipped ($l s left, needs $min)" | tee -a "$OUT/steps.txt"
    return 99
  fi
  ((limit > l)) && limit=$l
  local t0=$(date +%s)
  echo "== $name (limit $limit s): $*" | tee -a "$OUT/steps.txt"
  timeout -k 5 "$limit" "$@" >"$out" 2>"$OUT/$name.stderr.log"
  local rc=$?
  echo "$name rc=$rc $(($(date +%s) - t0)) s" | tee -a "$OUT/steps.txt"
  return $rc
}

{
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader
  "$PY" -c 'import torch;print("torch",torch.__version__,"cuda",torch.version.cuda,"cudnn",torch.backends.cudnn.version())'
  echo "date $(date -u +%FT%TZ)"
  echo "tests commit $(cat "$BIN/COMMIT" 2>/dev/null), svg2 commit $(cat "$ROOT/.gpu/kernels-svg2/COMMIT" 2>/dev/null)"
  nproc
} 2>&1 | tee "$OUT/machine.txt"

SVG2_OK=0
BUILD_PID=""
if [ -x "$SVG2" ] && "$SVG2" --version >>"$OUT/machine.txt" 2>&1; then
  SVG2_OK=1
else
  [ -x "$SVG2" ] && { echo "carried svg2 does not load here:"; ldd "$SVG2" | grep -i "not found"; } | tee -a "$OUT/machine.txt"
  BUILD="$ROOT/build-gpu-svg2"
  SVG2="$BUILD/bin/svg2"
  DEPS="$ROOT/.gpu/deps/usr"
  export PKG_CONFIG_PATH="$DEPS/lib/x86_64-linux-gnu/pkgconfig" PKG_CONFIG_ARGN="--define-prefix"
  PKGCONF=()
  command -v pkg-config >/dev/null || PKGCONF=(-DPKG_CONFIG_EXECUTABLE="$DEPS/bin/pkgconf")
  set -m  # the build gets its own process group, so it can be stopped whole
  (
    t0=$(date +%s)
    cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSVG2_PYTHON="$PY" \
      -DSVG2_WITH_GUI=OFF -DSVG2_WITH_FFMPEG=OFF -DSVG2_WITH_CUDA=ON -DSVG2_WITH_TESTS=OFF \
      -DSVG2_WITH_BENCH=OFF -DSVG2_WITH_SENTENCEPIECE=OFF -DCMAKE_PREFIX_PATH="$DEPS" -DCMAKE_CUDA_ARCHITECTURES=90a \
      -DTORCH_CUDA_ARCH_LIST=9.0a "${PKGCONF[@]}" >"$OUT/svg2-configure.log" 2>&1 &&
      nice -n 10 cmake --build "$BUILD" --target svg2 -j "$(($(nproc) > 4 ? $(nproc) - 2 : 2))" \
        >"$OUT/svg2-build.log" 2>&1
    rc=$?
    echo "svg2 build rc=$rc $(($(date +%s) - t0)) s (in the background)" >>"$OUT/steps.txt"
    exit $rc
  ) &
  BUILD_PID=$!
  set +m
  echo "building svg2 there in the background (pid $BUILD_PID)" | tee -a "$OUT/steps.txt"
fi

# 1. correctness
step gpu-tests "${TEST_TIMEOUT:-150}" 30 "$OUT/gpu-tests.log" "$BIN/test_gpu_svg2" --gtest_color=no
grep -E "^\[  (PASSED|FAILED|SKIPPED) |tests? ran|FAILED  \]" "$OUT/gpu-tests.log" | tail -15

# 2. attention table (the first kernel is the SVG2 total's; hopper = ping-pong, for comparison)
step bench-attention "${BENCH_TIMEOUT:-180}" 60 "$OUT/bench-attention.txt" "$BIN/bench_attention_gpu" \
  --device cuda --shapes wan1.3b-480p,wan14b-720p,hunyuan-720p --densities 0.30,0.13 \
  --kernels "${BENCH_KERNELS:-auto,hopper}" --repeats 10 --warmup 3 --json "$OUT/bench-attention.json"
cat "$OUT/bench-attention.txt"

if [ -n "$BUILD_PID" ]; then
  # wait for the background build, but not past the budget minus one 1.3B run
  while kill -0 "$BUILD_PID" 2>/dev/null && (($(left) > 60)); do sleep 2; done
  if kill -0 "$BUILD_PID" 2>/dev/null; then
    echo "svg2 build still running with $(left) s left: stopped" | tee -a "$OUT/steps.txt"
    kill -- -"$BUILD_PID" 2>/dev/null
  elif wait "$BUILD_PID" && "$SVG2" --version >>"$OUT/machine.txt" 2>&1; then
    SVG2_OK=1
  else
    grep -E "error|FAILED" "$OUT/svg2-build.log" "$OUT/svg2-configure.log" | head -30
  fi
fi

# 3. end to end: random weights, fixed density; the dense baseline is measured in each run
if ((SVG2_OK)); then
  read -r -a E2E_ARGS_ARR <<<"${E2E_ARGS:---warmup 1 --dense-repeats 1 --sparse-repeats 1}"
  for run in ${E2E_RUNS:-wan-1.3b:832x480:0.295 wan-14b:1280x720:0.295 wan-1.3b:832x480:0.129 wan-14b:1280x720:0.129}; do
    IFS=: read -r arch size density <<<"$run"
    min=40
    [ "$arch" = wan-14b ] && min="${E2E_14B_MIN_S:-150}"
    step "e2e-$arch-$density" 400 "$min" "$OUT/e2e-$arch-$size-$density.json" \
      "$SVG2" --json bench e2e --arch "$arch" --size "$size" --density "$density" "${E2E_ARGS_ARR[@]}"
  done
fi
echo "total $(($(date +%s) - START)) s of $BUDGET" | tee -a "$OUT/steps.txt"
# The device tool returns only a few files and no deep folders: everything also goes into one archive.
tar czf /tmp/perf-logs.tgz -C "$OUT" . && mv /tmp/perf-logs.tgz "$OUT/all-logs.tgz"
exit 0
