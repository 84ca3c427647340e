#!/usr/bin/env bash
# Issue #4/#8 measurements on ONE GPU of the GPU machine, inside a wall-clock deadline: the DiT GPU
# tests, the dense DiT step split (attention / GEMMs / other) for 1.3B and 14B, 14B with block
# offload (peak memory), then `svg2 bench e2e` runs. Meant to share a device call with other work
# (e.g. demo training on the other GPU of an nvidia-h200-x2), so it can wait for a binary that the
# other job builds.
#
#   env: DEADLINE_S (whole script, default 560), SKIP_DIT=1 (only the e2e runs), SVG2 (the svg2 binary; WAIT_FOR=file to wait for it
#        first), E2E_RUNS ("arch:size:density ...", "none" for no e2e run), E2E_MIN_S (time a 14B e2e run
#        needs, 230), RENDER_14B=1 (first: a whole 14B 1280x720x81 render, 2 steps, dense, with block
#        offload and tiled VAE decode under a 23 GiB allocator cap — issue #4's 24 GB card; about
#        180 s alone on an H200 host: do not run several 14B jobs on one host, their loads are CPU-bound)
#   carry: .gpu/deps, .gpu/dit-bin (tests/wan/gpu_dit.sh prepare)
# Logs go to $OUT/measure/ (the caller archives it).
set -uo pipefail
T0=$(date +%s)
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="${OUT:-$ROOT/out/gpu}/measure"
mkdir -p "$OUT"
DEADLINE_S="${DEADLINE_S:-560}"
STEPS_LOG="$OUT/steps.txt"
source "$ROOT/tests/gpu/call_clock.sh"
source "$ROOT/tests/gpu/device_env.sh"
BIN="$ROOT/.gpu/dit-bin"
{
  date -u +%FT%TZ
  nvidia-smi --query-gpu=index,name,driver_version,memory.total --format=csv,noheader
  echo "CUDA_VISIBLE_DEVICES=${CUDA_VISIBLE_DEVICES:-}; dit-bin commit $(cat "$BIN/COMMIT" 2>/dev/null)"
} 2>&1 | tee "$OUT/machine.txt"

# A step under `timeout`, skipped when less than MIN seconds are left.
step() {
  local name=$1 limit=$2 min=$3 log=$4; shift 4
  if (($(left) < min)); then say "skip $name: $(left) s left, needs $min"; return 0; fi
  ((limit > $(left) - 5)) && limit=$(($(left) - 5))
  say "start $name (limit $limit s)"
  timeout --signal=TERM --kill-after=5 "$limit" "$@" >"$log" 2>"$log.stderr"
  say "end $name rc=$?"
}

[ -n "${SKIP_DIT:-}" ] || step dit-gpu-tests 120 30 "$OUT/dit-gpu-tests.log" "$BIN/test_dit_gpu" --gtest_color=no
if [ -n "${WAIT_FOR:-}" ]; then
  while [ ! -e "$WAIT_FOR" ] && (($(left) > 60)); do sleep 2; done
  say "waited for $WAIT_FOR: $([ -e "$WAIT_FOR" ] && echo present || echo missing)"
fi
[ -n "${SKIP_DIT:-}" ] || step dit-step-1.3b 60 20 "$OUT/dit-step-1.3b.json" "$BIN/bench_dit_step" --arch wan-1.3b --size 832x480 --frames 81 --batch 2 --iters 3
[ -n "${SKIP_DIT:-}" ] || step dit-step-14b 120 60 "$OUT/dit-step-14b.json" "$BIN/bench_dit_step" --arch wan-14b --size 1280x720 --frames 81 --batch 2 --iters 1
[ -n "${SKIP_DIT:-}" ] || step dit-step-14b-offload 150 60 "$OUT/dit-step-14b-offload.json" "$BIN/bench_dit_step" --arch wan-14b --size 1280x720 --frames 81 --batch 1 --iters 1 --offload
SVG2="${SVG2:-}"
if [ -n "$SVG2" ] && "$SVG2" --version >>"$OUT/machine.txt" 2>&1; then
  if [ -n "${RENDER_14B:-}" ]; then
    step render-14b-offload 330 150 "$OUT/render-14b.json" "$SVG2" --json render --random-weights wan-14b \
      --prompt "a red fox running through fresh snow, cinematic" --size 1280x720 --frames 81 --steps 2 \
      --attention dense --offload --tiled-vae --memory-limit 23 --device cuda --out /tmp/render-14b
    cp /tmp/render-14b.json "$OUT/render-14b.sidecar.json" 2>/dev/null
  fi
  for run in ${E2E_RUNS:-wan-14b:1280x720:0.295 wan-14b:1280x720:0.129}; do
    [ "$run" = none ] && continue
    IFS=: read -r arch size density <<<"$run"
    min=40; [ "$arch" = wan-14b ] && min="${E2E_MIN_S:-230}"
    step "e2e-$arch-$density" 400 "$min" "$OUT/e2e-$arch-$size-$density.json" \
      "$SVG2" --json bench e2e --arch "$arch" --size "$size" --density "$density" --warmup 1 --dense-repeats 1 --sparse-repeats 1
  done
else
  say "no svg2 binary that runs: e2e skipped"
fi
say "done"
