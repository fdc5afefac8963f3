"""The time and size budget of one template render, so that no template can hang or eat memory.

Every render gets ``RENDER_SECONDS`` of time and may build strings, lists and output of at most
``MAX_SIZE`` items, loop at most ``MAX_ITERATIONS`` times in all, and compute integers of at most
``MAX_INT_BITS`` bits. The sandbox calls ``check_*`` from every operation that can grow without
bound (``*``, ``**``, ``%``, ``range``, ``lipsum``, loops, filter and function calls, output), and
each of them also checks the clock, so nested loops stop too.

Where a template is constant (``{{ 10 ** (10 ** 9) }}``, ``range(10 ** 9)``), ``static_problem``
finds it while validating, before anything runs (exit 2). At run time an exceeded budget raises
``BudgetExceeded``, which the templating layer reports as a failure of the step being rendered
(exit 1, naming the step): by then earlier steps may have changed AWS resources.
"""

from __future__ import annotations

import math
import operator
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sized
from contextlib import contextmanager
from typing import TypeVar

import jinja2.nodes

from engine.errors import StepFailed

RENDER_SECONDS = 2.0
MAX_SIZE = 1_000_000
MAX_ITERATIONS = 1_000_000
MAX_INT_BITS = 4096
# A width or precision of seven or more digits in a format string ("%9999999s", "{:>9999999}").
_HUGE_WIDTH = re.compile(r"\d{7,}")
T = TypeVar("T")


class BudgetExceeded(StepFailed):
    """A template went over its time or size budget."""

    def __init__(self, message: str) -> None:
        super().__init__(
            f"template over budget: {message}",
            code="TemplateBudgetExceeded",
            hint=f"a render may take {RENDER_SECONDS:g} s and build at most {MAX_SIZE:,} characters or items",
        )


class _State(threading.local):
    deadline: float | None = None
    iterations = 0
    output = 0


_STATE = _State()


@contextmanager
def rendering() -> Iterator[None]:
    """One budget for the outermost render on this thread (nested renders share it)."""
    if _STATE.deadline is not None:
        yield
        return
    _STATE.deadline = time.monotonic() + RENDER_SECONDS
    _STATE.iterations = 0
    _STATE.output = 0
    try:
        yield
    finally:
        _STATE.deadline = None


def outermost() -> bool:
    """Whether no render is under way on this thread (a render started now would have a budget of its own)."""
    return _STATE.deadline is None


def fits(value: object) -> bool:
    """Whether ``value`` written out by a render of its own would stay within the size budget (``output``)."""
    length = _length(value)
    return length is None or length <= MAX_SIZE


def check_time() -> None:
    deadline = _STATE.deadline
    if deadline is not None and time.monotonic() > deadline:
        raise BudgetExceeded(f"rendering took longer than {RENDER_SECONDS:g} s")


def check_size(size: int, what: str) -> None:
    if size > MAX_SIZE:
        raise BudgetExceeded(f"{what} would have {size:,} items (at most {MAX_SIZE:,})")


def _length(value: object) -> int | None:
    """How big ``value`` is once written out: characters of strings plus items of containers, nested
    (a list repeating one long string counts that string each time); counting stops past the budget."""
    if not isinstance(value, str | bytes | list | tuple | dict):
        return None
    total, pending = 0, [value]
    while pending and total <= MAX_SIZE:
        item = pending.pop()
        if isinstance(item, str | bytes):
            total += len(item)
        elif isinstance(item, list | tuple):
            total += len(item)
            pending.extend(item[: MAX_SIZE + 1])
        elif isinstance(item, dict):
            total += len(item)
            pending.extend(item.keys())
            pending.extend(item.values())
    return total


def check_binop(operator: str, left: object, right: object) -> None:
    """Refuse ``left <operator> right`` before computing it when the result would be too big."""
    check_time()
    if operator == "**":
        if isinstance(left, int) and isinstance(right, int) and abs(left) > 1 and right > 0:
            bits = right * math.log2(abs(left))
            if bits > MAX_INT_BITS:
                raise BudgetExceeded(f"{left} ** {right} has about {bits:,.0f} bits (at most {MAX_INT_BITS:,})")
    elif operator == "*":
        for seq, count in ((left, right), (right, left)):
            if isinstance(seq, str | bytes | list | tuple) and isinstance(count, int) and not isinstance(count, bool):
                # Size first (cheap), then the written-out weight of what is repeated.
                check_size(len(seq) * count, "a repeated string or list")
                check_size((_length(seq) or 0) * count, "a repeated string or list")
        if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > MAX_INT_BITS:
            raise BudgetExceeded(f"a product of more than {MAX_INT_BITS:,} bits")
    elif operator == "+":
        a, b = _length(left), _length(right)
        if a is not None and b is not None:
            check_size(a + b, "a joined string or list")
    elif operator == "%" and isinstance(left, str):
        if _HUGE_WIDTH.search(left):
            raise BudgetExceeded("a format width or precision of seven or more digits")
        values = right if isinstance(right, tuple) else (right,)
        check_size(_percent_weight(left, values), "a %-formatted string")


# A %-conversion's width and precision: digits, or `*` taken from the values (CPython pads before
# it could be stopped, so the size is known from these before formatting).
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?[a-zA-Z%]")
_BRACE_WIDTHS = re.compile(r"\{[^{}]*:[^{}]*?(\d+)(?:\.(\d+))?[^{}]*\}")


def _percent_weight(text: str, values: tuple[object, ...]) -> int:
    """At least how many characters ``text % values`` has: every width and precision, `*` ones included."""
    stars = iter(v for v in values if isinstance(v, int) and not isinstance(v, bool))
    total = len(text)
    for spec in _PERCENT_SPEC.finditer(text):
        for part in spec.groups():
            if part == "*":
                total += abs(next(stars, 0))
            elif part:
                total += int(part)
    return total


def _brace_weight(text: str) -> int:
    return len(text) + sum(int(w or 0) + int(p or 0) for w, p in _BRACE_WIDTHS.findall(text))


def check_args(name: str, args: Iterable[object]) -> None:
    """A function or filter given a huge number (a width, a count) is refused before it runs."""
    check_time()
    for arg in args:
        if isinstance(arg, int) and not isinstance(arg, bool) and abs(arg) > MAX_SIZE:
            raise BudgetExceeded(f"{name}() was given {arg:,} (at most {MAX_SIZE:,})")
        if isinstance(arg, str) and name in {"format", "format_map"}:
            if _HUGE_WIDTH.search(arg):
                raise BudgetExceeded("a format width or precision of seven or more digits")
            check_size(_brace_weight(arg), "a formatted string")


def check_result(name: str, value: T) -> T:
    length = _length(value)
    if length is not None:
        check_size(length, f"the result of {name}()")
    return value


def check_join(values: object, separator: object = "") -> None:
    """``join`` builds one string from many: its size is known before it is built."""
    if isinstance(values, Sized) and isinstance(values, Iterable) and not isinstance(values, str):
        items = list(values)
        total = sum(len(str(v)) for v in items[: MAX_SIZE + 1]) + len(str(separator)) * len(items)
        check_size(total, "a joined string")


def iterate(values: Iterable[T]) -> Iterator[T]:
    """Every ``{% for %}`` loop goes through here: loops count against one budget per render."""
    for value in values:
        _STATE.iterations += 1
        if _STATE.iterations > MAX_ITERATIONS:
            raise BudgetExceeded(f"loops ran more than {MAX_ITERATIONS:,} times in one render")
        if _STATE.iterations % 256 == 0:
            check_time()
        yield value


def output(value: T) -> T:
    """Every ``{{ }}`` output: the whole render may produce at most ``MAX_SIZE`` characters."""
    check_time()
    length = _length(value)
    if length is not None:
        _STATE.output += length
        check_size(_STATE.output, "the rendered text")
    return value


def safe_range(*args: int) -> range:
    result = range(*args)
    check_size(len(result), "range()")
    return result


safe_range.__name__ = "range"


def concat(*parts: object) -> str:
    """``a ~ b``: the joined string may have at most ``MAX_SIZE`` characters."""
    check_time()
    texts = [str(part) for part in parts]
    check_size(sum(map(len, texts)), "a joined string")
    return "".join(texts)


def static_problem(ast: jinja2.nodes.Node) -> str | None:
    """The budget problem of a constant part of a parsed template, found without running it."""
    for node in ast.find_all((jinja2.nodes.BinExpr, jinja2.nodes.Call, jinja2.nodes.Filter)):
        try:
            if isinstance(node, jinja2.nodes.BinExpr):
                left, right = _const(node.left), _const(node.right)
                if left is not _UNKNOWN and right is not _UNKNOWN:
                    check_binop(node.operator, left, right)
            elif isinstance(node, jinja2.nodes.Call) and isinstance(node.node, jinja2.nodes.Name):
                args = [_const(arg) for arg in node.args]
                if node.node.name in {"range", "lipsum"} and _UNKNOWN not in args:
                    check_args(node.node.name, args)
                    numbers = [arg for arg in args if isinstance(arg, int)]
                    if node.node.name == "range" and len(numbers) == len(args):
                        safe_range(*numbers)
            elif isinstance(node, jinja2.nodes.Filter):
                check_args(node.name, [a for a in map(_const, node.args) if a is not _UNKNOWN])
        except BudgetExceeded as exc:
            return exc.message.removeprefix("template over budget: ")
        except (TypeError, ValueError):
            continue
    return None


_UNKNOWN = object()
_FOLDED: dict[str, Callable[[object, object], object]] = {"**": operator.pow, "*": operator.mul, "+": operator.add}


def _const(node: jinja2.nodes.Node) -> object:
    """The value of a literal, or of ``**``/``*``/``+`` of literals that fits the budget; else ``_UNKNOWN``."""
    if isinstance(node, jinja2.nodes.Const):
        return node.value
    if isinstance(node, jinja2.nodes.Tuple):
        items = [_const(item) for item in node.items]
        return _UNKNOWN if _UNKNOWN in items else tuple(items)
    if isinstance(node, jinja2.nodes.Neg):
        inner = _const(node.node)
        return -inner if isinstance(inner, int | float) else _UNKNOWN
    if isinstance(node, jinja2.nodes.BinExpr) and node.operator in {"**", "*", "+"}:
        left, right = _const(node.left), _const(node.right)
        if left is _UNKNOWN or right is _UNKNOWN:
            return _UNKNOWN
        try:
            check_binop(node.operator, left, right)
        except BudgetExceeded:
            return _UNKNOWN  # reported where that node itself is checked
        try:
            return _FOLDED[node.operator](left, right)
        except TypeError:
            return _UNKNOWN
    return _UNKNOWN
