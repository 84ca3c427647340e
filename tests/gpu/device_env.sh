# Sourced by the scripts that run carried binaries on the GPU machine (tests/gpu, tests/wan,
# tests/train): puts the torch wheel's libraries and its nvidia-* CUDA libraries (cudart, cuBLAS,
# cuDNN), then the carried Debian libraries (.gpu/deps: fmt, spdlog, sentencepiece, ...), on the
# loader path, and points pkg-config at the carried .pc files for builds there.
#   uses: ROOT (the repository root; defaults to this file's ../..); sets PY, DEPS, TORCH_LIBS,
#   LD_LIBRARY_PATH, PKG_CONFIG_*.
ROOT="${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
PY="$(command -v python3)"
DEPS="$ROOT/.gpu/deps/usr"
TORCH_LIBS="$("$PY" - <<'PY'
import glob, os, torch
site = os.path.dirname(os.path.dirname(torch.__file__))
dirs = [os.path.join(os.path.dirname(torch.__file__), "lib")]
dirs += sorted({os.path.dirname(p) for p in glob.glob(os.path.join(site, "nvidia", "**", "*.so*"), recursive=True)})
print(":".join(dirs))
PY
)"
export LD_LIBRARY_PATH="$DEPS/lib/x86_64-linux-gnu:$TORCH_LIBS:${LD_LIBRARY_PATH:-}"
export PKG_CONFIG_PATH="$DEPS/lib/x86_64-linux-gnu/pkgconfig"
export PKG_CONFIG_ARGN="--define-prefix"
