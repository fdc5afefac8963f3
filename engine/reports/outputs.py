"""The run's outputs: the reports written whatever happens, and their paths checked before the run."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from engine.errors import InputError, worst_exit_code
from engine.plan.model import Plan
from engine.plan.planner import load_scenario
from engine.plan.registry import load_registry
from engine.reports.junit import write_junit
from engine.reports.summary import STDOUT, write_summary
from engine.run.records import RunResult
from engine.secrets import Secrets


def _placeholder(path: Path) -> Plan:
    """The plan of a file that could not be planned: enough for a report to name it."""
    return Plan(path=path, name=path.stem, description="", steps=())


def _plan_if_possible(path: Path) -> Plan:
    """A file's plan for listing its steps as not run; its own errors are not this run's to report."""
    try:
        return load_scenario(path, load_registry())
    except Exception:
        return _placeholder(path)


class Reports:
    """Collects results and writes ``--junit``/``--json`` once, whatever happened."""

    def __init__(self, junit: Path | None, json_report: Path | None, secrets: Secrets) -> None:
        self.junit = junit
        self.json_report = json_report
        self.secrets = secrets
        self.results: list[RunResult] = []

    def fail_before_run(self, files: list[Path], plans: list[Plan], error: BaseException) -> None:
        """Nothing ran: the file in error gets a failed setup case, the others are listed as not run."""
        where = getattr(error, "location", None)
        bad = next((p for p in files if where is not None and str(p) == where.file), None)
        planned = {plan.path: plan for plan in plans}
        for path in files:
            if path == bad or (bad is None and path not in planned):
                self.results.append(RunResult(_placeholder(path), [], error, [], 0.0))
                bad = path  # only one file carries the error
            else:
                plan = planned.get(path) or _plan_if_possible(path)
                self.results.append(RunResult(plan, [], None, [], 0.0, not_run="not run (bad input)"))
        if not any(r.error is error for r in self.results):
            self.results.append(RunResult(_placeholder(Path("scenario-run")), [], error, [], 0.0))

    def exit_code(self) -> int:
        return worst_exit_code(result.error for result in self.results)

    def write(self, exit_code: int | None = None) -> list[str]:
        """Write the reports; what could not be written, as messages (the run then fails, exit 1)."""
        code = self.exit_code() if exit_code is None else exit_code
        failed = []
        writers: list[tuple[Path | None, str, Callable[[Path], None]]] = [
            (self.junit, "JUnit report", lambda p: write_junit(p, self.results, self.secrets)),
            (self.json_report, "JSON report", lambda p: write_summary(p, self.results, code, self.secrets)),
        ]
        for path, what, writer in writers:
            if path is None:
                continue
            try:
                writer(path)
            except OSError as exc:
                failed.append(f"cannot write the {what} to {path}: {exc.strerror or exc}")
        return failed


class ReportPathError(InputError):
    """A report path that cannot or must not be written."""


def check_outputs(reports: list[tuple[Path | None, str]], inputs: list[Path]) -> None:
    """Report paths are checked before anything runs, not after the resources exist: each writable,
    a regular file (or a new one), and none the same as another output or as an input."""
    outputs = [(path, what) for path, what in reports if path is not None and path != STDOUT]
    if not outputs:
        return  # nothing to write: no input to resolve (a replay in a loop pays it every run)
    taken = {path.resolve(): f"input {path}" for path in inputs}
    for path, what in outputs:
        _check_writable(path, what)
        where = path.resolve()
        if where in taken:
            raise ReportPathError(
                f"the {what} would overwrite the {taken[where]}",
                hint="give each report its own path, apart from the scenario and answers files",
            )
        taken[where] = f"{what} {path}"


def _check_writable(path: Path, what: str) -> None:
    folder = path.parent if str(path.parent) else Path(".")
    special = path.resolve().parts[1:2] in (("proc",), ("sys",), ("dev",))
    if (path.exists() and not path.is_file()) or special:
        raise ReportPathError(
            f"cannot write the {what} to {path}: not a regular file", hint="give the path of a file in a folder"
        )
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise ReportPathError(f"cannot write the {what} to {path}", hint="give a path in an existing, writable folder")
