"""``scenario examples``: the shipped scenarios, listed and copied out of an installed scenario-run.

A copy brings what the scenario refers to (``infra/``, ``triggers/``, ``schema/`` and its answers file), in
the same layout, so its relative paths resolve and it runs from the copy as it does from a checkout.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from engine.errors import InputError
from engine.resources import data_dir


def shipped() -> dict[str, Path]:
    """Every shipped scenario by name (its file name without .yaml)."""
    return {path.stem: path for path in sorted(data_dir("scenarios").glob("*.yaml"))}


def summary(path: Path) -> str:
    """The scenario's name line."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return str(data.get("name", "")) if isinstance(data, dict) else ""


def find(name: str) -> Path:
    """The shipped scenario called ``name``."""
    found = shipped().get(name.removesuffix(".yaml"))
    if found is None:
        raise InputError(
            f"no shipped scenario named '{name}'",
            hint=f"choose one of: {', '.join(shipped())} (`scenario examples` lists them)",
        )
    return found


def copy_example(name: str, directory: Path) -> list[Path]:
    """Copy the scenario ``name`` with its answers file and the project files it uses into ``directory``."""
    source = find(name)
    targets = [directory / "scenarios" / source.name]
    answers = source.parent / "answers" / source.name
    if answers.is_file():
        targets.append(directory / "scenarios" / "answers" / source.name)
    clash = [path for path in targets if path.exists()]
    if clash:
        raise InputError(f"{clash[0]} already exists", hint="copy into another directory: --to DIR")
    for target, origin in zip(targets, [source, answers], strict=False):
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(origin, target)
    # Handlers the scenarios deploy with create_function, fragments they include, data files they read.
    for shared in ("functions", "common", "data"):
        if (source.parent / shared).is_dir():
            shutil.copytree(
                source.parent / shared,
                directory / "scenarios" / shared,
                dirs_exist_ok=True,
                ignore=shutil.ignore_patterns("__pycache__"),
            )
    for folder in ("infra", "triggers", "schema"):
        shutil.copytree(
            data_dir(folder), directory / folder, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__")
        )
    return targets
