"""Lambda code given as a local path, packaged as ``aws cloudformation package`` and SAM do.

A template may name a file or folder instead of S3 coordinates (``AWS::Lambda::Function`` ``Code``,
``AWS::Lambda::LayerVersion`` ``Content``), relative to the template. Each one is zipped (a folder
recursively, with its ``requirements.txt`` vendored), uploaded to the artifact bucket and replaced by its
``S3Bucket``/``S3Key``. The same zipping serves the ``create_function`` action.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import InputError, Location
from engine.stack.vendor import vendored_requirements

# A fixed timestamp for every zip entry, so the same sources always give the same zip and S3 key.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
# Resource type -> the property that may hold a local path (SAM's included: aws cloudformation package does both).
CODE_PROPERTIES = {
    "AWS::Lambda::Function": "Code",
    "AWS::Lambda::LayerVersion": "Content",
    "AWS::Serverless::Function": "CodeUri",
    "AWS::Serverless::LayerVersion": "ContentUri",
}
_SKIPPED_DIRS = {"__pycache__", ".git", ".venv", "node_modules", ".pytest_cache", ".mypy_cache"}


@dataclass(frozen=True)
class LocalCode:
    """One resource property that names local code, with the path it resolves to."""

    resource: str
    prop: str
    path: Path


def sam_function_globals(template: Mapping[str, Any]) -> Mapping[str, Any]:
    """A SAM template's ``Globals: Function:``: what each ``AWS::Serverless::Function`` has unless it says otherwise."""
    found = template.get("Globals")
    function = found.get("Function") if isinstance(found, dict) else None
    return function if isinstance(function, dict) else {}


def local_code(template: dict[str, Any], template_path: Path) -> list[LocalCode]:
    """The resources of ``template`` whose code is a local path (checked to exist); a SAM function without a
    ``CodeUri`` (or ``InlineCode``) of its own has the one of ``Globals: Function:``, as SAM CLI packages it."""
    found = []
    inherited = sam_function_globals(template).get("CodeUri")
    for logical, resource in (template.get("Resources") or {}).items():
        if not isinstance(resource, dict):
            continue
        prop = CODE_PROPERTIES.get(str(resource.get("Type")))
        given = resource.get("Properties")
        properties: dict[str, Any] = given if isinstance(given, dict) else {}
        value = properties.get(prop) if prop else None
        if prop == "CodeUri" and value is None and "InlineCode" not in properties:
            value = inherited
        if prop is None or not isinstance(value, str) or value.startswith("s3://"):
            continue
        path = (template_path.parent / value).resolve()
        if not path.exists():
            raise InputError(
                f"resource {logical}: {prop} {value} does not exist (looked for {path})",
                location=Location(str(template_path)),
                hint=f"paths in {prop} are relative to the template's folder",
            )
        found.append(LocalCode(logical, prop, path))
    return found


def s3_location(prop: str, bucket: str, key: str) -> dict[str, str]:
    """What replaces a local path in ``prop``: Lambda's ``S3Bucket``/``S3Key``, SAM's ``Bucket``/``Key``."""
    if prop.endswith("Uri"):
        return {"Bucket": bucket, "Key": key}
    return {"S3Bucket": bucket, "S3Key": key}


def zip_code(path: Path, *, log: Callable[[str], None]) -> bytes:
    """The deployment package of ``path``: a .zip as it is, a file alone, or a folder with its requirements."""
    if path.is_file() and path.suffix == ".zip":
        return path.read_bytes()
    if path.is_file():
        return _zip([(path.name, path)])
    entries = sorted(_files(path, path))
    requirements = path / "requirements.txt"
    if requirements.is_file():
        site = vendored_requirements(requirements, log=log)
        own = {name for name, _ in entries}
        entries += sorted(item for item in _files(site, site) if item[0] not in own)
    if not entries:
        raise InputError(f"code folder {path} is empty", hint="put the handler module (e.g. index.py) in it")
    return _zip(entries)


def zip_folder(path: Path) -> bytes:
    """A folder's files as a deterministic zip, nothing added (how ``cdk-assets`` packages a directory asset)."""
    return _zip(sorted(_files(path, path)))


def code_key(prefix: str, name: str, code: bytes) -> str:
    """The S3 key of a package: it holds the zip's sha256, so changed code is a new key."""
    return f"{prefix}/{name}-{hashlib.sha256(code).hexdigest()}.zip"


def _files(root: Path, top: Path) -> Iterator[tuple[str, Path]]:
    for entry in root.iterdir():
        if entry.is_dir():
            if entry.name not in _SKIPPED_DIRS and not entry.name.startswith("."):
                yield from _files(entry, top)
        elif entry.suffix != ".pyc" and not entry.name.startswith("."):  # the cache's marker is hidden too
            yield entry.relative_to(top).as_posix(), entry


def _zip(entries: list[tuple[str, Path]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, path in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            # Readable by the Lambda runtime's user; an executable (a provided runtime's bootstrap) stays
            # executable, as `aws cloudformation package` keeps it.
            info.external_attr = (0o755 if path.stat().st_mode & 0o111 else 0o644) << 16
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()
