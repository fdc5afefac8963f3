"""The action contract: what a plugin provides and what it gets when it runs."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast, runtime_checkable

if TYPE_CHECKING:
    from engine.aws.clients import Clients
    from engine.cleanup.leases import NoLeases
    from engine.cleanup.undo import StepUndo
    from engine.local.outbox import OutboxReader
    from engine.prompts.prompter import Prompter, PromptSpec
    from engine.reports.console import Console
    from engine.secrets import Secrets

JsonSchema = dict[str, Any]


Problem = tuple[list[Any], str]  # (path inside the arguments, message)
T = TypeVar("T")


@runtime_checkable
class Action(Protocol):
    """A step kind. A plugin module exports ``ACTIONS: list[Action]``.

    ``name`` is the YAML key of the step (``sign_up``); ``schema`` is the JSON schema of its
    arguments (merged into the scenario schema); ``example`` is a valid argument value shown
    by ``scenario actions``. ``run`` performs the step and returns its result (JSON-like); when
    it creates or changes something it registers how to undo it with ``ctx.undo.push``.

    Everything else the engine reads from an action is declared here too; ``ActionBase`` gives
    the defaults, and the registry supplies them for a plugin object that leaves them out:

    * ``deferred``: argument names the engine does not render before ``run`` (the action renders
      them itself with ``ctx.render``, e.g. an undo that uses the call's result);
    * ``quiet``: no status line when the step succeeds (narrative, prompts);
    * ``asks``: the step asks a person, so its id is a prompt id (a key of the answers file);
    * ``step_id(args)``: an id the step takes from its own arguments when it has no ``id:``;
    * ``check(args)``: problems found without calling AWS, reported by ``scenario validate``;
    * ``operations``: the (service, operation) AWS calls the step makes, so ``validate`` can tell
      whether an ``expect_error`` code is one they can give (empty: codes are not checked);
    * ``expressions``: its string arguments are expressions, checked like ``assert``.
    * ``result_example``: what a result looks like (``steps.<id>.result``), shown by
      ``scenario actions NAME``; None when the action does not say.
    """

    name: str
    description: str
    schema: JsonSchema
    example: Any
    deferred: frozenset[str]
    quiet: bool
    asks: bool
    operations: tuple[tuple[str, str], ...]
    expressions: bool
    result_example: Any

    def step_id(self, args: Any) -> str | None:
        """The step's id taken from its arguments, or None for the default (the action name)."""
        ...

    def check(self, args: Any) -> list[Problem]:
        """Problems as (path inside args, message); templated values are left alone."""
        ...

    def run(self, args: Any, ctx: ActionContext) -> Any:
        """Perform the step with rendered ``args``; raise on failure."""
        ...


class ActionBase:
    """The defaults of the optional part of the ``Action`` contract; subclass it or not."""

    deferred: frozenset[str] = frozenset()
    quiet: bool = False
    asks: bool = False
    operations: tuple[tuple[str, str], ...] = ()
    expressions: bool = False
    result_example: Any = None

    def step_id(self, args: Any) -> str | None:
        return None

    def check(self, args: Any) -> list[Problem]:
        return []


@dataclass
class ActionContext:
    """What a running action may use: clients for the target, the console, prompts, undo.

    Actions reach run state only through these methods: ``render``/``evaluate`` read the
    template namespace, ``set_var`` writes ``vars``, ``ask`` asks a prompt, ``state`` keeps a
    plugin's own per-run data (one instance per class, e.g. a lookup cache). ``undo`` is the run's
    undo stack as this step sees it: what it registers there is marked as this step's.
    """

    clients: Clients
    console: Console
    prompter: Prompter
    undo: StepUndo  # what this step registers to be undone
    secrets: Secrets
    target: str
    step_id: str
    outbox: OutboxReader | None = None
    render: Callable[[Any, Mapping[str, Any] | None], Any] = field(default=lambda value, extra: value)
    evaluate: Callable[[str], Any] = field(default=lambda expression: None)
    set_var: Callable[[str, object], None] = field(default=lambda name, value: None)
    run_state: dict[type, object] = field(default_factory=dict)
    leases: NoLeases = field(default_factory=lambda: _no_leases())
    base_dir: Path = Path()  # the scenario file's folder: relative paths in arguments start there

    def client(self, service: str) -> Any:
        """The boto3 client for ``service`` on this run's target."""
        return self.clients.client(service)

    def ask(self, spec: PromptSpec) -> Any:
        """Ask ``spec`` (or take its answer in a replay); a retry can ask it again by id."""
        return self.prompter.ask(spec)

    def state(self, kind: type[T]) -> T:
        """This run's instance of ``kind`` (made with ``kind()`` on first use), shared by all steps."""
        found = self.run_state.get(kind)
        if found is None:
            found = self.run_state[kind] = kind()
        return cast(T, found)


@dataclass
class SimpleAction(ActionBase):
    """A ready-made ``Action``: a name, a schema, an example and a function."""

    name: str
    description: str
    schema: JsonSchema
    example: Any
    func: Callable[[Any, ActionContext], Any]
    # Narrative and prompt steps speak for themselves: no status line on success.
    quiet: bool = False
    asks: bool = False
    id_from: str | None = None  # an argument whose value names the step (a prompt's `id`)
    operations: tuple[tuple[str, str], ...] = ()
    expressions: bool = False
    result_example: Any = None
    checker: Callable[[Any], list[Problem]] | None = None  # what ``check`` reports, when the action says more

    def check(self, args: Any) -> list[Problem]:
        return self.checker(args) if self.checker is not None else []

    def run(self, args: Any, ctx: ActionContext) -> Any:
        return self.func(args, ctx)

    def step_id(self, args: Any) -> str | None:
        if self.id_from and isinstance(args, dict) and isinstance(args.get(self.id_from), str):
            return str(args[self.id_from])
        return None


def action(
    name: str,
    description: str,
    schema: JsonSchema,
    example: Any,
    *,
    quiet: bool = False,
    asks: bool = False,
    id_from: str | None = None,
    operations: tuple[tuple[str, str], ...] = (),
    expressions: bool = False,
    result_example: Any = None,
    check: Callable[[Any], list[Problem]] | None = None,
) -> Callable[[Callable[[Any, ActionContext], Any]], SimpleAction]:
    """Decorator turning ``func(args, ctx)`` into a registered-ready ``SimpleAction``."""

    def wrap(func: Callable[[Any, ActionContext], Any]) -> SimpleAction:
        return SimpleAction(
            name,
            description,
            schema,
            example,
            func,
            quiet,
            asks,
            id_from,
            operations,
            expressions,
            result_example,
            check,
        )

    return wrap


def _no_leases() -> NoLeases:
    from engine.cleanup.leases import NoLeases

    return NoLeases()


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
