#!/usr/bin/env bash
# The attention benchmark on the GPU machine (called by tests/gpu/run.sh): issue #7's table for
# the three video shapes at 30% and 13% density, every attention kernel, JSON + table in $OUT.
#   BENCH_BIN=path/to/bench_attention_gpu bash tests/gpu/bench.sh OUT_DIR
# Environment: BENCH_SHAPES, BENCH_KERNELS, BENCH_REPEATS override the defaults.
set -uo pipefail
OUT="${1:?usage: bench.sh OUT_DIR}"
BIN="${BENCH_BIN:?set BENCH_BIN to the bench_attention_gpu binary}"
SHAPES="${BENCH_SHAPES:-wan1.3b-480p,wan14b-720p,hunyuan-720p}"
KERNELS="${BENCH_KERNELS:-auto,hopper-simple,ampere}"
REPEATS="${BENCH_REPEATS:-10}"
echo "== bench: $BIN --device cuda --shapes $SHAPES --densities 0.30,0.13 --kernels $KERNELS --repeats $REPEATS"
timeout "${BENCH_TIMEOUT:-420}" "$BIN" --device cuda --shapes "$SHAPES" --densities 0.30,0.13 --kernels "$KERNELS" \
  --repeats "$REPEATS" --warmup 3 --json "$OUT/bench-attention.json" | tee "$OUT/bench-attention.txt"
