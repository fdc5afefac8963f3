"""A code folder's ``requirements.txt``, installed once (``pip install --target``) and cached by content.

The cache is ``$XDG_CACHE_HOME/scenario-run/vendor/<key>`` (``~/.cache/...`` when the variable is unset),
the key being the hash of the requirements file and the Python version that installed them: a second
deploy of unchanged requirements reuses the directory and does not run pip at all.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from engine.errors import TargetError

COMPLETE_MARKER = ".scenario-run-complete"  # written last: a directory without it is an interrupted install


def cache_root() -> Path:
    """This tool's user cache directory."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "scenario-run"


def vendor_key(requirements: Path) -> str:
    """The cache key of a requirements file: its content and the Python version (major.minor)."""
    digest = hashlib.sha256(requirements.read_bytes())
    digest.update(f"python{sys.version_info.major}.{sys.version_info.minor}".encode())
    return digest.hexdigest()[:32]


def vendored_requirements(requirements: Path, *, log: Callable[[str], None]) -> Path:
    """The directory holding what ``requirements`` installs, running pip only when it is not cached yet."""
    cached = cache_root() / "vendor" / vendor_key(requirements)
    if (cached / COMPLETE_MARKER).is_file():
        log(f"Reusing the vendored requirements of {requirements} ({cached})")
        return cached
    cached.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="installing-", dir=cached.parent))
    log(f"Installing {requirements} into {cached}...")
    try:
        command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input"]
        # cwd: relative paths in the requirements file (a local wheel) are relative to the code folder.
        done = subprocess.run(
            [*command, "--target", str(work), "-r", str(requirements.resolve())],
            cwd=requirements.parent,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            if "No module named pip" in (done.stderr or ""):
                hint = "scenario-run's environment has no pip: `pipx inject scenario-run pip` or "
                hint += "`uv tool install --with pip scenario-run`"
            else:
                hint = "check the requirements file and the network access to your package index"
            raise TargetError(f"installing {requirements} failed: {' '.join(tail)}", hint=hint)
        (work / COMPLETE_MARKER).write_text(requirements.read_text(encoding="utf-8"), encoding="utf-8")
        try:
            work.rename(cached)
        except OSError:  # another run finished first (or a stale, unfinished install is in the way)
            if not (cached / COMPLETE_MARKER).is_file():
                shutil.rmtree(cached, ignore_errors=True)
                work.rename(cached)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return cached
