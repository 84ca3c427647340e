#!/usr/bin/env bash
# One device call for the attention kernels alone (no svg2 CLI, no end-to-end runs): the sparse
# attention correctness tests first, then the attention table, then the variant under study again
# with its developer switch (tests and bench, e.g. SVG2K_HOPPER_TMA_OV_PINGPONG=1), an Nsight Compute
# look at one launch of it (with NCU_STALLS=1 also the stall reasons and sampled SASS of it and of
# hopper-simple), the rest of the GPU tests and the larger shape while time is left.
# Every step under its own timeout, all of them under one budget; logs, JSON and one archive in $OUT.
#
#   here:   build test_gpu_svg2 and bench_attention_gpu, copy them stripped into $KBIN
#           (default .gpu/kernels-bin-v3) with a COMMIT file; tests/gpu/prepare.sh makes .gpu/deps
#   device: carry [".gpu/deps", ".gpu/kernels-bin-v3"], command: BUDGET_S=300 bash tests/gpu/kernel_call.sh
# STOP_ON_TEST_FAILURE=1 skips every later step when the sparse attention tests fail.
# BENCH_KERNELS (default auto,hopper-simple,hopper-tma-ov), BENCH_SHAPES, BENCH_EXTRA_SHAPES,
# BENCH_REPEATS, BENCH_WARMUP override the bench; STUDY_KERNEL (default hopper-tma-ov) is the variant
# profiled, STUDY_SWITCH (default SVG2K_HOPPER_TMA_OV_PINGPONG=1, empty: skip) its switch.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="${OUT:-$ROOT/out/kernels}"
BUDGET="${BUDGET_S:-300}"
BIN="${KBIN:-$ROOT/.gpu/kernels-bin-v3}"
START=$(date +%s)
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
source "$ROOT/tests/gpu/device_env.sh"

STOPPED=0
left() { ((STOPPED)) && echo 0 && return; echo $((BUDGET - ($(date +%s) - START))); }

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

KERNELS="${BENCH_KERNELS:-auto,hopper-simple,hopper-tma-ov}"
STUDY="${STUDY_KERNEL:-hopper-tma-ov}"
SWITCH="${STUDY_SWITCH-SVG2K_HOPPER_TMA_OV_PINGPONG=1}"
BENCH=("$BIN/bench_attention_gpu" --device cuda --densities 0.30,0.13 --kernels "$KERNELS"
  --repeats "${BENCH_REPEATS:-10}" --warmup "${BENCH_WARMUP:-3}")

# 1. the sparse attention kernels (every variant) against the fp32 reference stages
step tests-attention 90 20 "$BIN/test_gpu_svg2" --gtest_color=no --gtest_filter='GpuSparseAttention.*'
tests_rc=$?
summary "$OUT/tests-attention.log"
# STOP_ON_TEST_FAILURE=1: a new kernel that fails (or hangs in) its tests gets no bench or profile time.
if [ "${STOP_ON_TEST_FAILURE:-0}" = 1 ] && [ "$tests_rc" != 0 ]; then
  echo "tests-attention failed (rc=$tests_rc): stopping" | tee -a "$OUT/steps.txt"
  STOPPED=1
fi

# 2. the attention table on the Wan shapes
step bench-wan 150 40 "${BENCH[@]}" --shapes "${BENCH_SHAPES:-wan1.3b-480p,wan14b-720p}" \
  --json "$OUT/bench-wan.json"
tail -40 "$OUT/bench-wan.log"

# 3. the variant under study with its developer switch: correctness, then the same bench rows
if [ -n "$SWITCH" ]; then
  step tests-switch 60 15 env "$SWITCH" SVG2_TEST_ATTENTION_KERNELS="$STUDY" "$BIN/test_gpu_svg2" --gtest_color=no \
    --gtest_filter='GpuSparseAttention.*'
  summary "$OUT/tests-switch.log"
  step bench-switch 90 30 env "$SWITCH" "${BENCH[@]/$KERNELS/$STUDY}" --shapes "${BENCH_SHAPES:-wan1.3b-480p,wan14b-720p}" \
    --json "$OUT/bench-switch.json"
  tail -20 "$OUT/bench-switch.log"
fi

# 4. Nsight Compute on one launch of the variant (14B 720p, 30%), clocks left alone, while time is left
NCU="$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -1)"
if [ -n "$NCU" ] && [ "${NCU_SOL:-1}" = 1 ]; then
  STUDY_RE="${STUDY#hopper-}"
  step ncu 100 60 "$NCU" --clock-control none -k "regex:sparse_attention_hopper_${STUDY_RE//-/_}_kernel" -c 1 \
    --section SpeedOfLight --section WarpStateStats --section SchedulerStats --section ComputeWorkloadAnalysis \
    --section MemoryWorkloadAnalysis --section Occupancy --section LaunchStats \
    "$BIN/bench_attention_gpu" --device cuda --shapes wan14b-720p --densities 0.30 --kernels "$STUDY" \
    --repeats 1 --warmup 0
  grep -E "Duration|Throughput|Registers Per|Achieved Occupancy|Busy|Issue Slots|No Eligible|Stall|Eligible Warps|Active Warps" \
    "$OUT/ncu.log" | head -40
fi

# 4b. NCU_STALLS=1: why warps wait, per kernel in NCU_STALL_KERNELS (default hopper-simple and the
# studied variant; 14B 720p at 30%, one launch each): every stall reason's cycles per issued
# instruction; for the studied variant also the source page (SASS, sampled stalls per instruction) as CSV.
if [ "${NCU_STALLS:-0}" = 1 ] && [ -n "$NCU" ]; then
  for k in ${NCU_STALL_KERNELS:-hopper-simple $STUDY}; do
    kre="${k#hopper-}"
    case "$k" in hopper-simple | hopper) re="sparse_attention_hopper_kernel" ;; *) re="sparse_attention_hopper_${kre//-/_}_kernel" ;; esac
    step "stalls-$k" 60 30 "$NCU" --clock-control none -k "regex:$re" -c 1 --section WarpStateStats \
      --section SourceCounters --metrics 'regex:smsp__average_warps_issue_stalled_.*_per_issue_active\.ratio' \
      --page raw --csv "$BIN/bench_attention_gpu" --device cuda --shapes wan14b-720p --densities 0.30 --kernels "$k" \
      --repeats 1 --warmup 0
    [ "$k" = "$STUDY" ] || continue
    step "sass-$k" 60 30 "$NCU" --clock-control none -k "regex:$re" -c 1 --section SourceCounters \
      --page source --print-source sass --csv "$BIN/bench_attention_gpu" --device cuda --shapes wan14b-720p \
      --densities 0.30 --kernels "$k" --repeats 1 --warmup 0
  done
fi

# 5. the other GPU tests (k-means, selection, graphs, backend), then HunyuanVideo while time is left
step tests-rest 120 45 "$BIN/test_gpu_svg2" --gtest_color=no --gtest_filter='-GpuSparseAttention.*'
summary "$OUT/tests-rest.log"
step bench-hunyuan 90 50 "${BENCH[@]}" --shapes "${BENCH_EXTRA_SHAPES:-hunyuan-720p}" \
  --json "$OUT/bench-hunyuan.json"
tail -25 "$OUT/bench-hunyuan.log"

echo "total $(($(date +%s) - START)) s of $BUDGET" | tee -a "$OUT/steps.txt"
# At most 8 files come back: everything in one archive, plus the few read first.
tar czf /tmp/kernel-logs.tgz -C "$OUT" . && mv /tmp/kernel-logs.tgz "$OUT/all-logs.tgz"
for f in "$OUT"/*; do
  case "$(basename "$f")" in
    all-logs.tgz | steps.txt | machine.txt | bench-wan.json | bench-switch.json | tests-attention.log | tests-switch.log) ;;
    *) rm -rf "$f" ;;
  esac
done
exit 0
