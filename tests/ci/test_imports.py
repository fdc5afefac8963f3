"""The engine's import graph: no circle among its modules, and a start-up that stays light."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from support import PROJECT

ENGINE = PROJECT / "engine"


def _module(path: Path) -> str:
    parts = path.relative_to(PROJECT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported_at_load(path: Path, modules: set[str]) -> set[str]:
    """The engine modules ``path`` imports when it is loaded (not inside functions or TYPE_CHECKING)."""
    found: set[str] = set()

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module)
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.If | ast.Try | ast.With):
                visit(node.body)
                visit(getattr(node, "orelse", []))

    visit(ast.parse(path.read_text(encoding="utf-8")).body)
    return {name for name in found if name in modules} - {_module(path)}


def _graph() -> dict[str, set[str]]:
    paths = {_module(path): path for path in ENGINE.rglob("*.py")}
    return {name: _imported_at_load(path, set(paths)) for name, path in paths.items()}


def _circle(graph: dict[str, set[str]]) -> list[str] | None:
    done: set[str] = set()

    def walk(name: str, path: list[str]) -> list[str] | None:
        if name in path:
            return [*path[path.index(name) :], name]
        if name in done:
            return None
        for imported in sorted(graph[name]):
            if found := walk(imported, [*path, name]):
                return found
        done.add(name)
        return None

    return next((found for name in sorted(graph) if (found := walk(name, []))), None)


def test_no_engine_module_imports_itself_in_a_circle():
    graph = _graph()
    assert len(graph) > 100  # the walk really saw the engine
    assert _circle(graph) is None, " -> ".join(_circle(graph) or [])


def test_the_command_line_starts_without_the_aws_sdk_moto_or_templates():
    code = (
        "import sys, engine.entry, engine.cli.main\n"
        "print(' '.join(m for m in ('boto3', 'botocore', 'moto', 'jinja2', 'jsonschema', 'yaml') if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=PROJECT)
    assert loaded.stdout.strip() == ""
