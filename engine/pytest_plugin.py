"""The pytest plugin (entry point ``pytest11``): scenario files collected and run as pytest tests.

Nothing is collected unless asked: set ``scenario_files`` in the pytest configuration (glob
patterns, matched against the path relative to the rootdir, or the file name) or pass
``--scenarios PATTERN``. Each matching file is one test, named after the scenario; its ``tags``
become marks (``-m``), its name and file work with ``-k``. Answers come from the convention
(``answers/<stem>.yaml`` next to the file, else ``<stem>.answers.yaml``) or ``scenario_answers``
(a pattern with ``{dir}`` and ``{stem}``). A failure shows the step, file:line:col, the AWS error
and the last lines of the console, like an assertion does.

Runs go through ``engine.api.run_scenario``: one local backend per process, each stack deployed
once per process, so under pytest-xdist each worker pays for moto and the stack once. A session that
collects scenario files starts up as the console scripts do (``engine.startup``): the collector is held off
from configuration until the first scenario has its stack, then what start-up made is frozen out of later
collections (moto's and botocore's large graphs, rescanned again and again otherwise); a session that
collected no scenario gets the collector back right after collection.
The ``scenario_runner`` fixture runs a scenario from a Python test with the session's options.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

import pytest

if TYPE_CHECKING:
    from engine.api import ScenarioResult
    from engine.plan.model import Plan

SUFFIXES = (".yaml", ".yml")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("scenario-run", "scenario-run scenarios as tests")
    group.addoption(
        "--scenarios",
        action="append",
        default=[],
        metavar="PATTERN",
        help="Collect scenario files matching this glob (relative to the rootdir, or a file name).",
    )
    group.addoption("--scenario-target", choices=["local", "aws"], help="local (default) or aws.")
    group.addoption("--scenario-endpoint-url", help="Run against this endpoint (e.g. a `scenario serve`).")
    group.addoption("--scenario-stack", help="Read this existing stack's outputs instead of deploying.")
    group.addoption("--scenario-region", help="AWS region.")
    group.addoption("--scenario-shard", metavar="INDEX/COUNT", help="Run only this share of the scenario files.")
    parser.addini("scenario_files", type="args", default=[], help="Glob patterns of scenario files to collect.")
    parser.addini(
        "scenario_answers",
        default="",
        help="Answers file of a scenario, as a pattern with {dir} and {stem} (default: the convention).",
    )
    parser.addini("scenario_target", default="local", help="local or aws.")
    parser.addini("scenario_endpoint_url", default="", help="Endpoint URL for every scenario.")


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob as a regex: ``*`` and ``?`` stay within a folder, ``**`` spans folders."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out + r"\Z")


def matches(relative: str, pattern: str) -> bool:
    """``pattern`` with a ``/`` matches the path from the rootdir; without one, the file name."""
    return bool(glob_regex(pattern).match(relative if "/" in pattern else relative.rsplit("/", 1)[-1]))


def pytest_configure(config: pytest.Config) -> None:
    # Only a process that runs the items: an xdist worker, or pytest without workers (not xdist's controller).
    runs_items = hasattr(config, "workerinput") or not getattr(config.option, "numprocesses", None)
    if _patterns(config) and runs_items:
        from engine import startup

        startup.hold()


def pytest_collection_finish(session: pytest.Session) -> None:
    if not any(isinstance(item, ScenarioItem) for item in session.items):
        from engine import startup

        startup.release()  # nothing of ours runs: the collector as it was, nothing frozen


def pytest_unconfigure(config: pytest.Config) -> None:
    from engine import startup

    startup.release()
    api = sys.modules.get("engine.api")  # only if a scenario ran: never import moto just to stop it
    if api is not None:
        api.close()


def _patterns(config: pytest.Config) -> list[str]:
    return [*config.getini("scenario_files"), *config.getoption("scenarios")]


class _Options(TypedDict):
    """The session's ``run_scenario`` options (command line, else ini)."""

    target: str
    endpoint_url: str | None
    stack_name: str | None
    region: str | None


def _options(config: pytest.Config) -> _Options:
    return {
        "target": config.getoption("scenario_target") or config.getini("scenario_target") or "local",
        "endpoint_url": config.getoption("scenario_endpoint_url") or config.getini("scenario_endpoint_url") or None,
        "stack_name": config.getoption("scenario_stack"),
        "region": config.getoption("scenario_region"),
    }


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> ScenarioFile | None:
    if file_path.suffix not in SUFFIXES or file_path.parent.name == "answers" or ".answers." in file_path.name:
        return None  # answers files, by the same convention that finds them
    patterns = _patterns(parent.config)
    if not patterns:
        return None
    try:
        relative = file_path.relative_to(parent.config.rootpath).as_posix()
    except ValueError:
        relative = file_path.as_posix()
    if any(matches(relative, p) for p in patterns):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    text = config.getoption("scenario_shard")
    if not text:
        return
    from engine.errors import ScenarioError
    from engine.run.sharding import Shard

    try:
        shard = Shard.parse(text, option="--scenario-shard")
    except ScenarioError as exc:
        raise pytest.UsageError(exc.render()) from None
    scenarios = [item for item in items if isinstance(item, ScenarioItem)]
    # The same split as `scenario-run --shard`: by the file's path (relative to the rootdir).
    kept = set(map(id, shard.select(scenarios, key=lambda item: item.path.relative_to(config.rootpath).as_posix())))
    deselected = [item for item in scenarios if id(item) not in kept]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if id(item) not in set(map(id, deselected))]


class ScenarioFile(pytest.File):
    """A scenario YAML file: one test item."""

    def collect(self) -> Iterator[ScenarioItem]:
        from engine.errors import ScenarioError
        from engine.plan.planner import load_scenario
        from engine.plan.registry import load_registry

        try:
            plan: Plan | None = load_scenario(self.path, load_registry())
        except ScenarioError:
            plan = None  # reported when the item runs, with the same result type as any failure
        name = plan.name if plan is not None else self.path.stem
        item = ScenarioItem.from_parent(self, name=name, plan=plan)
        if plan is not None:
            for tag in plan.tags:
                self.config.addinivalue_line("markers", f"{tag}: scenario tag")
                item.add_marker(tag)
            item.extra_keyword_matches.add(self.path.stem)
        yield item


class ScenarioFailed(Exception):
    """A scenario did not pass; carries its result for the report."""

    def __init__(self, result: ScenarioResult) -> None:
        super().__init__(result.report())
        self.result = result


class ScenarioItem(pytest.Item):
    """One scenario run through ``engine.api.run_scenario``."""

    def __init__(self, *, plan: Plan | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.plan = plan
        self.result: ScenarioResult | None = None

    def _answers(self) -> Path | None:
        pattern = self.config.getini("scenario_answers")
        if not pattern:
            return None  # run_scenario applies the convention
        return Path(pattern.format(dir=self.path.parent, stem=self.path.stem))

    def runtest(self) -> None:
        from engine.api import run_scenario

        self.result = run_scenario(self.path, answers=self._answers(), **_options(self.config))
        self.add_report_section("call", "scenario", "\n".join(self.result.transcript))
        if not self.result.passed:
            raise ScenarioFailed(self.result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: object = None) -> str:
        if isinstance(excinfo.value, ScenarioFailed):
            return excinfo.value.result.report()
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"scenario: {self.name}"


@pytest.fixture
def scenario_runner(request: pytest.FixtureRequest) -> Callable[..., ScenarioResult]:
    """``scenario_runner(path, answers=…, **options)``: ``engine.api.run_scenario`` with this session's options."""
    from engine.api import run_scenario

    defaults = _options(request.config)

    def run(path: Path | str, **kwargs: Any) -> ScenarioResult:
        return run_scenario(path, **{**defaults, **kwargs})

    return run
