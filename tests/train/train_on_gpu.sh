#!/usr/bin/env bash
# Trains the demo model's VAE and DiT on the GPU machine in one device call, with a svg2 binary
# built HERE (Debian 12, against .venv's torch 2.11.0+cu130, FFmpeg and GUI off) and carried in
# .gpu/bin, and the run folder prepared here by `svg2 train text` carried in .gpu/run.
#
#   here:  cmake -S . -B build-demo-gpu -G Ninja -DSVG2_WITH_FFMPEG=OFF -DSVG2_WITH_GUI=OFF \
#            -DSVG2_WITH_TESTS=OFF -DSVG2_WITH_BENCH=OFF && cmake --build build-demo-gpu --target svg2
#          mkdir -p .gpu/bin && strip -o .gpu/bin/svg2 build-demo-gpu/bin/svg2
#          build-demo/bin/svg2 train text --run .gpu/run
#   device call (carry [".gpu"]): bash tests/train/train_on_gpu.sh [vae seconds] [dit seconds]
#
# Brings back (under $OUT) the exported half-precision model folder and the loss logs.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="${OUT:-$ROOT/out/gpu-train}"
VAE_S="${1:-100}"
DIT_S="${2:-280}"
RUN="$ROOT/.gpu/run"
mkdir -p "$OUT/model"
TORCH_LIB="$(python3 -c 'import torch,os;print(os.path.dirname(torch.__file__))')/lib"
export LD_LIBRARY_PATH="$TORCH_LIB:$ROOT/.gpu/deps/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
SVG2="$ROOT/.gpu/bin/svg2"
LOG="$OUT/train.log"
{
  nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
  python3 -c 'import torch;print("torch",torch.__version__,"cuda",torch.version.cuda)'
  nproc
} 2>&1 | tee "$LOG"
if ! "$SVG2" --version >>"$LOG" 2>&1; then
  echo "the carried svg2 binary does not run here:" | tee -a "$LOG"
  ldd "$SVG2" | grep -i "not found" | tee -a "$LOG"
  exit 3
fi
[ -f "$RUN/tokenizer.model" ] || { echo "missing $RUN/tokenizer.model: run 'svg2 train text --run .gpu/run' here first" | tee -a "$LOG"; exit 2; }

run_stage() {
  echo "== $*" | tee -a "$LOG"
  local start=$(date +%s)
  "$SVG2" "$@" 2>&1 | tee -a "$LOG"
  local rc=${PIPESTATUS[0]}
  echo "== rc $rc after $(( $(date +%s) - start )) s" | tee -a "$LOG"
  return $rc
}

run_stage train vae --run "$RUN" --device cuda --steps 3000 --batch 16 --lr 5e-4 --warmup 50 \
  --time-budget "$VAE_S" --checkpoint-every 250 --log-every 25 --stats-clips 256 || exit 4
run_stage train dit --run "$RUN" --device cuda --steps 6000 --batch 64 --lr 4e-4 --warmup 100 \
  --time-budget "$DIT_S" --bank 8192 --bank-budget 60 --checkpoint-every 500 --log-every 25 ${DIT_ARGS:-} || true
run_stage train export --run "$RUN" --out "$OUT/model" --dtype fp16 || exit 5
cp "$RUN"/vae_loss.jsonl "$RUN"/dit_loss.jsonl "$OUT/" 2>/dev/null
ls -la "$OUT" "$OUT/model" | tee -a "$LOG"
