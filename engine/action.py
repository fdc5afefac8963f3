"""The action contract: the public extension point of scenario-run.

An action is a step kind (``sign_up:``, ``aws_call:``). A plugin is a module that exports
``ACTIONS``, a list of actions, and is registered in the ``scenario_run.actions`` entry-point
group (the built-in modules are registered exactly that way)::

    [project.entry-points."scenario_run.actions"]
    my_actions = "my_package.actions"

An action is written in one of three ways:

* any object with ``name``, ``description``, ``schema``, ``example`` and ``run(args, ctx)``, which
  gets the arguments as plain JSON values (the rest of ``Action`` is filled in with
  ``ActionBase``'s defaults when left out);
* a subclass of ``TypedAction[MyArgs]`` that implements ``perform(args: MyArgs, ctx)``;
* a function decorated with ``action(...)``, whose ``args`` annotation is the typed view::

    class ShoutArgs(TypedDict):
        text: str
        times: NotRequired[int]

    SHOUT = obj({"text": STRING, "times": {"type": "integer", "minimum": 1}}, ["text"])

    @action("shout", "Print text in capitals.", SHOUT, {"text": "hello", "times": 2})
    def shout(args: ShoutArgs, ctx: ActionContext) -> JsonValue:
        ctx.console.say(" ".join([args["text"].upper()] * args.get("times", 1)))
        return {"shouted": args["text"]}

A TypedDict has a key per schema property, ``NotRequired`` for the ones the schema does not
require; a schema that also takes a bare value (``say: text``) gives a union such as
``str | SayArgs``, and one that takes any value gives ``JsonValue``.

The JSON schema is the source of truth: the engine checks a step's arguments against it when the
scenario is loaded, and again after rendering any templates in them, so ``run`` only ever gets
arguments the schema accepts. The TypedDict is the same contract written for the type checker;
keep the two in step (the built-ins have a test that compares them key by key).

``engine.actions.base`` is this module's old home and still re-exports the original names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeAlias, TypeVar, cast, get_type_hints, runtime_checkable

if TYPE_CHECKING:
    from engine.aws.clients import Clients
    from engine.cleanup.leases import NoLeases
    from engine.cleanup.undo import StepUndo
    from engine.local.outbox import OutboxReader
    from engine.prompts.prompter import Prompter, PromptSpec
    from engine.reports.console import Console
    from engine.secrets import Secrets

# What YAML and JSON can hold: the arguments a step is written with, and what its result may be.
JsonValue: TypeAlias = str | int | float | bool | Sequence["JsonValue"] | Mapping[str, "JsonValue"] | None
# A JSON schema document. jsonschema reads it and the engine's schema code indexes into it freely.
JsonSchema = dict[str, Any]

Problem = tuple[list[str | int], str]  # (path inside the arguments, message)
T = TypeVar("T")
ArgsT = TypeVar("ArgsT")


@runtime_checkable
class Action(Protocol):
    """A step kind, as the engine sees it. A plugin module exports ``ACTIONS: list[Action]``.

    ``name``, ``description``, ``schema``, ``example`` and ``run`` are required. The rest has
    defaults (``ActionBase``'s), which the registry supplies for a plugin object that leaves them
    out. Every member is read-only to the engine, so a plain class attribute fills one in.

    The engine holds every action in one registry, so it hands ``run`` the arguments as plain
    JSON values; ``TypedAction`` and ``action()`` pass them on as the action's own typed view.
    """

    @property
    def name(self) -> str:
        """The YAML key of the step (``sign_up``): an identifier, unique across plugins."""
        ...

    @property
    def description(self) -> str:
        """One or two sentences for ``scenario actions`` and the schema's hover text."""
        ...

    @property
    def schema(self) -> JsonSchema:
        """The JSON schema of the arguments, merged into the scenario schema under ``name``."""
        ...

    @property
    def example(self) -> object:
        """A valid argument value, shown by ``scenario actions``."""
        ...

    @property
    def deferred(self) -> frozenset[str]:
        """Argument names the engine does not render before ``run``: the action renders them itself
        with ``ctx.render`` (an undo that uses the call's result, say)."""
        ...

    @property
    def quiet(self) -> bool:
        """No status line when the step succeeds (narrative, prompts)."""
        ...

    @property
    def asks(self) -> bool:
        """The step asks a person, so its id is a prompt id (a key of the answers file)."""
        ...

    @property
    def operations(self) -> tuple[tuple[str, str], ...]:
        """The (service, operation) AWS calls the step makes, so ``validate`` can tell whether an
        ``expect_error`` code is one they can give (empty: codes are not checked)."""
        ...

    @property
    def expressions(self) -> bool:
        """The string arguments are expressions, checked like ``assert``."""
        ...

    @property
    def result_example(self) -> object:
        """What a result looks like (``steps.<id>.result``), shown by ``scenario actions NAME``; None
        when the action does not say."""
        ...

    @property
    def sets_vars(self) -> bool:
        """The argument maps variable names to values (``set_vars``), so templates may read ``vars.<name>``."""
        ...

    def step_id(self, args: JsonValue) -> str | None:
        """The step's id taken from its arguments when it has no ``id:``, or None for the default."""
        ...

    def check(self, args: JsonValue) -> list[Problem]:
        """Problems ``scenario validate`` reports without calling AWS, as (path inside args, message).

        ``args`` are as written: they passed the schema, but a template may still stand where the
        schema wants a number or a list, so leave templated values alone.
        """
        ...

    def run(self, args: JsonValue, ctx: ActionContext) -> JsonValue:
        """Perform the step and return its result (JSON-like: ``steps.<id>.result``); raise on failure.

        ``args`` are rendered and accepted by ``schema`` (``deferred`` ones are as written). What the
        step creates or changes it puts on ``ctx.undo``: ``ctx.undo.intent(kind, params, text)``
        around the AWS call, with an ``@undo_kind(kind)`` function that reverses it (durable: a
        later ``scenario cleanup`` can finish it), or ``ctx.undo.push(text, func)`` (this process only).
        ``ctx.undo.intent(..., leases=[key])`` takes the leases the change needs first, in the same request
        as the intent's copy on a shared target when they are free (other runs changing the same thing wait).
        """
        ...


class ActionBase:
    """The defaults of the optional part of the ``Action`` contract; subclass it or not."""

    deferred: frozenset[str] = frozenset()
    quiet: bool = False
    asks: bool = False
    operations: tuple[tuple[str, str], ...] = ()
    expressions: bool = False
    result_example: object = None
    # The step's argument maps variable names to values (``set_vars``): the planner then knows vars.<name>.
    sets_vars: bool = False

    def step_id(self, args: JsonValue) -> str | None:
        return None

    def check(self, args: JsonValue) -> list[Problem]:
        return []


class TypedAction(ActionBase, Generic[ArgsT]):
    """An action whose ``perform`` gets its arguments as ``ArgsT``, the typed view of ``schema``
    (a TypedDict, as the module docstring shows); the registry sees it as any other ``Action``."""

    name: str
    description: str
    schema: JsonSchema
    example: JsonValue

    def run(self, args: JsonValue, ctx: ActionContext) -> JsonValue:
        # The one place the schema's promise becomes a type: the engine checked these arguments
        # against ``schema`` (after rendering), and ``ArgsT`` is that schema for the type checker.
        return self.perform(cast(ArgsT, args), ctx)

    def perform(self, args: ArgsT, ctx: ActionContext) -> JsonValue:
        """Perform the step; ``args`` are the rendered arguments, accepted by ``schema``."""
        raise NotImplementedError(f"action {self.name} does not implement perform")

    @property
    def args_type(self) -> object:
        """``ArgsT`` at run time (what ``perform`` is annotated with), for tools and tests; a name the
        annotation uses must be importable at run time (not only under ``TYPE_CHECKING``)."""
        return get_type_hints(type(self).perform, include_extras=True)["args"]


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
class SimpleAction(TypedAction[ArgsT]):
    """A ready-made ``Action``: a name, a schema, an example and a function of ``(ArgsT, ctx)``."""

    name: str
    description: str
    schema: JsonSchema
    example: JsonValue
    func: Callable[[ArgsT, ActionContext], JsonValue]
    # Narrative and prompt steps speak for themselves: no status line on success.
    quiet: bool = False
    asks: bool = False
    id_from: str | None = None  # an argument whose value names the step (a prompt's `id`)
    operations: tuple[tuple[str, str], ...] = ()
    expressions: bool = False
    result_example: JsonValue = None
    checker: Callable[[JsonValue], list[Problem]] | None = None  # what ``check`` reports, when the action says more
    deferred: frozenset[str] = frozenset()
    sets_vars: bool = False

    def check(self, args: JsonValue) -> list[Problem]:
        return self.checker(args) if self.checker is not None else []

    def perform(self, args: ArgsT, ctx: ActionContext) -> JsonValue:
        return self.func(args, ctx)

    def step_id(self, args: JsonValue) -> str | None:
        if self.id_from and isinstance(args, dict) and isinstance(args.get(self.id_from), str):
            return str(args[self.id_from])
        return None

    @property
    def args_type(self) -> object:
        return get_type_hints(self.func, include_extras=True)["args"]


def action(
    name: str,
    description: str,
    schema: JsonSchema,
    example: JsonValue,
    *,
    quiet: bool = False,
    asks: bool = False,
    id_from: str | None = None,
    operations: tuple[tuple[str, str], ...] = (),
    expressions: bool = False,
    result_example: JsonValue = None,
    check: Callable[[JsonValue], list[Problem]] | None = None,
    deferred: frozenset[str] = frozenset(),
    sets_vars: bool = False,
) -> Callable[[Callable[[ArgsT, ActionContext], JsonValue]], SimpleAction[ArgsT]]:
    """Decorator turning ``func(args, ctx)`` into a registered-ready ``SimpleAction``.

    ``ArgsT`` comes from ``func``'s annotation of ``args``: write the schema's typed view there.
    """

    def wrap(func: Callable[[ArgsT, ActionContext], JsonValue]) -> SimpleAction[ArgsT]:
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
            deferred,
            sets_vars,
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


def plain(data: object) -> JsonValue:
    """A JSON-ready copy of a boto3 response: no ResponseMetadata, datetimes as ISO text."""
    if type(data) in _AS_THEY_ARE:  # most of a response: text, numbers, flags
        return cast(JsonValue, data)
    if isinstance(data, dict):
        return plain_dict(data)
    if isinstance(data, list | tuple | set):
        return [plain(v) for v in data]
    import base64
    import datetime
    from decimal import Decimal

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
    # Scalars, and the odd value boto3 gives beside them (a DynamoDB Binary), go through as they are.
    return cast(JsonValue, data)


_AS_THEY_ARE = frozenset({str, int, float, bool, type(None)})


def plain_dict(data: Mapping[str, object]) -> dict[str, JsonValue]:
    """``plain`` of a mapping (a whole boto3 response, or a part of one), as a dict an action may add to."""
    return {str(k): plain(v) for k, v in data.items() if k != "ResponseMetadata"}
