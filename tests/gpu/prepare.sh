#!/usr/bin/env bash
# Run HERE (Debian 12) before a device call: downloads the Debian packages the GPU machine lacks
# (it has PyTorch, nvcc, CMake and ninja but no network) and extracts them under .gpu/deps,
# which the device call carries (`carry: [".gpu"]`). Idempotent.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DEST="$ROOT/.gpu/deps"
PKGS=(nlohmann-json3-dev libcli11-dev libspdlog-dev libspdlog1.10 libfmt-dev libfmt9 libgtest-dev
      libgmock-dev libbenchmark-dev libbenchmark1debian libsentencepiece-dev libsentencepiece0
      libprotobuf-lite32)
if [ -f "$DEST/.done" ]; then echo "[gpu-prepare] $DEST ready"; exit 0; fi
tmp="$(mktemp -d)"
(cd "$tmp" && apt-get download "${PKGS[@]}" >/dev/null 2>&1)
mkdir -p "$DEST"
for deb in "$tmp"/*.deb; do dpkg -x "$deb" "$DEST"; done
rm -rf "$tmp" "$DEST/usr/share/doc" "$DEST/usr/share/man"
touch "$DEST/.done"
echo "[gpu-prepare] extracted ${#PKGS[@]} packages into $DEST ($(du -sh "$DEST" | cut -f1))"
