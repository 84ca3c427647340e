#!/usr/bin/env bash
# Run HERE (Debian 12) before a device call.
# 1. Downloads the Debian packages the GPU machine lacks (it has PyTorch, nvcc, CMake and ninja
#    but no network) and extracts them under .gpu/deps. Idempotent.
# 2. With a build directory argument, builds the GPU test and bench binaries there (same torch
#    2.11 wheel as the GPU machine, sm_90a + sm_80 kernels) and copies them, stripped, to
#    .gpu/kernels-bin, so the device call needs no build (tests/gpu/run.sh prebuilt).
#      tests/gpu/prepare.sh [build-dir]
# The device call carries `.gpu`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DEST="$ROOT/.gpu/deps"
PKGS=(nlohmann-json3-dev libcli11-dev libspdlog-dev libspdlog1.10 libfmt-dev libfmt9 libgtest-dev
      libgmock-dev libbenchmark-dev libbenchmark1debian libsentencepiece-dev libsentencepiece0
      libprotobuf-lite32 pkgconf-bin libpkgconf3)  # pkgconf: for a build there if its image has none
if [ -f "$DEST/.done" ]; then
  echo "[gpu-prepare] $DEST ready"
else
  tmp="$(mktemp -d)"
  (cd "$tmp" && apt-get download "${PKGS[@]}" >/dev/null 2>&1)
  mkdir -p "$DEST"
  for deb in "$tmp"/*.deb; do dpkg -x "$deb" "$DEST"; done
  rm -rf "$tmp" "$DEST/usr/share/doc" "$DEST/usr/share/man"
  touch "$DEST/.done"
  echo "[gpu-prepare] extracted ${#PKGS[@]} packages into $DEST ($(du -sh "$DEST" | cut -f1))"
fi

if [ $# -ge 1 ]; then
  BUILD="$1"
  cmake --build "$BUILD" -j2 --target test_gpu_svg2 bench_attention_gpu
  BIN="$ROOT/.gpu/kernels-bin"
  rm -rf "$BIN" && mkdir -p "$BIN"
  for b in test_gpu_svg2 bench_attention_gpu; do
    cp "$BUILD/tests/$b" "$BIN/$b"
    strip --strip-debug "$BIN/$b"
  done
  git -C "$ROOT" rev-parse --short HEAD > "$BIN/COMMIT"
  echo "[gpu-prepare] binaries in $BIN ($(du -sh "$BIN" | cut -f1)), commit $(cat "$BIN/COMMIT")"
fi
