"""GitHub Actions error annotations: an error with file:line shows on the line of the pull request.

Written only when ``GITHUB_ACTIONS=true`` (set by the runner), as a workflow command
(``::error file=…,line=…,col=…,title=…::message``); see
https://docs.github.com/actions/reference/workflow-commands-for-github-actions.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import click

from engine.errors import ScenarioError


def enabled() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def error_command(
    error: ScenarioError, *, file: str | None = None, title: str | None = None, mask: Callable[[str], str] = str
) -> str:
    """The ``::error …::`` line for ``error`` (its location, else ``file``)."""
    props: list[str] = []
    location = error.location
    where = location.file if location and location.file and not location.file.startswith("-") else file
    if where:
        props.append(f"file={_property(where)}")
        if location and location.line:
            props.append(f"line={location.line}")
            if location.column:
                props.append(f"col={location.column}")
    if title:
        props.append(f"title={_property(title)}")
    message = (f"step '{error.step}': " if error.step else "") + error.message
    if error.hint:
        message += f"\nhint: {error.hint}"
    message = mask(message)
    return f"::error {','.join(props)}::{_data(message)}" if props else f"::error::{_data(message)}"


def annotate(
    error: ScenarioError,
    *,
    file: str | None = None,
    title: str | None = None,
    mask: Callable[[str], str] = str,
    err: bool = False,
) -> None:
    """Write the annotation when running on GitHub Actions (the runner reads stdout and stderr)."""
    if enabled():
        click.echo(error_command(error, file=file, title=title, mask=mask), err=err)
