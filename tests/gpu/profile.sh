#!/usr/bin/env bash
# Nsight Compute evidence for docs/PERF.md (GPU machine; tests/gpu/run.sh calls it when PROFILE=1),
# clocks left alone, on one shape and density:
#   ncu-attention.txt  the block-sparse attention kernel (full set of sections)
#   ncu-select.txt     centroid scores, per-row selection and the K/V permutation (speed of light)
#   ncu-kmeans.txt     assignment and update of the key clustering (speed of light, occupancy)
#   BENCH_BIN=... bash tests/gpu/profile.sh OUT_DIR
set -uo pipefail
OUT="${1:?usage: profile.sh OUT_DIR}"
BIN="${BENCH_BIN:?set BENCH_BIN}"
SHAPE="${PROFILE_SHAPE:-wan14b-720p}"
DENSITY="${PROFILE_DENSITY:-0.30}"
KERNEL="${PROFILE_KERNEL:-auto}"
NCU="$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -1)"
[ -n "$NCU" ] || { echo "ncu not found"; exit 0; }
run_ncu() {  # out-file, ncu args...
  local out="$1"; shift
  timeout "${PROFILE_TIMEOUT:-120}" "$NCU" --clock-control none "$@" \
    "$BIN" --device cuda --shapes "$SHAPE" --densities "$DENSITY" --kernels "$KERNEL" --repeats 1 --warmup 0 \
    > "$out" 2>&1
  echo "== $(basename "$out"): exit $?"
}
SOL=(--section SpeedOfLight --section Occupancy --section LaunchStats)
run_ncu "$OUT/ncu-attention.txt" -k regex:sparse_attention -c 1 --set full
run_ncu "$OUT/ncu-select.txt" -k regex:"centroid_scores|select_rows|permute_tokens" -c 4 "${SOL[@]}"
run_ncu "$OUT/ncu-kmeans.txt" -k regex:"kmeans_assign|kmeans_update" --launch-skip 40 -c 2 "${SOL[@]}"
grep -hE "^  [a-z_ ]*void|Duration|Compute \(SM\) Throughput|Memory Throughput|DRAM Throughput|Registers Per|Achieved Occupancy" \
  "$OUT"/ncu-*.txt | head -60
