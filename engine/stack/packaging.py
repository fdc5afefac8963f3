"""The trigger code as the zip the stack's Lambda functions are deployed from."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

from engine.errors import TargetError

# A fixed timestamp for every zip entry, so the same sources always give the same zip and S3 key.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def package_triggers(triggers_dir: Path) -> bytes:
    """A deterministic zip of the handler modules (``*.py`` at the top of ``triggers_dir``).

    Test modules, ``conftest.py`` and caches are left out; the same sources always give the same bytes.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, mode, content in _sources(triggers_dir):
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = mode << 16
            archive.writestr(info, content)
    return buffer.getvalue()


def triggers_digest(triggers_dir: Path) -> str:
    """sha256 over what ``package_triggers`` zips (names, modes, contents), without zipping it."""
    digest = hashlib.sha256()
    for name, mode, content in _sources(triggers_dir):
        digest.update(f"{name}\0{mode:o}\0{len(content)}\0".encode())
        digest.update(content)
    return digest.hexdigest()


def _sources(triggers_dir: Path) -> list[tuple[str, int, bytes]]:
    sources = sorted(
        path
        for path in triggers_dir.glob("*.py")
        if path.is_file()
        and not path.name.startswith("test_")
        and not path.name.endswith("_test.py")
        and path.name != "conftest.py"
    )
    if not sources:
        raise TargetError(
            f"no Lambda handler modules (*.py) in {triggers_dir}",
            hint="run from a scenario-run checkout with its triggers/ directory",
        )
    # Readable by the Lambda runtime's user; an executable (a provided runtime's bootstrap) stays
    # executable, as `aws cloudformation package` keeps it.
    return [(path.name, 0o755 if path.stat().st_mode & 0o111 else 0o644, path.read_bytes()) for path in sources]
