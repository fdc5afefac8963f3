"""``hook_kit.when_imported``: a hook on a moto module runs right after that module's first import, whoever
imports it, and a hook that fails makes every import of the module fail instead of being skipped."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.local.hook_kit import when_imported


@pytest.fixture
def package(tmp_path: Path) -> Iterator[str]:
    name = f"watched_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text("VALUE = 1\n")
    sys.path.insert(0, str(tmp_path))
    yield name
    sys.path.remove(str(tmp_path))
    sys.modules.pop(name, None)


def test_the_callback_runs_after_the_body_and_before_the_import_returns(package: str) -> None:
    seen: list[object] = []
    when_imported(package, lambda: seen.append(sys.modules[package].VALUE))
    assert seen == []
    module = __import__(package)
    assert seen == [1]
    assert module.VALUE == 1
    __import__(package)  # once only
    assert seen == [1]


def test_an_imported_module_runs_the_callback_at_once(package: str) -> None:
    __import__(package)
    seen: list[str] = []
    when_imported(package, lambda: seen.append("now"))
    assert seen == ["now"]


def test_a_failing_callback_fails_every_import_of_the_module(package: str) -> None:
    def broken() -> None:
        raise RuntimeError("hook broken")

    when_imported(package, broken)
    for _ in range(2):
        with pytest.raises(RuntimeError, match="hook broken"):
            __import__(package)
        assert package not in sys.modules
