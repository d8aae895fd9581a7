"""Where the wheel put the talkative-emulator binary.

The wheel installs it as a script (``<prefix>/bin/talkative-emulator``), as maturin's ``bin``
bindings do, so it is on PATH in an activated virtual environment, with ``pipx`` and with
``pip install --user``. This finds it from Python, activated or not.
"""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig

EXE = "talkative-emulator.exe" if sys.platform == "win32" else "talkative-emulator"


def _candidates():
    override = os.environ.get("TALKATIVE_EMULATOR_BINARY")
    if override:
        yield override
        return
    # The scheme this interpreter installs scripts into, then the user scheme (pip --user).
    yield os.path.join(sysconfig.get_path("scripts"), EXE)
    user_scheme = {"nt": "nt_user", "posix": "posix_user"}.get(os.name)
    if sys.platform == "darwin" and sys._framework:  # type: ignore[attr-defined]
        user_scheme = "osx_framework_user"
    if user_scheme:
        try:
            yield os.path.join(sysconfig.get_path("scripts", scheme=user_scheme), EXE)
        except KeyError:
            pass
    # Next to the interpreter (a venv used without activation), then PATH.
    yield os.path.join(os.path.dirname(sys.executable), EXE)
    found = shutil.which(EXE)
    if found:
        yield found


def binary_path() -> str:
    """The absolute path of the binary; FileNotFoundError saying what to do when there is none."""
    for candidate in _candidates():
        if os.path.isfile(candidate):
            return os.path.abspath(candidate)
    if os.environ.get("TALKATIVE_EMULATOR_BINARY"):
        raise FileNotFoundError(
            f"TALKATIVE_EMULATOR_BINARY names {os.environ['TALKATIVE_EMULATOR_BINARY']}, which does not exist."
        )
    raise FileNotFoundError(
        "The talkative-emulator binary was not found where pip puts the wheel's scripts "
        f"({sysconfig.get_path('scripts')}) nor on PATH. Install the wheel for this platform "
        "(pip install talkative-emulator), or build the binary from source (cargo install --locked --git "
        "https://github.com/talkative-emulator/talkative-emulator) and set TALKATIVE_EMULATOR_BINARY to it."
    )
