"""Crash logs that keep secrets: a private folder, a new file created exclusively with mode 0600.

The folder is ``$XDG_STATE_HOME/scenario-run/crashes`` (``~/.local/state/...``), or, when that cannot
be made, ``scenario-run-<uid>`` in the temp folder. Either way it must be a real folder (not a
symlink) owned by this user and closed to everyone else, or no log is written there. The file name
is random and the file is opened with ``O_EXCL | O_NOFOLLOW``: a planted file or symlink makes the
write fail instead of overwriting or exposing anything.
"""

from __future__ import annotations

import datetime
import os
import secrets
import stat
import tempfile
from collections.abc import Sequence
from pathlib import Path

from engine.secrets import MASK, mask_everywhere

# Options whose value is (or contains) a secret.
_SECRET_OPTIONS = ("--answer",)


def masked_argv(argv: Sequence[str]) -> list[str]:
    """``argv`` with the value of every ``--answer ID=VALUE`` replaced by the mask."""
    out: list[str] = []
    masked_next = False
    for arg in argv:
        if masked_next:
            key = arg.split("=", 1)[0] if "=" in arg else ""
            out.append(f"{key}={MASK}" if key else MASK)
            masked_next = False
            continue
        option, eq, value = arg.partition("=")
        if option in _SECRET_OPTIONS and eq:
            key = value.split("=", 1)[0] if "=" in value else ""
            out.append(f"{option}={key}={MASK}" if key else f"{option}={MASK}")
        else:
            out.append(mask_everywhere(arg))
            masked_next = arg in _SECRET_OPTIONS
    return out


def _private_dir(path: Path) -> Path:
    """Create ``path`` (mode 0700) if needed; refuse it unless it is our own closed, real folder."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise PermissionError(f"{path} is not a folder owned by this user")
    if info.st_mode & 0o077:
        os.chmod(path, 0o700, follow_symlinks=False)
    return path


def crash_dirs() -> list[Path]:
    """Where crash logs may go, in order of preference."""
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return [Path(state) / "scenario-run" / "crashes", Path(tempfile.gettempdir()) / f"scenario-run-{os.getuid()}"]


def write_private(text: str) -> Path:
    """Write ``text`` (secrets masked) to a new private crash-log file; returns its path."""
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    name = f"crash-{stamp}-{secrets.token_hex(4)}.log"
    data = mask_everywhere(text).encode("utf-8")
    last_error: OSError | None = None
    for folder in crash_dirs():
        try:
            folder = _private_dir(folder)
            dir_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
            try:
                fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=dir_fd)
            finally:
                os.close(dir_fd)
        except OSError as exc:
            last_error = exc
            continue
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        return folder / name
    raise OSError(f"no private folder for the crash log: {last_error}")
