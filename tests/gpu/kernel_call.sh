#!/usr/bin/env bash
# One device call for the attention kernels alone (no svg2 CLI, no end-to-end runs): the sparse
# attention correctness tests first, then the attention table, then the rest of the GPU tests and
# the larger shape and an Nsight Compute look at hopper-v2 while time is left. Every step under its own timeout, all of them under one
# budget; logs, JSON and one archive in $OUT.
#
#   here:   build test_gpu_svg2 and bench_attention_gpu, copy them stripped into $KBIN
#           (default .gpu/kernels-bin-v2) with a COMMIT file; tests/gpu/prepare.sh makes .gpu/deps
#   device: carry [".gpu/deps", ".gpu/kernels-bin-v2"], command: BUDGET_S=300 bash tests/gpu/kernel_call.sh
# BENCH_KERNELS (default auto,hopper-simple,hopper-v2,hopper-v2-pp), BENCH_SHAPES, BENCH_EXTRA_SHAPES,
# BENCH_REPEATS, BENCH_WARMUP override the bench.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="${OUT:-$ROOT/out/kernels}"
BUDGET="${BUDGET_S:-300}"
BIN="${KBIN:-$ROOT/.gpu/kernels-bin-v2}"
START=$(date +%s)
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
source "$ROOT/tests/gpu/device_env.sh"

left() { echo $((BUDGET - ($(date +%s) - START))); }

# step NAME LIMIT_S MIN_S cmd...: runs cmd under min(LIMIT, budget left) seconds (skipped when
# less than MIN_S is left), stdout+stderr teed to $OUT/NAME.log; one line per step in steps.txt.
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
  echo "== $name (limit $limit s): $*" | tee -a "$OUT/steps.txt"
  timeout -k 5 "$limit" "$@" 2>&1 | tee "$OUT/$name.log" >/dev/null
  local rc=${PIPESTATUS[0]}
  echo "$name rc=$rc $(($(date +%s) - t0)) s" | tee -a "$OUT/steps.txt"
  return "$rc"
}

summary() {  # gtest verdict lines of a log
  grep -E "^\[  (PASSED|FAILED|SKIPPED) |^\[  FAILED  \]|tests? ran|Failure|rel_error|Expected|Which is" "$1" | head -40
}

{
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv,noheader
  "$PY" -c 'import torch;print("torch",torch.__version__,"cuda",torch.version.cuda,"cudnn",torch.backends.cudnn.version())'
  echo "date $(date -u +%FT%TZ)"
  echo "binaries commit $(cat "$BIN/COMMIT" 2>/dev/null)"
} 2>&1 | tee "$OUT/machine.txt"

KERNELS="${BENCH_KERNELS:-auto,hopper-simple,hopper-v2,hopper-v2-pp}"
BENCH=("$BIN/bench_attention_gpu" --device cuda --densities 0.30,0.13 --kernels "$KERNELS"
  --repeats "${BENCH_REPEATS:-10}" --warmup "${BENCH_WARMUP:-3}")

# 1. the sparse attention kernels (every variant) against the fp32 reference stages
step tests-attention 90 20 "$BIN/test_gpu_svg2" --gtest_color=no --gtest_filter='GpuSparseAttention.*'
summary "$OUT/tests-attention.log"

# 2. the attention table on the Wan shapes
step bench-wan 150 40 "${BENCH[@]}" --shapes "${BENCH_SHAPES:-wan1.3b-480p,wan14b-720p}" \
  --json "$OUT/bench-wan.json"
tail -40 "$OUT/bench-wan.log"

# 3. the other GPU tests (k-means, selection, graphs, backend), then HunyuanVideo while time is left
step tests-rest 120 45 "$BIN/test_gpu_svg2" --gtest_color=no --gtest_filter='-GpuSparseAttention.*'
summary "$OUT/tests-rest.log"
step bench-hunyuan 90 50 "${BENCH[@]}" --shapes "${BENCH_EXTRA_SHAPES:-hunyuan-720p}" \
  --json "$OUT/bench-hunyuan.json"
tail -25 "$OUT/bench-hunyuan.log"

# 4. Nsight Compute on one hopper-v2 launch (14B 720p, 30%), clocks left alone, while time is left
NCU="$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -1)"
if [ -n "$NCU" ]; then
  step ncu-v2 100 70 "$NCU" --clock-control none -k regex:sparse_attention_hopper_v2 -c 1 \
    --section SpeedOfLight --section WarpStateStats --section SchedulerStats --section ComputeWorkloadAnalysis \
    --section MemoryWorkloadAnalysis --section Occupancy --section LaunchStats \
    "$BIN/bench_attention_gpu" --device cuda --shapes wan14b-720p --densities 0.30 --kernels hopper-v2 \
    --repeats 1 --warmup 0
  grep -E "Duration|Throughput|Registers Per|Achieved Occupancy|Busy|Issue Slots|No Eligible|Stall|Eligible Warps|Active Warps" \
    "$OUT/ncu-v2.log" | head -40
fi

echo "total $(($(date +%s) - START)) s of $BUDGET" | tee -a "$OUT/steps.txt"
tar czf /tmp/kernel-logs.tgz -C "$OUT" . && mv /tmp/kernel-logs.tgz "$OUT/all-logs.tgz"
exit 0
