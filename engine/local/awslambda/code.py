"""Loading a Lambda function's Python code package into this process.

Each code package (identified by its SHA-256) is extracted once into a temporary directory.
A function instance imports its handler under the module's real name, as Lambda does, but
inside a private module namespace: the modules it loads from its package are moved out of
``sys.modules`` between invocations and back in during them. Two functions that both ship an
``index.py`` (or a ``helpers`` package) therefore never see each other's modules, while
relative imports, ``__name__`` and ``logging.getLogger(__name__)`` behave as in Lambda.
"""

from __future__ import annotations

import atexit
import importlib
import io
import shutil
import sys
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

# Packages a function might vendor that must stay the process's own: a vendored copy of
# boto3/botocore would not carry moto's interception and would try to reach real AWS.
_NEVER_SHADOWED = frozenset({"boto3", "botocore", "s3transfer"})

_dirs_lock = threading.Lock()
_code_dirs: dict[str, Path] = {}
_base_dir: Path | None = None


class CodeError(Exception):
    """The code package or handler could not be loaded; Lambda reports it as a ``Runtime.*`` error."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message


def _remove_base_dir() -> None:
    if _base_dir is not None:
        shutil.rmtree(_base_dir, ignore_errors=True)


def code_dir(code_bytes: bytes, code_sha: str) -> Path:
    """The directory holding the extracted package with this SHA, extracting it the first time."""
    global _base_dir
    with _dirs_lock:
        found = _code_dirs.get(code_sha)
        if found is not None and found.is_dir():
            return found
        if _base_dir is None:
            _base_dir = Path(tempfile.mkdtemp(prefix="scenario-lambda-"))
            atexit.register(_remove_base_dir)
        target = _base_dir / f"code-{len(_code_dirs)}"
        try:
            with zipfile.ZipFile(io.BytesIO(code_bytes)) as archive:
                archive.extractall(target)
                _restore_modes(archive, target)
        except zipfile.BadZipFile as error:
            raise CodeError(
                "Runtime.InvalidCodePackage", f"Could not unzip the function's code package: {error}"
            ) from error
        importlib.invalidate_caches()
        _code_dirs[code_sha] = target
        return target


def _restore_modes(archive: zipfile.ZipFile, target: Path) -> None:
    """Give extracted files the executable bits the zip recorded (extractall drops them): a
    provided runtime's ``bootstrap`` must stay executable, as Lambda keeps it."""
    for info in archive.infolist():
        mode = (info.external_attr >> 16) & 0o777
        if mode & 0o111 and not info.is_dir():
            path = target / info.filename
            path.chmod(path.stat().st_mode | (mode & 0o111))


def _top_level_names(root: Path) -> frozenset[str]:
    names = set()
    for entry in root.iterdir():
        if entry.is_dir():
            names.add(entry.name)
        elif entry.suffix in (".py", ".pyc", ".so", ".pyd"):
            names.add(entry.name.split(".", 1)[0])
    return frozenset(names - _NEVER_SHADOWED)


class ModuleSpace:
    """The modules one function instance has imported from its code package."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._own = _top_level_names(root)
        self._modules: dict[str, ModuleType] = {}

    def _is_own(self, name: str) -> bool:
        return name.split(".", 1)[0] in self._own

    @contextmanager
    def active(self) -> Iterator[None]:
        """Make this instance's modules importable (and the package dir first on ``sys.path``)."""
        saved = {name: sys.modules.pop(name) for name in list(sys.modules) if self._is_own(name)}
        sys.modules.update(self._modules)
        root = str(self.root)
        sys.path.insert(0, root)
        try:
            yield
        finally:
            if root in sys.path:
                sys.path.remove(root)
            self._modules = {name: module for name, module in list(sys.modules.items()) if self._is_own(name)}
            for name in self._modules:
                sys.modules.pop(name, None)
            sys.modules.update(saved)


def load_handler(handler: str) -> Callable[[Any, Any], Any]:
    """Import the handler named ``module.function`` (``dir/module.function`` allowed), as Lambda does.

    Call inside ``ModuleSpace.active()``. Import problems become ``CodeError`` with Lambda's
    error types and messages; an exception raised by the module's own top-level code propagates.
    """
    module_name, _, function_name = handler.rpartition(".")
    if not module_name or not function_name:
        raise CodeError(
            "Runtime.MalformedHandlerName", f"Bad handler '{handler}': not enough values to unpack (expected 2, got 1)"
        )
    module_name = module_name.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except SyntaxError as error:
        raise CodeError("Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {error}") from error
    except ImportError as error:
        raise CodeError("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {error}") from error
    function = getattr(module, function_name, None)
    if not callable(function):
        raise CodeError("Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_name}'")
    return function  # type: ignore[no-any-return]
