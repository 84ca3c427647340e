#!/usr/bin/env bash
# Scores several demo-model folders in ONE device call, side by side on the one GPU (the models are
# tiny: one eval leaves most of an H200 idle), each on its own share of the host's CPU cores.
# Use it to tell apart what moved a checker share (e.g. a new DiT with the old VAE and the reverse)
# and to score a candidate on a second prompt set.
#
#   here:  a svg2 built with the CUDA kernels in .gpu/<TAR>.tar.xz (tests/train/build_carried_on_gpu.sh),
#          the model folders under .gpu/
#   device call: carry [".gpu/deps", ".gpu/<TAR>.tar.xz", the model folders],
#          command: TAR=<name> EVALS="a=.gpu/m1@1000 b=.gpu/m2@2000" bash tests/train/eval_on_gpu.sh
#   env: EVALS (label=model_folder@first_prompt_seed, space separated; a trailing + adds --ceiling, e.g.
#        "c=.gpu/m3@1000+"), LIMIT_S (each eval's time limit, default 420), PROMPTS (default 100)
#
# Brings back (under $OUT): eval_<label>.json and .log for each, machine.txt.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="${OUT:-$ROOT/out/gpu-eval}"
: "${TAR:?set TAR to the carried binary archive name}"
: "${EVALS:?set EVALS to label=model_folder@seed entries}"
LIMIT_S="${LIMIT_S:-420}"
mkdir -p "$OUT"
STEPS_LOG="$OUT/steps.txt"
source "$ROOT/tests/gpu/call_clock.sh"
MACHINE_LOG="$OUT/machine.txt" source "$ROOT/tests/train/carried_svg2.sh"

read -ra entries <<<"$EVALS"
n=${#entries[@]}
per=$(($(nproc) / n))
((per < 1)) && per=1
i=0
for e in "${entries[@]}"; do
  label=${e%%=*}
  rest=${e#*=}
  ceiling=()
  [ "${rest%+}" != "$rest" ] && ceiling=(--ceiling) && rest=${rest%+}
  model=${rest%@*}
  seed=${rest##*@}
  [ -d "$ROOT/$model" ] && model="$ROOT/$model"
  [ -f "$model/svg2_model.json" ] || { say "skip $label: no model folder $model"; continue; }
  first=$(((i * per) % $(nproc))); last=$((first + per - 1))  # more evaluations than cores: they share
  say "start $label: $model, seed $seed ${ceiling[*]} (CPUs $first-$last)"
  (
    OMP_NUM_THREADS=$per timeout --signal=TERM --kill-after=5 "$LIMIT_S" taskset -c "$first-$last" "$SVG2" train eval \
      --model "$model" --device cuda --prompts "${PROMPTS:-100}" --psnr-prompts 20 --seed "$seed" "${ceiling[@]}" \
      --out "$OUT/eval_$label.json" >"$OUT/eval_$label.log" 2>&1
    say "end $label rc=$?"
  ) &
  i=$((i + 1))
done
wait
say "done"
