#!/usr/bin/env bash
# One command from a fresh clone to a rendered clip: install dependencies, build, render a
# short clip from a prompt with the bundled demo model.
#   installers/quickstart.sh ["prompt"]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${SVG2_BUILD_DIR:-$ROOT/build}"
PROMPT="${1:-a red circle moving right on a blue background}"

bash "$ROOT/installers/bootstrap.sh"
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
cmake --build "$BUILD" -j "$(nproc)"
mkdir -p "$ROOT/out"
"$BUILD/bin/svg2" render --prompt "$PROMPT" --out "$ROOT/out/quickstart.mp4"
echo "Rendered: $ROOT/out/quickstart.mp4 (parameters and timings in out/quickstart.json)"
