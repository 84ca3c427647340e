#!/usr/bin/env bash
# Scores several demo-model folders in ONE device call, side by side on the one GPU (the models are
# tiny: one eval leaves most of an H200 idle), each on its own share of the host's CPU cores.
# Use it to tell apart what moved a checker share (e.g. a new DiT with the old VAE and the reverse)
# and to score a candidate on a second prompt set. sweep_defaults_on_gpu.sh launches its
# evaluations through it.
#
#   here:  a svg2 built with the CUDA kernels in .gpu/<TAR>.tar.xz (tests/train/build_carried_on_gpu.sh),
#          the model folders under .gpu/
#   device call: carry [".gpu/deps", ".gpu/<TAR>.tar.xz", the model folders],
#          command: TAR=<name> EVALS="a=.gpu/m1@1000 b=.gpu/m2@2000" bash tests/train/eval_on_gpu.sh
#   env: EVALS (label=model_folder@first_prompt_seed, space separated; a trailing + adds --ceiling, e.g.
#        "c=.gpu/m3@1000+"), JOBS (evaluations at once, default all of them, at most one per core;
#        each runs on a free slot's cores), LIMIT_S (each eval's time limit, default 420),
#        DEADLINE_S (the whole script, default 560: no eval runs past it), PROMPTS (100),
#        PSNR_PROMPTS (20), EVAL_ARGS (more `svg2 train eval` options), SVG2 (a binary to use
#        instead of the carried tar's: for a smoke test on a CPU, with PROMPTS=1
#        EVAL_ARGS="--steps 2 --device cpu")
#
# Brings back (under $OUT): summary.txt and summary.tsv (one row per evaluation: dense and SVG2
# colour / shape / motion, SVG2 density and PSNR, block top-k PSNR and SVG2's gain over it, and the
# dense shape / motion over the two-object prompts),
# evals.tar.gz (eval_<label>.json and .log of each: a call brings back at most 8 files), machine.txt.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="${OUT:-$ROOT/out/gpu-eval}"
: "${EVALS:?set EVALS to label=model_folder@seed entries}"
LIMIT_S="${LIMIT_S:-420}"
DEADLINE_S="${DEADLINE_S:-560}"
mkdir -p "$OUT"
STEPS_LOG="$OUT/steps.txt"
source "$ROOT/tests/gpu/call_clock.sh"
if [ -z "${SVG2:-}" ]; then
  : "${TAR:?set TAR to the carried binary archive name (or SVG2 to a binary)}"
  MACHINE_LOG="$OUT/machine.txt" source "$ROOT/tests/train/carried_svg2.sh"
  DEVICE_ARGS=(--device cuda)
else
  "$SVG2" --version >"$OUT/machine.txt" 2>&1 || { say "svg2 does not run: $SVG2"; exit 3; }
  DEVICE_ARGS=()
fi

read -ra entries <<<"$EVALS"
JOBS="${JOBS:-${#entries[@]}}"
((JOBS > ${#entries[@]})) && JOBS=${#entries[@]}
(($(nproc) < JOBS)) && JOBS=$(nproc)
per=$(($(nproc) / JOBS))
((per < 1)) && per=1
labels=()
slot_pid=()
for e in "${entries[@]}"; do
  label=${e%%=*}
  rest=${e#*=}
  ceiling=()
  [ "${rest%+}" != "$rest" ] && ceiling=(--ceiling) && rest=${rest%+}
  model=${rest%@*}
  seed=${rest##*@}
  [ -d "$ROOT/$model" ] && model="$ROOT/$model"
  [ -f "$model/svg2_model.json" ] || { say "skip $label: no model folder $model"; continue; }
  # A free slot: slot k runs on CPUs k*per .. k*per+per-1 while its evaluation lasts.
  slot=-1
  while ((slot < 0)); do
    for ((k = 0; k < JOBS; k++)); do
      pid=${slot_pid[k]:-}
      if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then slot=$k && break; fi
    done
    ((slot < 0)) && wait -n
  done
  limit=$(($(left) - 5))
  ((limit > LIMIT_S)) && limit=$LIMIT_S
  ((limit < 30)) && { say "skip $label: $(left) s left"; continue; }
  cpus="$((slot * per))-$((slot * per + per - 1))"
  say "start $label: $model, seed $seed ${ceiling[*]} (CPUs $cpus, limit $limit s)"
  labels+=("$label|$model|$seed")
  (
    OMP_NUM_THREADS=$per timeout --signal=TERM --kill-after=5 "$limit" taskset -c "$cpus" "$SVG2" train eval \
      --model "$model" "${DEVICE_ARGS[@]}" --prompts "${PROMPTS:-100}" --psnr-prompts "${PSNR_PROMPTS:-20}" \
      --seed "$seed" "${ceiling[@]}" ${EVAL_ARGS:-} --out "$OUT/eval_$label.json" >"$OUT/eval_$label.log" 2>&1
    say "end $label rc=$?"
  ) &
  slot_pid[slot]=$!
done
wait

printf 'label\tmodel\tseed\tdense_color\tdense_shape\tdense_motion\tsvg2_color\tsvg2_shape\tsvg2_motion\tsvg2_density\tsvg2_psnr\tblocktopk_density\tblocktopk_psnr\tgain_db\ttwo_objects\tdense2_shape\tdense2_motion\n' \
  >"$OUT/summary.tsv"
for entry in "${labels[@]}"; do
  IFS='|' read -r label model seed <<<"$entry"
  python3 - "$OUT/eval_$label.json" "$label" "$(basename "$model")" "$seed" >>"$OUT/summary.tsv" <<'PY' ||
import json, sys
r = json.load(open(sys.argv[1]))
pct = lambda part, key: f"{100 * r[part][key]:.0f}" if part in r else "-"
cells = sys.argv[2:5] + [pct(p, k) for p in ("dense", "svg2") for k in ("color", "shape", "motion")]
if "svg2_psnr" in r:  # not with --dense-only
    cells += [f"{100 * r['svg2_density']:.1f}", f"{r['svg2_psnr']:.2f}", f"{100 * r['blocktopk_density']:.1f}",
              f"{r['blocktopk_psnr']:.2f}", f"{r['svg2_psnr'] - r['blocktopk_psnr']:+.2f}"]
else:
    cells += ["-"] * 5
two = r.get("by_objects", {}).get("2")  # the two-object prompts, where most misses are
cells += [str(two["prompts"]), f"{100 * two['dense']['shape']:.0f}", f"{100 * two['dense']['motion']:.0f}"] if two else ["-"] * 3
print("\t".join(cells))
PY
    say "no report for $label"
done
# (the GPU image has no `column`)
python3 -c 'import sys; rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
w = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
print("\n".join("  ".join(c.ljust(n) for c, n in zip(r, w)) for r in rows))' "$OUT/summary.tsv" | tee "$OUT/summary.txt"
(cd "$OUT" && ls eval_* >/dev/null 2>&1 && tar -czf evals.tar.gz eval_* && rm -f eval_*)
say "done"
