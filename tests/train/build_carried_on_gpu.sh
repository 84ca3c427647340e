#!/usr/bin/env bash
# Builds the svg2 that the training scripts carry (CUDA kernels for sm_90a, GUI/FFmpeg/tests off)
# ON the GPU machine, where 16 cores take a few minutes against most of an hour on a 2-core VM.
# Writes .gpu/<TAR>.tar.xz there (folder <TAR>: stripped svg2 and COMMIT), so a training script can
# follow in the same call, and a copy to $OUT/<TAR>.tar.xz to carry in later calls.
#
#   here:  tests/gpu/prepare.sh (fills .gpu/deps); a clean working tree (the commit is what builds)
#   device call: carry [".gpu/deps"], command: TAR=<name> COMMIT=<short hash> bash tests/train/build_carried_on_gpu.sh
#          [&& TAR=<name> ... bash tests/train/finetune_on_gpu.sh]
# Brings back (under $OUT): <TAR>.tar.xz, and build.log when the build fails.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="${OUT:-$ROOT/out/gpu-build}"
: "${TAR:?set TAR to the name of the binary folder and archive}"
mkdir -p "$OUT"
source "$ROOT/tests/gpu/device_env.sh"
B=/tmp/build-carried
start=$(date +%s)
cmake -S "$ROOT" -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSVG2_PYTHON="$PY" -DSVG2_WITH_GUI=OFF \
  -DSVG2_WITH_FFMPEG=OFF -DSVG2_WITH_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90a -DTORCH_CUDA_ARCH_LIST=9.0a \
  -DSVG2_WITH_TESTS=OFF -DSVG2_WITH_BENCH=OFF -DSVG2_WITH_SENTENCEPIECE=ON -DCMAKE_PREFIX_PATH="$DEPS" \
  >"$OUT/configure.log" 2>&1 || { tail -30 "$OUT/configure.log"; exit 3; }
cmake --build "$B" -j "$(nproc)" --target svg2 -- -k 0 >"$OUT/build.log" 2>&1 ||
  { grep -E "error|FAILED|undefined" "$OUT/build.log" | head -40; exit 3; }
"$B/bin/svg2" --version || { echo "built svg2 does not run"; exit 3; }
rm -rf "/tmp/$TAR" && mkdir -p "/tmp/$TAR"
cp "$B/bin/svg2" "/tmp/$TAR/svg2" && strip --strip-debug "/tmp/$TAR/svg2"
# The device's copy of the tree may have no .git: COMMIT (set here) names the commit.
echo "${COMMIT:-$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)}" >"/tmp/$TAR/COMMIT"
mkdir -p "$ROOT/.gpu" && XZ_OPT=-T0 tar -cJf "$ROOT/.gpu/$TAR.tar.xz" -C /tmp "$TAR"
cp "$ROOT/.gpu/$TAR.tar.xz" "$OUT/"
rm -f "$OUT/build.log" "$OUT/configure.log"
echo "[build-carried] $TAR ($(cat "/tmp/$TAR/COMMIT")) in $(($(date +%s) - start)) s, $(du -h "$OUT/$TAR.tar.xz" | cut -f1)"
