"""The AWS SDK for JavaScript v3 that Lambda's Node.js runtimes provide, installed once into a cache.

Lambda's Node.js 18+ runtimes ship the SDK v3, so handlers ``import`` ``@aws-sdk/client-*`` without
bundling it. Locally the clients below are installed with npm the first time a function needs them
(its code names ``@aws-sdk/`` and its package has no ``node_modules/@aws-sdk`` of its own), into
``$XDG_CACHE_HOME/scenario-run/node-sdk/<key>/node_modules``, and reused after: as with vendored
Python requirements, only the first run needs the registry. The directory is linked as the
``node_modules`` beside the extracted code packages, where both ``require`` and ES module ``import``
find it, while a package's own ``node_modules`` still comes first.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

PACKAGES = (
    "@aws-sdk/client-dynamodb@3",
    "@aws-sdk/lib-dynamodb@3",
    "@aws-sdk/client-cognito-identity-provider@3",
)
_COMPLETE = ".scenario-run-complete"
_SOURCE_SUFFIXES = (".js", ".mjs", ".cjs", ".ts")
_SCAN_LIMIT_BYTES = 4 * 1024 * 1024  # a handler's own sources; bundles past this are not searched


class SdkUnavailable(Exception):
    """npm could not install the SDK; the message says why and what to do."""


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    key = hashlib.sha256(" ".join(PACKAGES).encode()).hexdigest()[:16]
    return Path(base) / "scenario-run" / "node-sdk" / key


def needs_sdk(root: Path) -> bool:
    """Whether the package at ``root`` uses the SDK v3 without bundling it."""
    if (root / "node_modules" / "@aws-sdk").is_dir():
        return False
    budget = _SCAN_LIMIT_BYTES
    for path in root.rglob("*"):
        if "node_modules" in path.parts or path.suffix not in _SOURCE_SUFFIXES or not path.is_file():
            continue
        text = path.read_bytes()[:budget]
        budget -= len(text)
        if b"@aws-sdk/" in text:
            return True
        if budget <= 0:
            break
    return False


def installed() -> Path:
    """The cached ``node_modules`` holding ``PACKAGES``, installing them with npm the first time."""
    target = cache_dir()
    if (target / _COMPLETE).is_file():
        return target / "node_modules"
    npm = shutil.which("npm")
    if npm is None:
        raise SdkUnavailable(
            "the AWS SDK for JavaScript v3 is not cached yet and `npm` is not on PATH: install npm, "
            "or bundle the SDK with the function (node_modules/@aws-sdk in its package)"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="installing-", dir=target.parent))
    try:
        done = subprocess.run(
            [
                npm,
                "install",
                "--no-audit",
                "--no-fund",
                "--no-save",
                "--loglevel=error",
                "--prefix",
                str(work),
                *list(PACKAGES),
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        if done.returncode != 0:
            tail = " ".join((done.stderr or done.stdout).strip().splitlines()[-2:])
            raise SdkUnavailable(
                f"npm could not install the AWS SDK for JavaScript v3 ({tail}); run once with access to the npm "
                "registry, or bundle the SDK with the function"
            )
        (work / _COMPLETE).write_text(" ".join(PACKAGES) + "\n", encoding="utf-8")
        try:
            work.rename(target)
        except OSError:  # another process finished first: use its copy
            if not (target / _COMPLETE).is_file():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target / "node_modules"


def link_beside(code_root: Path, node_modules: Path) -> None:
    """Make ``node_modules`` resolvable from the package at ``code_root`` (a link in its parent)."""
    link = code_root.parent / "node_modules"
    if link.is_symlink() or link.exists():
        return
    with contextlib.suppress(FileExistsError):
        link.symlink_to(node_modules, target_is_directory=True)
