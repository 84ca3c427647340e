#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine for SVG2 Studio: system packages, then a project-local
# Python venv (.venv, git-ignored) whose torch wheel provides LibTorch, plus the test-only
# reference packages (diffusers, transformers) used by the parity tests.
# Idempotent: a second run checks and returns in seconds.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${SVG2_VENV:-$ROOT/.venv}"
TORCH_VERSION="2.11.0"
# Test-only reference implementations (ground truth for parity tests).
PY_TEST_PACKAGES=(
  "diffusers==0.36.0" "transformers==4.57.3" "safetensors" "sentencepiece" "numpy"
  "accelerate" "protobuf" "ftfy==6.3.1"
)

APT_PACKAGES=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git clang libclang-rt-14-dev
  # Qt 6 (Widgets, OpenGLWidgets, Test)
  qt6-base-dev qt6-base-dev-tools libqt6opengl6-dev libgl-dev libegl-dev
  # FFmpeg libraries
  libavcodec-dev libavformat-dev libavutil-dev libswscale-dev
  # engine libraries
  libspdlog-dev libfmt-dev nlohmann-json3-dev libcli11-dev libsentencepiece-dev sentencepiece
  libimgui-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev xvfb xauth
  # python venv support
  python3-venv
)

say() { printf '\033[1m[bootstrap]\033[0m %s\n' "$*"; }

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  mkdir -p "$ROOT/.cache"
  log="$ROOT/.cache/bootstrap-apt.log"
  if ! { "${sudo_cmd[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" \
         apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    tail -20 "$log"; say "apt-get failed (full log: $log)"; exit 1
  fi
else
  say "Debian packages: all ${#APT_PACKAGES[@]} present"
fi

PY="${PYTHON:-python3}"
if [ ! -x "$VENV/bin/python" ]; then
  say "creating venv at $VENV"
  "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
fi

have_version() { "$VENV/bin/python" -c "import importlib.metadata as m,sys; sys.exit(0 if m.version('$1')=='$2' else 1)" 2>/dev/null; }

if ! have_version torch "$TORCH_VERSION"; then
  say "installing torch==$TORCH_VERSION into the venv (LibTorch for the C++ build; ~3 GB with its CUDA libraries)"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check "torch==$TORCH_VERSION"
else
  say "torch $TORCH_VERSION present"
fi

need_py=()
for spec in "${PY_TEST_PACKAGES[@]}"; do
  name="${spec%%==*}"; ver="${spec#*==}"
  if [ "$name" = "$spec" ]; then
    "$VENV/bin/python" -c "import importlib.metadata as m; m.version('$name')" 2>/dev/null || need_py+=("$spec")
  else
    have_version "$name" "$ver" || need_py+=("$spec")
  fi
done
if [ ${#need_py[@]} -gt 0 ]; then
  say "installing test-only Python packages: ${need_py[*]}"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check "${need_py[@]}"
else
  say "test-only Python packages present"
fi

say "done. LibTorch prefix: $("$VENV/bin/python" -c 'import torch;print(torch.utils.cmake_prefix_path)')"
