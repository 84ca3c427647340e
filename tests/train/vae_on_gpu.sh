#!/usr/bin/env bash
# Trains a NEW demo-model VAE (encoder and decoder, e.g. a wider --base-dim) over several device calls,
# then scores its round trip with `svg2 train eval --ceiling` in the same call. The rest of the model
# folder (tokenizer, text encoder, DiT) is the committed model's, so export and eval run; the dense
# numbers of that eval are meaningless until a DiT is trained on the new latents: read only the
# "VAE round trip" line.
#
#   here:  tests/gpu/prepare.sh (fills .gpu/deps); a svg2 built with the CUDA kernels (sm_90a),
#          stripped, in .gpu/<TAR>.tar.xz as <TAR>/svg2; for a later call, the earlier call's state
#          parts (vae-state.tar.xz.part-*) in .gpu/<STATE_IN>/
#   device call: carry [".gpu/deps", ".gpu/<TAR>.tar.xz", ".gpu/<STATE_IN>"],
#          command: TAR=<name> [STATE_IN=<dir>] bash tests/train/vae_on_gpu.sh   (timeout_s ~ DEADLINE_S + 30)
#   env: DEADLINE_S (whole script, default 540), TRAIN_S (training seconds, default 400), TOTAL_STEPS (the
#        learning-rate schedule spans all calls: keep it the same in each, default 6000), BASE_DIM (24),
#        VAE_ARGS (window, batch, lr and loss options), EVAL_PROMPTS (100; 0 skips the eval), EVAL_SEEDS
#        (first held-out prompt seed of each eval, default "1000"; "1000 2000" scores both prompt sets)
#
# Where the run starts: a warm machine's /tmp/vae-run (full optimizer state) if there is one, else the
# carried fp32 weights (fresh optimizer moments at the recorded step), else from scratch.
# Brings back (under $OUT): vae-state.tar.xz.part-* (fp32 weights and run JSON for the next call; the
# optimizer moments stay behind, over what comes back), logs.tar.gz (train log, loss log, eval JSON).
set -uo pipefail
T0=$(date +%s)
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="${OUT:-$ROOT/out/gpu-vae}"
DEADLINE_S="${DEADLINE_S:-540}"
TRAIN_S="${TRAIN_S:-400}"
TOTAL_STEPS="${TOTAL_STEPS:-6000}"
BASE_DIM="${BASE_DIM:-24}"
EVAL_PROMPTS="${EVAL_PROMPTS:-100}"
RUN=/tmp/vae-run
LOGS=/tmp/vae-logs
rm -rf "$LOGS" && mkdir -p "$LOGS" "$OUT"
STEPS_LOG="$LOGS/steps.txt"
source "$ROOT/tests/gpu/call_clock.sh"
finish() {
  say "done"
  cp "$RUN"/vae_loss.jsonl "$RUN"/vae.train.json "$LOGS/" 2>/dev/null
  tar -czf "$OUT/logs.tar.gz" -C "$LOGS" .
}
trap finish EXIT

MACHINE_LOG="$LOGS/machine.txt" source "$ROOT/tests/train/carried_svg2.sh"

FRESH=()
if [ -f "$RUN/vae.train.safetensors" ]; then
  say "warm machine: resuming $RUN with its optimizer state"
else
  rm -rf "$RUN" && mkdir -p "$RUN" && cp -r "$ROOT/resources/models/demo/." "$RUN/"
  rm -f "$RUN/vae.safetensors"
  if [ -n "${STATE_IN:-}" ] && ls "$ROOT/.gpu/$STATE_IN"/vae-state.tar.xz.part-* >/dev/null 2>&1; then
    cat "$ROOT/.gpu/$STATE_IN"/vae-state.tar.xz.part-* | tar -xJ -C "$RUN" || { say "bad state parts"; exit 4; }
    say "resuming from the carried weights (fresh optimizer moments): $(cat "$RUN/vae.train.json")"
  else
    FRESH=(--fresh)
    say "no state: a new VAE from scratch"
  fi
fi

say "start train vae (limit $((TRAIN_S + 90)) s: the latent statistics follow the budget)"
timeout --signal=TERM --kill-after=10 $((TRAIN_S + 90)) "$SVG2" train vae --run "$RUN" --device cuda "${FRESH[@]}" \
  --base-dim "$BASE_DIM" --steps "$TOTAL_STEPS" --warmup 100 --time-budget "$TRAIN_S" --log-every 25 \
  --checkpoint-every 0 --stats-clips 192 \
  ${VAE_ARGS:---frames 17 --crop 128 --batch 12 --lr 4e-4 --object-weight 4 --object-crop 0.7 --channel-shuffle 0.5} \
  >"$LOGS/vae.log" 2>&1
rc=$?
say "end train vae rc=$rc"
tail -5 "$LOGS/vae.log"
[ "$rc" = 0 ] || exit 5

tar -cJf /tmp/vae-state.tar.xz -C "$RUN" vae.safetensors vae.train.json vae_loss.jsonl svg2_model.json
split -b 15M -d /tmp/vae-state.tar.xz "$OUT/vae-state.tar.xz.part-"
say "state: $(du -h /tmp/vae-state.tar.xz | cut -f1)"

[ "$EVAL_PROMPTS" -gt 0 ] || exit 0
timeout 60 "$SVG2" train export --run "$RUN" --out /tmp/vae-model --dtype fp16 >"$LOGS/export.log" 2>&1 ||
  { say "export failed"; exit 6; }
# Two sampler steps: the dense renders only have to run (the DiT does not know these latents yet).
for seed in ${EVAL_SEEDS:-1000}; do
  limit=$(($(left) - 10)); ((limit > 150)) && limit=150
  ((limit < 30)) && { say "skip eval $seed: $(left) s left"; continue; }
  say "start eval seed $seed (limit $limit s)"
  timeout --signal=TERM --kill-after=5 "$limit" "$SVG2" train eval --model /tmp/vae-model --device cuda \
    --prompts "$EVAL_PROMPTS" --seed "$seed" --dense-only --ceiling --steps 2 --out "$LOGS/eval_$seed.json" \
    >"$LOGS/eval_$seed.log" 2>&1
  say "end eval seed $seed rc=$?"
  tail -3 "$LOGS/eval_$seed.log"
done
