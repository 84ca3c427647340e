#!/usr/bin/env bash
# Scores candidate SVG2 defaults for a demo model in ONE device call: for each setting, a copy of the
# model folder whose manifest's `attention` block is patched, then `svg2 train eval` on the same
# held-out prompts and seeds (dense, SVG2 at that setting, position block top-k at SVG2's density),
# on each prompt set in SEEDS. tests/train/eval_on_gpu.sh runs the evaluations side by side on the
# one GPU (JOBS at a time, each on its share of the CPU cores): the demo model leaves most of an
# H200 idle, so six take about 190 s where one alone takes about 110 s.
# The dense renders do not depend on the setting, so their checker share is the same in every row of
# one prompt set: compare each row's SVG2 share with it (issue #9: within 2 points) and its PSNR gain
# over block top-k.
#
#   here:  tests/gpu/prepare.sh (fills .gpu/deps); a svg2 built with the CUDA kernels (sm_90a),
#          stripped, in .gpu/<TAR>.tar.xz as <TAR>/svg2
#   device call: carry [".gpu/deps", ".gpu/<TAR>.tar.xz"],
#          command: TAR=<name> bash tests/train/sweep_defaults_on_gpu.sh   (timeout_s a little above DEADLINE_S)
#   env: SETTINGS (space-separated; each a comma list of attention keys=values, "-" = the model's own
#        defaults; default: the current defaults and a dense_layers / query / key cluster neighbourhood),
#        SEEDS (first prompt seed of each prompt set, default "1000 2000"), JOBS (evaluations at once,
#        default 6), MODEL (default resources/models/demo), PROMPTS (100), PSNR_PROMPTS (20),
#        EVAL_ARGS (more `svg2 train eval` options), DEADLINE_S (whole script, default 560), SVG2 (a
#        binary to use instead of the carried tar's: for a smoke test on a CPU, with PROMPTS=1 JOBS=1
#        EVAL_ARGS="--steps 2 --device cpu")
#
# Brings back (under $OUT/sweep): settings.txt (which setting each label sN stands for), and what
# eval_on_gpu.sh brings back: summary.txt / summary.tsv (one row per evaluation, labelled sN-<seed>:
# dense and SVG2 colour / shape / motion, SVG2 density and PSNR, block top-k PSNR, gain) and
# evals.tar.gz (each evaluation's JSON and log).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="${OUT:-$ROOT/out/gpu-sweep}/sweep"
MODEL="${MODEL:-$ROOT/resources/models/demo}"
SETTINGS="${SETTINGS:-- dense_layers=2 query_clusters=128 key_clusters=1024}"
SEEDS="${SEEDS:-1000 2000}"
export DEADLINE_S="${DEADLINE_S:-560}" T0="$(date +%s)" JOBS="${JOBS:-6}"
mkdir -p "$OUT"
read -ra seeds <<<"$SEEDS"
read -ra settings <<<"$SETTINGS"
evals=""
: >"$OUT/settings.txt"
n=0
for setting in "${settings[@]}"; do
  n=$((n + 1))
  folder="/tmp/sweep-model-s$n"
  rm -rf "$folder" && cp -r "$MODEL" "$folder"
  if ! python3 - "$folder/svg2_model.json" "$setting" >"$folder.attention" <<'PY'; then
import json, sys
path, setting = sys.argv[1], sys.argv[2]
manifest = json.load(open(path))
attention = manifest.setdefault("attention", {})
if setting != "-":
    for pair in setting.split(","):
        key, _, value = pair.partition("=")
        if key not in attention:
            sys.exit(f"unknown attention key '{key}' (the manifest has: {', '.join(sorted(attention))})")
        attention[key] = type(attention[key])(float(value)) if not isinstance(attention[key], str) else value
json.dump(manifest, open(path, "w"), indent=2)
print(json.dumps(attention, sort_keys=True))
PY
    echo "s$n  $setting  (bad setting, skipped)" | tee -a "$OUT/settings.txt"
    continue
  fi
  echo "s$n  $setting  $(cat "$folder.attention")" | tee -a "$OUT/settings.txt"
  for seed in "${seeds[@]}"; do evals="$evals s$n-$seed=$folder@$seed"; done
done
[ -n "$evals" ] || { echo "no setting to evaluate"; exit 3; }
EVALS="$evals" OUT="$OUT" bash "$ROOT/tests/train/eval_on_gpu.sh"
