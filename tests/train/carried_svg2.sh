# Sourced by the training scripts that run a carried svg2 on the GPU machine: puts the torch and
# carried Debian libraries on the loader path, unpacks .gpu/$TAR.tar.xz (folder $TAR: svg2, COMMIT)
# into /tmp, writes what machine and binary ran to $MACHINE_LOG, and stops the script (exit 3) when
# the binary does not run there.
#   needs: ROOT, TAR, MACHINE_LOG, say (tests/gpu/call_clock.sh); sets SVG2 (and what device_env.sh sets)
source "$ROOT/tests/gpu/device_env.sh"
tar -xJf "$ROOT/.gpu/$TAR.tar.xz" -C /tmp
SVG2="/tmp/$TAR/svg2"
{
  date -u +%FT%TZ
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  echo "svg2 commit $(cat "/tmp/$TAR/COMMIT" 2>/dev/null); cores $(nproc)"
  "$SVG2" --version
} 2>&1 | tee "$MACHINE_LOG"
"$SVG2" --version >/dev/null 2>&1 || { say "carried svg2 does not run"; exit 3; }
