#!/usr/bin/env bash
# Scores candidate SVG2 defaults for a demo model in ONE device call: for each setting, a copy of the
# model folder whose manifest's `attention` block is patched, then `svg2 train eval` on the same
# held-out prompts and seeds (dense, SVG2 at that setting, position block top-k at SVG2's density),
# on each prompt set in SEEDS. The evaluations run side by side on the one GPU (JOBS at a time, each
# on its share of the CPU cores): the demo model leaves most of an H200 idle, so six take about
# 190 s where one alone takes about 110 s.
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
# Brings back (under $OUT/sweep): one eval JSON and log per setting and prompt set, and summary.tsv
# (one row each: dense and SVG2 colour / shape / motion, SVG2 density and PSNR, block top-k PSNR, gain).
set -uo pipefail
T0=$(date +%s)
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="${OUT:-$ROOT/out/gpu-sweep}/sweep"
DEADLINE_S="${DEADLINE_S:-560}"
MODEL="${MODEL:-$ROOT/resources/models/demo}"
SETTINGS="${SETTINGS:-- dense_layers=2 query_clusters=128 key_clusters=1024}"
SEEDS="${SEEDS:-1000 2000}"
JOBS="${JOBS:-6}"
mkdir -p "$OUT"
STEPS_LOG="$OUT/steps.txt"
source "$ROOT/tests/gpu/call_clock.sh"

if [ -z "${SVG2:-}" ]; then
  source "$ROOT/tests/gpu/device_env.sh"
  tar -xJf "$ROOT/.gpu/$TAR.tar.xz" -C /tmp
  SVG2="/tmp/$TAR/svg2"
  DEVICE_ARGS="--device cuda"
else
  DEVICE_ARGS=""
fi
{
  date -u +%FT%TZ
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo "no GPU"
  echo "svg2 commit $(cat "$(dirname "$SVG2")/COMMIT" 2>/dev/null)"
} 2>&1 | tee "$OUT/machine.txt"
"$SVG2" --version >/dev/null 2>&1 || { say "svg2 does not run: $SVG2"; exit 3; }

printf 'setting\tseed\tdense_color\tdense_shape\tdense_motion\tsvg2_color\tsvg2_shape\tsvg2_motion\tsvg2_density\tsvg2_psnr\tblocktopk_density\tblocktopk_psnr\tgain_db\n' \
  >"$OUT/summary.tsv"
read -ra seeds <<<"$SEEDS"
read -ra settings <<<"$SETTINGS"
total=$((${#seeds[@]} * ${#settings[@]}))
((JOBS > total)) && JOBS=$total
(($(nproc) < JOBS)) && JOBS=$(nproc)  # at least one core each
per=$(($(nproc) / JOBS))
((per < 1)) && per=1
names=()
slot_pid=()
n=0
for setting in "${settings[@]}"; do
  n=$((n + 1))
  folder="/tmp/sweep-model-s$n"
  rm -rf "$folder" && cp -r "$MODEL" "$folder"
  if ! python3 - "$folder/svg2_model.json" "$setting" <<'PY'; then
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
    say "bad setting '$setting'"
    continue
  fi
  for seed in "${seeds[@]}"; do
    # A free slot: JOBS at a time, slot k on CPUs k*per .. k*per+per-1 (a slot is free when its
    # evaluation has ended).
    slot=-1
    while ((slot < 0)); do
      for ((k = 0; k < JOBS; k++)); do
        pid=${slot_pid[k]:-}
        if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then slot=$k && break; fi
      done
      ((slot < 0)) && wait -n
    done
    name="s$n-$seed"
    names+=("$name|$setting|$seed")
    limit=$(($(left) - 5))
    ((limit < 30)) && { say "skip $name ($setting, seed $seed): $(left) s left"; continue; }
    say "start $name: $setting, seed $seed (CPUs $((slot * per))-$((slot * per + per - 1)), limit $limit s)"
    (
      OMP_NUM_THREADS=$per timeout --signal=TERM --kill-after=5 "$limit" \
        taskset -c "$((slot * per))-$((slot * per + per - 1))" "$SVG2" train eval --model "$folder" $DEVICE_ARGS \
        --prompts "${PROMPTS:-100}" --psnr-prompts "${PSNR_PROMPTS:-20}" --seed "$seed" ${EVAL_ARGS:-} \
        --out "$OUT/eval-$name.json" >"$OUT/eval-$name.log" 2>&1
      say "end $name rc=$?"
    ) &
    slot_pid[slot]=$!
  done
done
wait
for entry in "${names[@]}"; do
  IFS='|' read -r name setting seed <<<"$entry"
  python3 - "$OUT/eval-$name.json" "$setting" "$seed" >>"$OUT/summary.tsv" <<'PY' || say "no report for $name"
import json, sys
r = json.load(open(sys.argv[1]))
pct = lambda part, key: f"{100 * r[part][key]:.0f}"
cells = [sys.argv[2], sys.argv[3]] + [pct(p, k) for p in ("dense", "svg2") for k in ("color", "shape", "motion")]
cells += [f"{100 * r['svg2_density']:.1f}", f"{r['svg2_psnr']:.2f}", f"{100 * r['blocktopk_density']:.1f}",
          f"{r['blocktopk_psnr']:.2f}", f"{r['svg2_psnr'] - r['blocktopk_psnr']:+.2f}"]
print("\t".join(cells))
PY
done
# (the GPU image has no `column`)
python3 -c 'import sys; rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
w = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
print("\n".join("  ".join(c.ljust(n) for c, n in zip(r, w)) for r in rows))' "$OUT/summary.tsv" | tee "$OUT/summary.txt"
say "done"
