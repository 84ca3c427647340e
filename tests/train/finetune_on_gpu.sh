#!/usr/bin/env bash
# Improves a trained demo model in ONE device call without changing its latent space: the VAE's
# decoder (encoder frozen, `svg2 train vae --decoder-only`) and the DiT (resumed on a new latent
# bank) train side by side on the one GPU, each on half of the host's CPU cores (both render their
# clips on the CPU); then one export combines them and `svg2 train eval --ceiling` scores the
# starting model and the result on the same held-out prompts and seeds.
#
#   here:  tests/gpu/prepare.sh (fills .gpu/deps); a svg2 built with the CUDA kernels (sm_90a),
#          stripped, in .gpu/<TAR>.tar.xz as <TAR>/svg2
#   device call: carry [".gpu/deps", ".gpu/<TAR>.tar.xz"],
#          command: TAR=<name> bash tests/train/finetune_on_gpu.sh   (timeout_s a little above DEADLINE_S)
#   env: DEADLINE_S (whole script, default 540), TRAIN_S (the training phase, default 270),
#        MODEL (starting model folder, default resources/models/demo), VAE_ARGS (`svg2 train vae` window and
#        loss options), DIT_ARGS (extra `svg2 train dit` options, e.g. a new --seed per call: the
#        latent bank is drawn from it; not --lr: DIT_LR, default 4e-4, sets it), BANK_S (latent bank seconds, default 80),
#        BANK_CACHE (a file on the device that keeps the DiT's latent bank across the calls of a chain on
#        a warm machine, e.g. /tmp/dit-bank.safetensors: each call adds BANK_S worth of new clips), SKIP_DIT=1 / SKIP_VAE=1,
#        EVAL_BEFORE=0 (skip the starting model's evaluation, e.g. when an earlier call has it),
#        EVAL_AFTER=0 (skip the result's evaluation: a call in the middle of a chain trains longer)
#
# Brings back (under $OUT): model/ (the combined fp16 model folder) and logs.tar.gz (train logs,
# loss logs, run state JSON, both evaluations as JSON).
set -uo pipefail
T0=$(date +%s)
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="${OUT:-$ROOT/out/gpu-finetune}"
DEADLINE_S="${DEADLINE_S:-540}"
TRAIN_S="${TRAIN_S:-270}"
BANK_S="${BANK_S:-80}"
MODEL="${MODEL:-$ROOT/resources/models/demo}"
LOGS=/tmp/finetune-logs
rm -rf "$LOGS" /tmp/ft-vae /tmp/ft-dit && mkdir -p "$LOGS" "$OUT"
STEPS_LOG="$LOGS/steps.txt"
source "$ROOT/tests/gpu/call_clock.sh"
finish() {
  say "done"
  tar -czf "$OUT/logs.tar.gz" -C "$LOGS" .
}
trap finish EXIT

MACHINE_LOG="$LOGS/machine.txt" source "$ROOT/tests/train/carried_svg2.sh"

# Both runs start from the model folder: its fp16 weights, fresh optimizer moments.
mkdir -p /tmp/ft-vae /tmp/ft-dit && cp -r "$MODEL/." /tmp/ft-vae/ && cp -r "$MODEL/." /tmp/ft-dit/
half=$(($(nproc) / 2))
run_limited() {  # name cpus limit_s args...: svg2 under timeout on a CPU set, log in $LOGS/name.log
  local name=$1 cpus=$2 limit=$3
  shift 3
  say "start $name (limit $limit s, CPUs $cpus)"
  timeout --signal=TERM --kill-after=10 "$limit" taskset -c "$cpus" "$SVG2" "$@" >"$LOGS/$name.log" 2>&1
  say "end $name rc=$?"
}

vae_cpus="0-$((half - 1))"
[ -n "${SKIP_DIT:-}" ] && vae_cpus="0-$(($(nproc) - 1))"  # alone: all of the host's cores
if [ -z "${SKIP_VAE:-}" ]; then
  run_limited vae "$vae_cpus" $((TRAIN_S + 40)) train vae --run /tmp/ft-vae --device cuda --decoder-only \
    --steps 100000 --warmup 30 --time-budget "$TRAIN_S" --log-every 25 --checkpoint-every 0 \
    ${VAE_ARGS:---base-dim 24 --frames 17 --crop 128 --batch 12 --lr 3e-4 --object-weight 4 --object-crop 0.7 --channel-shuffle 0.5} &
fi
dit_cpus="$half-$(($(nproc) - 1))"
[ -n "${SKIP_VAE:-}" ] && dit_cpus="0-$(($(nproc) - 1))"  # alone: all of the host's cores for the bank
if [ -z "${SKIP_DIT:-}" ]; then
  DIT_S=$((TRAIN_S - BANK_S))
  # About 0.15 s per step alone on an H200; the schedule decays over the steps that fit the budget.
  run_limited dit "$dit_cpus" $((TRAIN_S + 40)) train dit --run /tmp/ft-dit --device cuda \
    --steps 100000 --batch 64 --lr "${DIT_LR:-4e-4}" --warmup 50 --time-budget "$DIT_S" --bank 8192 --bank-budget "$BANK_S" \
    --checkpoint-every 0 --log-every 25 --ema 0.995 ${BANK_CACHE:+--bank-cache "$BANK_CACHE"} ${DIT_ARGS:-} &
fi
wait

# One model folder: the DiT run's text encoder and DiT with the decoder run's VAE.
[ -f /tmp/ft-vae/vae.safetensors ] && [ -z "${SKIP_VAE:-}" ] && cp /tmp/ft-vae/vae.safetensors /tmp/ft-dit/vae.safetensors
timeout 60 "$SVG2" train export --run /tmp/ft-dit --out "$OUT/model" --dtype fp16 >"$LOGS/export.log" 2>&1
say "export rc=$?"
cp /tmp/ft-vae/*_loss.jsonl /tmp/ft-vae/*.train.json /tmp/ft-dit/*_loss.jsonl /tmp/ft-dit/*.train.json "$LOGS/" 2>/dev/null

# The same evaluation of the starting model and of the result (same prompts and seeds).
whiches=""
[ "${EVAL_BEFORE:-1}" = 0 ] || whiches=before
[ "${EVAL_AFTER:-1}" = 0 ] || whiches="$whiches after"
for which in $whiches; do
  model="$MODEL"; [ "$which" = after ] && model="$OUT/model"
  limit=$(($(left) - 10)); ((limit > 150)) && limit=150
  ((limit < 30)) && { say "skip eval $which: $(left) s left"; continue; }
  say "start eval $which (limit $limit s)"
  timeout --signal=TERM --kill-after=5 "$limit" "$SVG2" train eval --model "$model" --device cuda --prompts 100 \
    --psnr-prompts 20 --ceiling --out "$LOGS/eval_$which.json" >"$LOGS/eval_$which.log" 2>&1
  say "end eval $which rc=$?"
done
