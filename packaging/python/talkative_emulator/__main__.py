"""``python -m talkative_emulator …`` runs the binary with the same arguments."""

import os
import subprocess
import sys

from ._binary import binary_path


def main() -> int:
    try:
        binary = binary_path()
    except FileNotFoundError as error:
        print(f"talkative-emulator: {error}", file=sys.stderr)
        return 1
    if os.name == "posix":
        os.execv(binary, [binary, *sys.argv[1:]])
    return subprocess.call([binary, *sys.argv[1:]])


if __name__ == "__main__":
    sys.exit(main())
