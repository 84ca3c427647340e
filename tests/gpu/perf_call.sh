#!/usr/bin/env bash
# One device call for docs/PERF.md: the GPU correctness tests, `svg2 bench attention` (table as
# JSON) and `svg2 bench e2e` (random weights, fixed density) for Wan2.1-1.3B 480p and 14B 720p,
# every step under its own timeout and all of them under one time budget, logs and JSON in $OUT.
#
#   here:   tests/gpu/prepare.sh <build-dir with tests>            (.gpu/deps, .gpu/kernels-bin)
#           cmake -S . -B build-kernels-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DSVG2_WITH_FFMPEG=OFF \
#             -DSVG2_WITH_GUI=OFF -DSVG2_WITH_TESTS=OFF -DSVG2_WITH_BENCH=OFF
#           cmake --build build-kernels-gpu --target svg2 -j2
#           mkdir -p .gpu/kernels-svg2 && strip -o .gpu/kernels-svg2/svg2 build-kernels-gpu/bin/svg2
#   device: carry [".gpu/deps", ".gpu/kernels-bin", ".gpu/kernels-svg2"],
#           command: BUDGET_S=520 bash tests/gpu/perf_call.sh
# The svg2 CLI is built without FFmpeg because the GPU machine has none; the benches do not need it.
# E2E_RUNS ("arch:WxH:density ...") and E2E_ARGS override the end-to-end runs.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="${OUT:-$ROOT/out/perf}"
BUDGET="${BUDGET_S:-520}"
START=$(date +%s)
mkdir -p "$OUT"
SVG2="$ROOT/.gpu/kernels-svg2/svg2"
BIN="$ROOT/.gpu/kernels-bin"
PY="$(command -v python3)"
TORCH_LIBS="$("$PY" - <<'PY'
import glob, os, torch
site = os.path.dirname(os.path.dirname(torch.__file__))
dirs = [os.path.join(os.path.dirname(torch.__file__), "lib")]
dirs += sorted({os.path.dirname(p) for p in glob.glob(os.path.join(site, "nvidia", "**", "*.so*"), recursive=True)})
print(":".join(dirs))
PY
)"
export LD_LIBRARY_PATH="$ROOT/.gpu/deps/usr/lib/x86_64-linux-gnu:$TORCH_LIBS:${LD_LIBRARY_PATH:-}"
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

SVG2_OK=1
"$SVG2" --version >>"$OUT/machine.txt" 2>&1 || {
  SVG2_OK=0
  echo "svg2 does not load here:" | tee -a "$OUT/machine.txt"
  ldd "$SVG2" | grep -i "not found" | tee -a "$OUT/machine.txt"
}

# 1. correctness
step gpu-tests "${TEST_TIMEOUT:-150}" 30 "$OUT/gpu-tests.log" "$BIN/test_gpu_svg2" --gtest_color=no
grep -E "^\[  (PASSED|FAILED|SKIPPED) |tests? ran|FAILED  \]" "$OUT/gpu-tests.log" | tail -15

# 2. attention table (the first kernel is the SVG2 total's; hopper = ping-pong, for comparison)
ATT_ARGS=(--device cuda --shapes wan1.3b-480p,wan14b-720p,hunyuan-720p --densities 0.30,0.13
  --kernels "${BENCH_KERNELS:-auto,hopper}" --repeats 10 --warmup 3)
if ((SVG2_OK)); then
  step bench-attention "${BENCH_TIMEOUT:-180}" 60 "$OUT/bench-attention.json" "$SVG2" --json bench attention "${ATT_ARGS[@]}"
else
  step bench-attention "${BENCH_TIMEOUT:-180}" 60 "$OUT/bench-attention.txt" "$BIN/bench_attention_gpu" "${ATT_ARGS[@]}" \
    --json "$OUT/bench-attention.json"
fi

# 3. end to end: random weights, fixed density; the dense baseline is measured in each run
if ((SVG2_OK)); then
  read -r -a E2E_ARGS_ARR <<<"${E2E_ARGS:---warmup 1 --dense-repeats 1 --sparse-repeats 1}"
  for run in ${E2E_RUNS:-wan-1.3b:832x480:0.295 wan-1.3b:832x480:0.129 wan-14b:1280x720:0.295 wan-14b:1280x720:0.129}; do
    IFS=: read -r arch size density <<<"$run"
    min=40
    [ "$arch" = wan-14b ] && min="${E2E_14B_MIN_S:-150}"
    step "e2e-$arch-$density" 400 "$min" "$OUT/e2e-$arch-$size-$density.json" \
      "$SVG2" --json bench e2e --arch "$arch" --size "$size" --density "$density" "${E2E_ARGS_ARR[@]}"
  done
fi
echo "total $(($(date +%s) - START)) s of $BUDGET" | tee -a "$OUT/steps.txt"
exit 0
