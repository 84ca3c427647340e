#!/usr/bin/env bash
# DiT GPU tests and benchmark ON THE GPU MACHINE, with binaries built here (same torch 2.11 wheel):
#   here:   tests/wan/gpu_dit.sh prepare <build-dir>      (builds test_dit_gpu + bench_dit_step,
#           copies them stripped to .gpu/dit-bin; needs .gpu/deps from tests/gpu/prepare.sh)
#   device: carry [".gpu/deps", ".gpu/dit-bin"], command: bash tests/wan/gpu_dit.sh run [bench args...]
# Logs go to $OUT (dit-gpu-tests.log, dit-bench.jsonl).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BIN="$ROOT/.gpu/dit-bin"
case "${1:-run}" in
  prepare)
    BUILD="${2:?build dir}"
    cmake --build "$BUILD" -j2 --target test_dit_gpu bench_dit_step || exit 1
    rm -rf "$BIN" && mkdir -p "$BIN"
    for b in test_dit_gpu bench_dit_step; do cp "$BUILD/tests/$b" "$BIN/$b" && strip --strip-debug "$BIN/$b"; done
    git -C "$ROOT" rev-parse --short HEAD > "$BIN/COMMIT"
    echo "binaries in $BIN ($(du -sh "$BIN" | cut -f1))"
    ;;
  run)
    shift || true
    OUT="${OUT:-$ROOT/out/gpu}"
    mkdir -p "$OUT"
    source "$ROOT/tests/gpu/device_env.sh"
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$OUT/dit-machine.txt"
    echo "commit $(cat "$BIN/COMMIT")" | tee -a "$OUT/dit-machine.txt"
    timeout "${TEST_TIMEOUT:-240}" "$BIN/test_dit_gpu" --gtest_color=no 2>&1 | tee "$OUT/dit-gpu-tests.log"
    rc=${PIPESTATUS[0]}
    if [ "${BENCH:-1}" = 1 ]; then
      if [ $# -gt 0 ]; then
        "$BIN/bench_dit_step" "$@" | tee -a "$OUT/dit-bench.jsonl"
      else
        "$BIN/bench_dit_step" --arch wan-1.3b --size 832x480 --frames 81 --batch 2 --iters 3 | tee -a "$OUT/dit-bench.jsonl"
        "$BIN/bench_dit_step" --arch wan-14b --size 1280x720 --frames 81 --batch 2 --iters 1 | tee -a "$OUT/dit-bench.jsonl"
      fi
    fi
    exit $rc
    ;;
  *) echo "usage: $0 prepare <build-dir> | run [bench args]"; exit 2 ;;
esac
