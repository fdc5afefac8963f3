"""Which runtimes run locally out of process, and what each needs on this machine.

A runtime is a small entry of ``RUNTIMES``: how to start its process in an extracted code package,
and the tool it needs (checked before a run starts, and by ``scenario validate``). Python functions
run in-process (``runtime``) unless ``OUT_OF_PROCESS_VARIABLE`` asks for a process of their own.
"""

from __future__ import annotations

import os
import platform
import shutil
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

# A function (or the run's environment) setting this to 1 runs a Python function as a process behind
# the Runtime API, the way every other runtime runs.
OUT_OF_PROCESS_VARIABLE = "SCENARIO_RUN_LAMBDA_PROCESS"
_ELF_MACHINES = {62: "x86_64", 183: "arm64"}  # e_machine of an ELF header
_HOST_ARCHITECTURES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}


class UnsupportedFunction(Exception):
    """The function cannot run here (its runtime, a missing tool, its architecture); the message says what to do."""


@dataclass(frozen=True)
class Runtime:
    """How to start one family of runtimes."""

    family: str
    tool: str | None  # the program that must be on PATH
    install: str  # what to install when it is missing
    command: Callable[[Path], list[str]]


def _bootstrap_file(name: str) -> str:
    return str(resources.files("engine.local.awslambda").joinpath(name))


def _provided(root: Path) -> list[str]:
    return [str(root / "bootstrap")]


def _node(root: Path) -> list[str]:
    return [shutil.which("node") or "node", _bootstrap_file("node_bootstrap.cjs")]


def _python(root: Path) -> list[str]:
    return [sys.executable, _bootstrap_file("python_bootstrap.py")]


RUNTIMES: dict[str, Runtime] = {
    "provided": Runtime("provided", None, "", _provided),
    "nodejs": Runtime("nodejs", "node", "Node.js 18 or newer (e.g. apt-get install nodejs)", _node),
    "python": Runtime("python", None, "", _python),
}
SUPPORTED = ("provided.al2", "provided.al2023", "nodejs18.x", "nodejs20.x", "nodejs22.x", "python3.*")


def runtime_of(name: str) -> Runtime | None:
    """The entry for a Lambda runtime identifier (``nodejs20.x``, ``provided.al2023``, ``python3.12``)."""
    if name in ("provided", "provided.al2", "provided.al2023"):
        return RUNTIMES["provided"]
    if name in ("nodejs18.x", "nodejs20.x", "nodejs22.x"):
        return RUNTIMES["nodejs"]
    if name.startswith("python3"):
        return RUNTIMES["python"]
    return None


def out_of_process(runtime: str, variables: Mapping[str, str]) -> bool:
    """Whether a function runs as a process of its own (every runtime but Python, unless asked)."""
    if not runtime.startswith("python"):
        return True
    return "1" in (str(variables.get(OUT_OF_PROCESS_VARIABLE, "")), os.environ.get(OUT_OF_PROCESS_VARIABLE, ""))


def missing_tool(runtime: str) -> str | None:
    """What to install for ``runtime`` to run here, or ``None`` when nothing is missing (or it is unknown)."""
    entry = runtime_of(runtime)
    if entry is None or entry.tool is None or shutil.which(entry.tool):
        return None
    return f"`{entry.tool}` is not on PATH: install {entry.install}"


def host_architecture() -> str:
    machine = platform.machine().lower()
    return _HOST_ARCHITECTURES.get(machine, machine)


def check_runnable(function_name: str, runtime: str, architectures: list[str], root: Path) -> None:
    """Raise ``UnsupportedFunction`` when the function cannot start here, saying what to do."""
    entry = runtime_of(runtime)
    if entry is None:
        raise UnsupportedFunction(
            f"function {function_name} uses runtime {runtime}; the local Lambda runtime runs {', '.join(SUPPORTED)}"
        )
    if (tool := missing_tool(runtime)) is not None:
        raise UnsupportedFunction(f"function {function_name} uses runtime {runtime}, but {tool}")
    host = host_architecture()
    wanted = architectures[0] if architectures else "x86_64"
    if wanted != host:
        raise UnsupportedFunction(
            f"function {function_name} is built for {wanted} (Architectures: [{wanted}]) and this machine is "
            f"{host}: build it for {host} and set Architectures: [{host}] to run it locally"
        )
    if entry.family == "provided":
        _check_bootstrap(function_name, root, host)


def _check_bootstrap(function_name: str, root: Path, host: str) -> None:
    bootstrap = root / "bootstrap"
    if not bootstrap.is_file():
        raise UnsupportedFunction(
            f"function {function_name} has no bootstrap at the top of its code package; a provided runtime "
            "runs the executable file named bootstrap"
        )
    if not os.access(bootstrap, os.X_OK):
        raise UnsupportedFunction(
            f"function {function_name}'s bootstrap is not executable; zip it with its executable bit (chmod +x)"
        )
    with bootstrap.open("rb") as stream:
        header = stream.read(20)
    if header[:4] == b"\x7fELF" and len(header) == 20:
        built_for = _ELF_MACHINES.get(int.from_bytes(header[18:20], "little"), "another machine")
        if built_for != host:
            raise UnsupportedFunction(
                f"function {function_name}'s bootstrap is built for {built_for} and this machine is {host}: "
                f"build it for {host} (for Go: GOOS=linux GOARCH={'amd64' if host == 'x86_64' else host})"
            )
