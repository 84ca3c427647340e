#!/usr/bin/env bash
# Runs the whole test suite: bootstrap (idempotent, seconds when done), configure, build, ctest.
# GPU tests skip with a printed reason when no CUDA device is present.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${SVG2_BUILD_DIR:-$ROOT/build}"
JOBS="${SVG2_JOBS:-$(nproc)}"

bash "$ROOT/installers/bootstrap.sh"
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
start=$(date +%s)
cmake --build "$BUILD" -j "$JOBS"
echo "[run_all] build took $(( $(date +%s) - start )) s"
# GUI tests run on Qt's offscreen platform; screenshot tests start their own Xvfb.
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
ctest --test-dir "$BUILD" --output-on-failure -j "$JOBS" "$@"
