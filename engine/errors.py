"""One exception root for everything the engine reports to a person, and the exit codes.

Exit codes are decided here and only here: 0 success, 1 a step failed at run time, 2 bad input
(scenario, answers, usage), 3 an internal bug (traceback written to a log file), 130 interrupted.
``exit_code_for`` maps how a run ended to its code, ``worst_exit_code`` and ``run_exit_code``
combine several runs, ``load_exit_code`` is ``scenario load``'s, and ``exit_process`` is the one
way the engine ends the process with a code (the console scripts, the CLI's error handler and
every command go through it; click's own usage errors and ``--help`` are click's).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NoReturn

EXIT_OK = 0
EXIT_STEP_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130


@dataclass(frozen=True)
class Location:
    """Where in a file something is: 1-based line and column."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if not self.line:
            return self.file
        return f"{self.file}:{self.line}:{self.column}" if self.column else f"{self.file}:{self.line}"


class ScenarioError(Exception):
    """Root of every error the engine reports to a person without a traceback."""

    exit_code = EXIT_BAD_INPUT

    def __init__(
        self, message: str, *, location: Location | None = None, step: str | None = None, hint: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.step = step
        self.hint = hint

    def render(self) -> str:
        """The one-paragraph text shown to the user: where, which step, what, how to fix."""
        head = f"{self.location}: " if self.location else ""
        step = f"step '{self.step}': " if self.step else ""
        text = f"{head}{step}{self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class InputError(ScenarioError):
    """The scenario, answers file or command line is wrong; nothing ran."""


class InputErrors(InputError):
    """Several input errors found in one pass (every one is shown, each on its own)."""

    def __init__(self, errors: list[InputError]) -> None:
        super().__init__(errors[0].message, location=errors[0].location, step=errors[0].step, hint=errors[0].hint)
        self.errors = errors

    def render(self) -> str:
        return "\nError: ".join(error.render() for error in self.errors)


class YamlSyntaxError(InputError):
    """A file is not valid YAML."""


class SchemaError(InputError):
    """A scenario does not match the scenario schema."""


class TemplateError(InputError):
    """A Jinja template does not parse or refers to something undefined."""


class UnknownActionError(InputError):
    """A step names an action no plugin provides."""


class ActionArgumentError(InputError):
    """A step's arguments do not match its action's argument schema."""


class PluginError(InputError):
    """An action plugin could not be loaded or does not fill in the action contract."""


class MissingAnswerError(InputError):
    """A prompt needs an answer and none can be given (non-interactive run)."""


class StepFailed(ScenarioError):
    """A step failed at run time (an AWS error, a failed assertion, an unexpected outcome)."""

    exit_code = EXIT_STEP_FAILED

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        location: Location | None = None,
        step: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, location=location, step=step, hint=hint)
        self.code = code


class TargetError(ScenarioError):
    """The AWS target could not be set up (no credentials, no stack, endpoint unreachable)."""

    exit_code = EXIT_STEP_FAILED


class Interrupted(ScenarioError):
    """The run was interrupted (Ctrl-C)."""

    exit_code = EXIT_INTERRUPTED


def exit_code_for(error: BaseException | None) -> int:
    """The process exit code for how a run ended."""
    if error is None:
        return EXIT_OK
    if isinstance(error, ScenarioError):
        return error.exit_code
    if isinstance(error, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    return EXIT_INTERNAL


def worst_exit_code(errors: Iterable[BaseException | None]) -> int:
    """The exit code of several runs: the worst outcome among them decides."""
    codes = {exit_code_for(error) for error in errors}
    for code in (EXIT_INTERRUPTED, EXIT_INTERNAL, EXIT_BAD_INPUT, EXIT_STEP_FAILED):
        if code in codes:
            return code
    return EXIT_OK


def run_exit_code(errors: Iterable[BaseException | None], *, reports_written: bool) -> int:
    """The exit code of ``scenario-run``: the worst run decides, and a report that could not be
    written turns a success into a failure (a CI job must not pass without its report)."""
    code = worst_exit_code(errors)
    return EXIT_STEP_FAILED if code == EXIT_OK and not reports_written else code


def cleanup_exit_code(left: int) -> int:
    """The exit code of ``scenario cleanup``: 1 when ``left`` undos could not be done."""
    return EXIT_STEP_FAILED if left else EXIT_OK


def load_exit_code(locust_code: int, *, interrupted: bool) -> int:
    """The exit code of ``scenario load``: Locust's (0, or ``--exit-code-on-error`` when requests failed),
    130 when a signal stopped it, and 3 when Locust died of a signal nobody sent it."""
    if interrupted:
        return EXIT_INTERRUPTED
    return locust_code if locust_code >= 0 else EXIT_INTERNAL


def exit_process(code: int) -> NoReturn:
    """End the process (or the in-process command) with ``code``."""
    raise SystemExit(code)
