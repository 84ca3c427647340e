#!/usr/bin/env bash
# One device call for the batched k-means kernels (issue #7's overhead target): all GPU tests, the
# attention table with the default k-means and again with a previous variant (OLD_ENV, default
# SVG2K_KMEANS_EPILOGUE=running: same binaries, same card), then Nsight Compute: with
# KM_NCU_TIMES=1 every k-means launch's duration over a stretch of the cold Q and K iterations at
# the 14B 720p shape (assignment, sort, offsets scan, update), new and old, and a Speed-of-Light
# look at the assignment kernel, new and old. Every step under its own timeout, all under BUDGET_S.
#
#   here:   build test_gpu_svg2 and bench_attention_gpu; strip them into .gpu/kbin-s7m with a COMMIT
#           file; tar cJf .gpu/kbin-s7m.tar.xz -C .gpu kbin-s7m; tests/gpu/prepare.sh made .gpu/deps
#   device: carry [".gpu/deps", ".gpu/kbin-s7m.tar.xz"], command: BUDGET_S=150 bash tests/gpu/kmeans_call.sh
# KM_SKIP_NCU=1 leaves out the Nsight Compute steps.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="${OUT:-$ROOT/out/kmeans}"
BUDGET="${BUDGET_S:-150}"
START=$(date +%s)
mkdir -p "$OUT"
if [ ! -x "$ROOT/.gpu/kbin-s7m/test_gpu_svg2" ]; then
  tar xJf "$ROOT/.gpu/kbin-s7m.tar.xz" -C "$ROOT/.gpu" || { echo "no binaries" | tee "$OUT/steps.txt"; exit 1; }
fi
BIN="$ROOT/.gpu/kbin-s7m"
source "$ROOT/tests/gpu/device_env.sh"

left() { echo $((BUDGET - ($(date +%s) - START))); }
# step NAME LIMIT_S MIN_S cmd...: cmd under min(LIMIT, budget left) s (skipped below MIN_S left),
# stdout+stderr into $OUT/NAME.log, one line per step in steps.txt.
step() {
  local name=$1 limit=$2 min=$3
  shift 3
  local l
  l=$(left)
  if ((l < min)); then
    echo "$name skipped ($l s left, needs $min)" | tee -a "$OUT/steps.txt"
    return 99
  fi
  ((limit > l)) && limit=$l
  local t0
  t0=$(date +%s)
  echo "== $name (limit $limit s): $*" >>"$OUT/steps.txt"
  timeout -k 5 "$limit" "$@" >"$OUT/$name.log" 2>&1
  local rc=$?
  echo "$name rc=$rc $(($(date +%s) - t0)) s" | tee -a "$OUT/steps.txt"
  return "$rc"
}

{
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv,noheader
  "$PY" -c 'import torch;print("torch",torch.__version__,"cuda",torch.version.cuda,"cudnn",torch.backends.cudnn.version())'
  echo "date $(date -u +%FT%TZ)"
  echo "binaries commit $(cat "$BIN/COMMIT" 2>/dev/null)"
} >"$OUT/machine.txt" 2>&1

step tests 90 20 "$BIN/test_gpu_svg2" --gtest_color=no
grep -E "^\[  (PASSED|FAILED|SKIPPED) |^\[  FAILED  \]|Failure|Expected|Which is|tests? ran" "$OUT/tests.log" | head -30

BENCH=("$BIN/bench_attention_gpu" --device cuda --densities 0.30,0.13 --kernels auto --repeats 10 --warmup 3
  --shapes wan1.3b-480p,wan14b-720p)
step bench-new 70 25 "${BENCH[@]}" --json "$OUT/bench-new.json"
read -r -a OLD_VARS <<<"${OLD_ENV:-SVG2K_KMEANS_EPILOGUE=running}"
OLD=(env "${OLD_VARS[@]}")
step bench-old 70 25 "${OLD[@]}" "${BENCH[@]}" --json "$OUT/bench-old.json"
grep -E "wan|Wan|shape|dense" "$OUT/bench-new.log" | head -12
grep -E "wan|Wan|shape|dense" "$OUT/bench-old.log" | head -12

NCU="$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu /usr/local/cuda/bin/ncu 2>/dev/null | head -1)"
if [ -n "$NCU" ] && [ "${KM_SKIP_NCU:-0}" != 1 ]; then
  ONE=("$BIN/bench_attention_gpu" --device cuda --shapes wan14b-720p --densities 0.30 --kernels auto --repeats 1
    --warmup 0)
  # Cold Q then cold K k-means (20 iterations each after one prepare; 7 launches per iteration now,
  # 8 with the radix sort): the windows cover Q's last iteration and K's first four.
  RE='regex:kmeans|chunk_|Radix|Scan|prepare_centroids'
  [ "${KM_NCU_TIMES:-0}" = 1 ] && step ncu-times 70 40 "$NCU" --clock-control none --metrics gpu__time_duration.sum --csv --page raw \
    -k "$RE" --launch-skip 150 -c 40 "${ONE[@]}"
  [ "${KM_NCU_TIMES:-0}" = 1 ] && step ncu-times-old 70 40 "${OLD[@]}" "$NCU" --clock-control none --metrics gpu__time_duration.sum --csv \
    --page raw -k "$RE" --launch-skip 150 -c 40 "${ONE[@]}"
  SOL=(--section SpeedOfLight --section ComputeWorkloadAnalysis --section Occupancy --section LaunchStats)
  step ncu-assign-new 50 30 "$NCU" --clock-control none -k regex:kmeans_assign --launch-skip 19 -c 2 "${SOL[@]}" \
    "${ONE[@]}"
  step ncu-assign-old 50 30 "${OLD[@]}" "$NCU" --clock-control none \
    -k regex:kmeans_assign --launch-skip 19 -c 2 "${SOL[@]}" "${ONE[@]}"
fi
echo "total $(($(date +%s) - START)) s of $BUDGET" | tee -a "$OUT/steps.txt"
tar czf /tmp/kmeans-logs.tgz -C "$OUT" . && mv /tmp/kmeans-logs.tgz "$OUT/all-logs.tgz"
exit 0
