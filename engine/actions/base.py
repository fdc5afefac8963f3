"""The action contract: what a plugin provides and what it gets when it runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from engine.clients import Clients
    from engine.console import Console
    from engine.prompter import Prompter
    from engine.secrets import Secrets
    from engine.undo import UndoStack

JsonSchema = dict[str, Any]


@runtime_checkable
class Action(Protocol):
    """A step kind. A plugin module exports ``ACTIONS: list[Action]``.

    ``name`` is the YAML key of the step (``sign_up``); ``schema`` is the JSON schema of its
    arguments (merged into the scenario schema); ``example`` is a valid argument value shown
    by ``scenario actions``. ``run`` performs the step and returns its result (JSON-like); when
    it creates or changes something it registers how to undo it with ``ctx.undo.push``.
    """

    name: str
    description: str
    schema: JsonSchema
    example: Any

    def run(self, args: Any, ctx: ActionContext) -> Any:
        """Perform the step with rendered ``args``; raise on failure."""
        ...


@runtime_checkable
class StaticCheck(Protocol):
    """Optional: an action that can check its arguments further without calling AWS."""

    def check(self, args: Any) -> list[tuple[list[Any], str]]:
        """Problems as (path inside args, message); templated values are left alone."""
        ...


@dataclass
class ActionContext:
    """What a running action may use: clients for the target, the console, prompts, undo."""

    clients: Clients
    console: Console
    prompter: Prompter
    undo: UndoStack
    secrets: Secrets
    target: str
    step_id: str
    template_vars: dict[str, Any] = field(default_factory=dict)
    outbox: Any = None
    cache: dict[str, Any] = field(default_factory=dict)  # shared by all steps of one run
    render: Callable[..., Any] = lambda value, extra=None: value
    base_dir: Path = Path()  # the scenario file's folder: relative paths in arguments start there

    def client(self, service: str) -> Any:
        """The boto3 client for ``service`` on this run's target."""
        return self.clients.client(service)


@dataclass
class SimpleAction:
    """A ready-made ``Action``: a name, a schema, an example and a function."""

    name: str
    description: str
    schema: JsonSchema
    example: Any
    func: Callable[[Any, ActionContext], Any]
    # Narrative and prompt steps speak for themselves: no status line on success.
    quiet: bool = False

    def run(self, args: Any, ctx: ActionContext) -> Any:
        return self.func(args, ctx)


def action(
    name: str, description: str, schema: JsonSchema, example: Any, *, quiet: bool = False
) -> Callable[[Callable[[Any, ActionContext], Any]], SimpleAction]:
    """Decorator turning ``func(args, ctx)`` into a registered-ready ``SimpleAction``."""

    def wrap(func: Callable[[Any, ActionContext], Any]) -> SimpleAction:
        return SimpleAction(name, description, schema, example, func, quiet)

    return wrap


def obj(properties: dict[str, JsonSchema], required: list[str] | None = None) -> JsonSchema:
    """A closed JSON object schema: the common shape of action arguments."""
    schema: JsonSchema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


STRING: JsonSchema = {"type": "string", "minLength": 1}


def plain(data: Any) -> Any:
    """A JSON-ready copy of a boto3 response: no ResponseMetadata, datetimes as ISO text."""
    import base64
    import datetime
    from decimal import Decimal

    if isinstance(data, dict):
        return {k: plain(v) for k, v in data.items() if k != "ResponseMetadata"}
    if isinstance(data, list | tuple | set):
        return [plain(v) for v in data]
    if isinstance(data, datetime.datetime | datetime.date):
        return data.isoformat()
    if isinstance(data, Decimal):
        return int(data) if data == data.to_integral_value() else float(data)
    if isinstance(data, bytes | bytearray):
        try:
            return bytes(data).decode("utf-8")
        except UnicodeDecodeError:
            return base64.b64encode(bytes(data)).decode("ascii")
    if hasattr(data, "read"):  # StreamingBody
        return plain(data.read())
    return data
