"""Where the project's own files are: a checkout's top-level directories, or the copies inside the wheel.

``scenarios/``, ``infra/``, ``triggers/`` and ``schema/`` live at the top of a checkout; an installed wheel
(pip, pipx, uv tool) carries them as the ``scenario_run_data`` packages (see setup.py). A checkout wins, so an
editable install and the tests read the files a developer edits.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from engine.errors import TargetError

DATA_DIRS = ("scenarios", "infra", "triggers", "schema")
_CHECKOUT = Path(__file__).resolve().parent.parent


def data_dir(name: str) -> Path:
    """The directory ``name`` (one of ``DATA_DIRS``) of this project, from the checkout or the wheel."""
    local = _CHECKOUT / name
    if (_CHECKOUT / "pyproject.toml").is_file() and local.is_dir():
        return local
    try:
        # A namespace package (the directories have no __init__.py): its one directory is on __path__.
        package = importlib.import_module(f"scenario_run_data.{name}")
    except ModuleNotFoundError:
        package = None
    for entry in getattr(package, "__path__", []):
        if Path(entry).is_dir():
            return Path(entry)
    raise TargetError(
        f"this installation of scenario-run has no {name}/ directory",
        hint="reinstall scenario-run from its wheel (pip install scenario-run), or run from a checkout",
    )
