"""Jinja2 templating of scenario values: sandboxed, strict about undefined names, native types.

Each string is rendered on its own after YAML parsing. A string that is a single ``{{ expr }}``
keeps the expression's native type (a list stays a list, a number stays a number); a string
mixing text and expressions is a string. Strings are never re-parsed as Python literals, so an
answer "123456" stays the string "123456".
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from itertools import chain, islice
from typing import Any, TypeVar

import jinja2
import jinja2.meta
import jinja2.nodes
import jinja2.runtime
import jinja2.utils
from jinja2.compiler import CodeGenerator, Frame
from jinja2.environment import TemplateExpression
from jinja2.nativetypes import NativeCodeGenerator
from jinja2.sandbox import SandboxedEnvironment

from engine.errors import Location, ScenarioError, TemplateError
from engine.template import budget
from engine.template import helpers as template_helpers
from engine.template.reads import NOT_PLAIN as _NOT_PLAIN
from engine.template.reads import expression_reader

MARKERS = ("{{", "{%")
# Keys and indexes from a value's root down to one of its parts: what a file location is looked up by.
NodePath = tuple[str | int, ...]
T = TypeVar("T")
# Cognito writes its code placeholder as {####}, which Jinja would read as a comment and drop;
# comments are therefore switched off (their markers are set to text no scenario contains).
_NO_COMMENT = ("\x00{#", "#}\x00")


# Jinja types ``concat`` as joining strings; rendered natively, the parts and the result are any value.
def _native_concat(values: Iterable[Any]) -> Any:
    head = list(islice(values, 2))
    if not head:
        return None
    if len(head) == 1:
        return head[0]
    return "".join(str(v) for v in chain(head, values))


class _NativeCodeGenerator(NativeCodeGenerator):
    """Jinja folds constant output such as ``{{ [] }}`` or ``{{ 5 }}`` into text at compile time;
    only literal text is folded here, so every expression keeps its type."""

    def _output_child_to_const(
        self, node: jinja2.nodes.Expr, frame: Frame, finalize: CodeGenerator._FinalizeInfo
    ) -> str:
        if not isinstance(node, jinja2.nodes.TemplateData):
            raise jinja2.nodes.Impossible()
        return super()._output_child_to_const(node, frame, finalize)  # type: ignore[no-any-return]


class _NativeSandbox(SandboxedEnvironment):
    """The sandbox with a budget (``engine.template.budget``) on every operation that can grow without bound."""

    code_generator_class = _NativeCodeGenerator
    concat = staticmethod(_native_concat)
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: object, right: object) -> object:
        budget.check_binop(operator, left, right)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: jinja2.runtime.Context, __obj: object, *args: object, **kwargs: object) -> object:
        name = getattr(__obj, "__name__", "function")
        budget.check_args(name, [*args, *kwargs.values()])
        return budget.check_result(name, super().call(__context, __obj, *args, **kwargs))

    def wrap_str_format(self, value: object) -> Callable[..., str] | None:
        wrapped = super().wrap_str_format(value)
        if wrapped is not None:  # "{:>999999999}".format(...): the width is in the string itself
            budget.check_args("format", [getattr(value, "__self__", None)])
        return wrapped

    def getattr(self, obj: object, attribute: str) -> object:
        budget.check_time()
        return super().getattr(obj, attribute)

    def getitem(self, obj: object, argument: object) -> object:
        budget.check_time()
        return super().getitem(obj, argument)

    def _generate(
        self, source: jinja2.nodes.Template, name: str | None, filename: str | None, defer_init: bool = False
    ) -> str:
        # Every loop's iterable goes through budget.iterate, so loops (nested ones too) are counted.
        for loop in source.find_all(jinja2.nodes.For):
            loop.iter = jinja2.nodes.Call(
                jinja2.nodes.Name(_LOOP_BUDGET, "load"), [loop.iter], [], None, None, lineno=loop.lineno
            )
        # `a ~ b` is not an intercepted operator: it becomes a call to budget.concat.
        for node in list(source.find_all(jinja2.nodes.Concat)):
            call = jinja2.nodes.Call(jinja2.nodes.Name(_CONCAT_BUDGET, "load"), node.nodes, [], None, None)
            node.nodes = [call]
        return super()._generate(source, name, filename, defer_init)


_LOOP_BUDGET = "__scenario_loop_budget"
_CONCAT_BUDGET = "__scenario_concat_budget"
_MAX_LIPSUM = 100


def _budgeted_filter(name: str, func: Callable[..., object]) -> Callable[..., object]:
    @functools.wraps(func)
    def wrapper(*args: object, **kwargs: object) -> object:
        budget.check_args(name, [*args[1:], *kwargs.values()])
        if name == "join":
            values = [a for a in args if not isinstance(a, jinja2.runtime.Context | jinja2.nodes.EvalContext)]
            budget.check_join(values[0] if values else (), values[1] if len(values) > 1 else "")
        return budget.check_result(name, func(*args, **kwargs))

    return wrapper


def _lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:
    if n > _MAX_LIPSUM or max > _MAX_LIPSUM * 10:
        raise budget.BudgetExceeded(f"lipsum({n}) (at most {_MAX_LIPSUM} paragraphs)")
    return jinja2.utils.generate_lorem_ipsum(n=n, html=html, min=min, max=max)


_lipsum.__name__ = "lipsum"


def _to_yaml(value: object) -> str:
    import yaml

    return yaml.safe_dump(value, default_flow_style=False, sort_keys=False).rstrip()


def make_environment() -> jinja2.Environment:
    """The one sandboxed environment used for every template."""
    env = _NativeSandbox(
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
        comment_start_string=_NO_COMMENT[0],
        comment_end_string=_NO_COMMENT[1],
    )
    env.filters["to_yaml"] = _to_yaml
    env.filters.update(template_helpers.FILTERS)
    env.filters.update({name: _budgeted_filter(name, func) for name, func in env.filters.items()})
    env.tests.update(template_helpers.TESTS)
    env.globals.update(template_helpers.GLOBALS)
    env.globals.update(
        range=budget.safe_range, lipsum=_lipsum, **{_LOOP_BUDGET: budget.iterate, _CONCAT_BUDGET: budget.concat}
    )
    env.finalize = budget.output
    return env


ENV = make_environment()


@lru_cache(maxsize=4096)
def _compiled(text: str) -> jinja2.Template:
    """Templates are compiled once per process: a scenario renders the same strings every run."""
    return ENV.from_string(text)


@lru_cache(maxsize=4096)
def _compiled_expression(expression: str) -> TemplateExpression:
    return ENV.compile_expression(expression, undefined_to_none=False)


def is_template(value: object) -> bool:
    return isinstance(value, str) and ("{{" in value or "{%" in value)  # MARKERS, without a generator per call


def _describe(exc: Exception) -> str:
    text = str(exc)
    if isinstance(exc, jinja2.UndefinedError):
        return f"undefined value in template: {text}"
    return f"{type(exc).__name__}: {text}"


@contextmanager
def _template_errors(
    context: Mapping[str, object], location: Location | None, step: str | None, *, expression: str | None = None
) -> Iterator[None]:
    """Every way rendering can fail, as one ``TemplateError`` at ``location``."""
    what = f"expression {expression!r}" if expression else "template"
    try:
        yield
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(
            f"{'expression' if expression else 'template'} syntax error"
            + (f" in {expression!r}" if expression else "")
            + f": {exc.message}",
            location=location,
            step=step,
            hint="write a Jinja expression such as: steps.sign_in.status == 'ok'"
            if expression
            else "templates use {{ expression }}; check brackets and quotes",
        ) from None
    except jinja2.UndefinedError as exc:
        raise TemplateError(
            _describe(exc), location=location, step=step, hint=f"names available here: {', '.join(sorted(context))}"
        ) from None
    except jinja2.exceptions.SecurityError as exc:
        raise TemplateError(f"{what} not allowed: {exc}", location=location, step=step) from None
    except TemplateError:
        raise
    except budget.BudgetExceeded as exc:
        exc.location, exc.step = location, step
        raise exc from None
    except MemoryError:
        raise budget.BudgetExceeded("out of memory") from None
    except Exception as exc:
        raise TemplateError(f"{what} failed: {_describe(exc)}", location=location, step=step) from None


def _defined(value: T) -> T:
    if isinstance(value, jinja2.Undefined):
        # A lone {{ missing }} yields the Undefined object itself; make it fail here, not later.
        str(value)
    return value


def render_string(
    text: str, context: Mapping[str, object], *, location: Location | None = None, step: str | None = None
) -> Any:
    """Render one string; errors become ``TemplateError`` at ``location``.

    The result is whatever the template gives (a lone ``{{ expr }}`` keeps its type), handed on to
    actions as their arguments: its type is the scenario's, not this module's.
    """
    if not is_template(text):
        return text
    if budget.outermost():
        # A text whose templates only read values, outside any other render: read straight from the context,
        # with no render set up around it (most of a scenario's templates; the set-up costs more than the read).
        # Whatever this cannot answer within the budget takes the path below, which reports it.
        found = _read_text(text, context, budget.fits)
        if found is not _NOT_PLAIN:
            return found
    with _template_errors(context, location, step), budget.rendering():
        found = _read_text(text, context)  # each value counted by the budget, as Jinja's finalize counts it
        if found is not _NOT_PLAIN:
            return found
        return _defined(_compiled(text).render(_referenced(text, context)))


def _referenced(text: str, context: Mapping[str, object], *, expression: bool = False) -> dict[str, object]:
    """The part of ``context`` that ``text`` refers to: Jinja copies whatever a render is given into a context
    of its own, and a run's context holds every step's outcome. No helper reads the context itself (none is a
    ``pass_context`` function), so a name the text does not mention is one it cannot reach."""
    problem, names = check_syntax(text, expression=expression)
    if problem is not None:  # Jinja reports it, as it would with the whole context
        return dict(context)
    return {name: context[name] for name in names if name in context}


# ``{{ expression }}`` with no brace inside: what ``engine.template.reads`` may read (anything else is Jinja's).
_PLAIN = re.compile(r"\{\{([^{}]*)\}\}")


# A text as Jinja would output it: (True, reader of a value) and (False, literal text), in order.
_Reads = tuple[tuple[bool, Any], ...]


@lru_cache(maxsize=4096)
def _reads_of(text: str) -> _Reads | None:
    """``text`` as literal parts and ``{{ expression }}`` reads (``engine.template.reads``), made once per text;
    None when some template in it is Jinja's to render."""
    parts = _PLAIN.split(text)  # literal text and expressions, alternating
    if len(parts) < 3 or "\r" in text:  # Jinja would turn a \r\n into \n
        return None
    out: list[tuple[bool, Any]] = []
    for index, part in enumerate(parts):
        if index % 2 == 0:
            if "{{" in part or "{%" in part:
                return None
            if part:
                out.append((False, part))
            continue
        reader = expression_reader(part, ENV)
        if reader is None:
            return None
        out.append((True, reader))
    return tuple(out)


def _read_text(text: str, context: Mapping[str, object], fits: Callable[[object], bool] | None = None) -> object:
    """What Jinja would render ``text`` to, when its templates only read values; else ``_NOT_PLAIN``.

    A lone ``{{ expression }}`` keeps its value's type (most of a scenario's arguments: ``{{ stack.UserPoolId
    }}``); a text mixing them is joined as Jinja joins its output (a ``say``'s line). Without ``fits`` (inside a
    render), each value goes through the budget's ``finalize``, as Jinja's output does; with ``fits`` (outside
    any render), the values of a joined text are judged together by it, and refused ones give ``_NOT_PLAIN``.
    """
    reads = _reads_of(text)
    if reads is None:
        return _NOT_PLAIN
    if len(reads) == 1 and reads[0][0]:  # a lone value: handed on as it is, not written out
        value = reads[0][1](context)
        return value if value is _NOT_PLAIN or fits is not None else budget.output(value)
    out: list[tuple[object, bool]] = []  # (part, is a value)
    for is_value, part in reads:
        if is_value:
            part = part(context)
            if part is _NOT_PLAIN:
                return _NOT_PLAIN
        out.append((part, is_value))
    if fits is not None:
        return (
            _native_concat(part for part, _ in out)
            if fits([part for part, is_value in out if is_value])
            else _NOT_PLAIN
        )
    # Counted only once every value is read: a text left to Jinja is counted there, once.
    return _native_concat(budget.output(part) if is_value else part for part, is_value in out)


def render(
    value: object,
    context: Mapping[str, object],
    *,
    # (path) -> Location | None, left untyped: a typed callable would re-check callers' lambdas, which
    # read optional fields their own code has narrowed (engine.run.dispatch).
    location_of: Any = None,
    step: str | None = None,
    path: NodePath = (),
) -> Any:
    """Render every string inside ``value`` (dicts and lists recursively) with ``context``.

    ``location_of(path)`` gives the file location of the value at ``path`` for error messages.
    """
    if isinstance(value, str):
        if "{{" not in value and "{%" not in value:  # not a template (``is_template``): nothing to locate
            return value
        try:
            return render_string(value, context, step=step)
        except ScenarioError as exc:  # located only when it fails: finding a location costs more than a lookup
            if exc.location is None and location_of:
                exc.location = location_of(path)
            raise
    if isinstance(value, dict):
        return {
            key: render(item, context, location_of=location_of, step=step, path=(*path, key))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [
            render(item, context, location_of=location_of, step=step, path=(*path, i)) for i, item in enumerate(value)
        ]
    return value


def evaluate(
    expression: str, context: Mapping[str, object], *, location: Location | None = None, step: str | None = None
) -> Any:
    """Evaluate a ``when``/``assert`` expression, written bare or as ``{{ ... }}``."""
    if is_template(expression):
        return render_string(expression, context, location=location, step=step)
    # Most are reads and comparisons of values (``answers.send_code``, ``steps.x.status == 'ok'``): read, not
    # compiled, with nothing to set up around it (a read cannot fail; what it is unsure of, Jinja evaluates).
    reader = expression_reader(expression, ENV)
    if reader is not None:
        found = reader(context)
        if found is not _NOT_PLAIN:
            return found
    with _template_errors(context, location, step, expression=expression), budget.rendering():
        return _defined(_compiled_expression(expression)(**_referenced(expression, context, expression=True)))


@lru_cache(maxsize=4096)
def check_syntax(text: str, *, expression: bool = False) -> tuple[str | None, frozenset[str]]:
    """Parse without rendering: (error message or None, top-level names the text refers to)."""
    source = text if not expression or is_template(text) else "{{ " + text + " }}"
    try:
        ast = ENV.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        return f"template syntax error: {exc.message}", frozenset()
    problem = budget.static_problem(ast)
    if problem:
        return f"template over budget: {problem}", frozenset()
    refused = _sandbox_refusal(ast)
    if refused:
        return f"template not allowed: {refused}", frozenset()
    try:
        # Filters and tests are looked up when the code is generated, which this does.
        return None, frozenset(jinja2.meta.find_undeclared_variables(ast))
    except jinja2.TemplateAssertionError as exc:
        return f"template error: {exc.message}", frozenset()


# What the sandbox refuses whatever the object: dunder attributes (`''.__class__`), which every
# Python object has, and a format string reaching into them (`'{0.__class__}'.format(x)`). A single
# `_` is left to run time: `item._id` reads the key `_id` of a result, which the sandbox allows.
_ATTRIBUTE_FILTERS = frozenset(
    {"attr", "map", "sort", "groupby", "selectattr", "rejectattr", "sum", "unique", "min", "max", "dictsort"}
)
_FORMAT_FIELD_ATTR = re.compile(r"\{[^{}]*?(?:\.__|\[__)")


def _sandbox_refusal(ast: jinja2.nodes.Node) -> str | None:
    """The sandbox refusal a template will meet at run time, found in its text (exit 2, before any call)."""
    for node in ast.find_all((jinja2.nodes.Getattr, jinja2.nodes.Getitem, jinja2.nodes.Call, jinja2.nodes.Filter)):
        if isinstance(node, jinja2.nodes.Filter) and node.name in _ATTRIBUTE_FILTERS:
            names = [*node.args, *(kw.value for kw in node.kwargs if kw.key == "attribute")]
            for arg in names:
                value = arg.value if isinstance(arg, jinja2.nodes.Const) else None
                if isinstance(value, str) and any(part.startswith("__") for part in value.split(".")):
                    return f"access to attribute '{value}' is unsafe"
        if isinstance(node, jinja2.nodes.Getattr) and node.attr.startswith("__"):
            return f"access to attribute '{node.attr}' is unsafe"
        if isinstance(node, jinja2.nodes.Getitem) and isinstance(node.arg, jinja2.nodes.Const):
            key = node.arg.value
            if isinstance(key, str) and key.startswith("__"):
                return f"access to attribute '{key}' is unsafe"
        if isinstance(node, jinja2.nodes.Call) and isinstance(node.node, jinja2.nodes.Getattr):
            target = node.node
            if target.attr in ("format", "format_map") and isinstance(target.node, jinja2.nodes.Const):
                text = target.node.value
                if isinstance(text, str) and _FORMAT_FIELD_ATTR.search(text):
                    return f"the format string {text!r} reads an internal attribute of its arguments"
    return None


@lru_cache(maxsize=4096)
def attribute_refs(text: str, name: str, *, expression: bool = False) -> frozenset[str]:
    """Attributes read directly off the top-level ``name``: ``env.HOME`` and ``env['HOME']`` give HOME."""
    source = text if not expression or is_template(text) else "{{ " + text + " }}"
    try:
        ast = ENV.parse(source)
    except jinja2.TemplateSyntaxError:
        return frozenset()
    found = set()
    for node in ast.find_all(jinja2.nodes.Getattr):
        if isinstance(node.node, jinja2.nodes.Name) and node.node.name == name:
            found.add(node.attr)
    for item in ast.find_all(jinja2.nodes.Getitem):
        if isinstance(item.node, jinja2.nodes.Name) and item.node.name == name:
            key = item.arg
            if isinstance(key, jinja2.nodes.Const) and isinstance(key.value, str):
                found.add(key.value)
    return frozenset(found)


def iter_strings(value: object, path: NodePath = ()) -> Iterator[tuple[NodePath, str]]:
    """Every string inside ``value`` with its path."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from iter_strings(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from iter_strings(item, (*path, i))
