"""Writes the test checkpoints for tests/io and the fuzz seed corpora for tests/fuzz.

usage: make_io_data.py formats|diffusers|seeds DATA_DIR

The result goes to DATA_DIR/<mode>/ (replaced as a whole: written to a temp folder, then renamed)
with a `.done` stamp, so a half-written folder is never used.
"""

import os
import shutil
import sys

import make_checkpoints


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("formats", "diffusers", "seeds"):
        sys.exit(__doc__)
    mode, data_dir = sys.argv[1], sys.argv[2]
    final = os.path.join(data_dir, mode)
    tmp = f"{final}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    try:
        if mode == "formats":
            make_checkpoints.formats(tmp)
        elif mode == "seeds":
            make_checkpoints.seeds(tmp)
        else:
            import make_diffusers_checkpoints  # diffusers is slow to import; only this mode needs it

            make_diffusers_checkpoints.write_all(tmp)
        open(os.path.join(tmp, ".done"), "w").close()
        old = f"{final}.old-{os.getpid()}"
        if os.path.exists(final):
            os.rename(final, old)
        os.rename(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
