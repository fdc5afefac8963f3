"""What a template gives without Jinja: reads of mappings and simple expressions over them.

Most of a scenario's templates read a value (``{{ stack.UserPoolId }}``, ``{{ token[:10] }}``) or test one (``when:
"'sign_in' in steps and steps.sign_in.status == 'ok'"``); setting up a sandboxed render for each costs more
than the AWS call it feeds on the embedded backend. What is read here is read as Jinja would read it, and
anything this is not sure of (a name Jinja could resolve otherwise, an attribute that shadows a key, a filter,
a call, a failed comparison) answers ``NOT_PLAIN``: the caller then renders with Jinja, which gives the value
or the error a person should see.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

import jinja2
import jinja2.nodes
from jinja2.parser import Parser

NOT_PLAIN: Any = object()
# What ``hasattr(dict, name)`` answers True for (its metaclass's too): names Jinja might read as attributes.
_DICT_ATTRIBUTES = frozenset(name for name in {*dir(dict), *dir(type)} if hasattr(dict, name))
# Names a Jinja template gives a meaning of its own, whatever the context holds.
_SPECIAL_NAMES = frozenset({"self", "loop", "caller", "varargs", "kwargs", "super"})

Read = Callable[[Mapping[str, object]], Any]  # the value, or NOT_PLAIN


def attribute(value: object, name: str) -> object:
    """Jinja's ``value.name`` when ``value`` is a mapping with that key and no attribute of that name, else
    ``NOT_PLAIN`` (Jinja tries the attribute first: ``dict.items``...)."""
    if type(value) is dict:  # most of a context (the isinstance check of an ABC costs more than the lookup)
        if name not in value or name in _DICT_ATTRIBUTES:
            return NOT_PLAIN
    elif not isinstance(value, Mapping) or name not in value or hasattr(type(value), name):
        return NOT_PLAIN
    return value[name]


@lru_cache(maxsize=4096)
def expression_reader(expression: str, environment: jinja2.Environment) -> Read | None:
    """A reader of ``expression`` (written bare, as in ``when:``), or None when it is not one this module reads."""
    try:
        parser = Parser(environment, expression, state="variable")
        node = parser.parse_expression()
        if not parser.stream.eos:
            return None
    except jinja2.TemplateSyntaxError:
        return None  # Jinja reports it
    return _reader(node)


_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "gt": operator.gt,
    "lteq": operator.le,
    "gteq": operator.ge,
    "in": lambda left, right: left in right,
    "notin": lambda left, right: left not in right,
}


def _reader(node: jinja2.nodes.Node) -> Read | None:
    """The reader of one expression node, or None for a node Jinja alone evaluates."""
    if isinstance(node, jinja2.nodes.Const):
        constant = node.value
        return lambda context: constant
    if isinstance(node, jinja2.nodes.Name):
        name = node.name
        if name in _SPECIAL_NAMES or node.ctx != "load":
            return None
        return lambda context: context.get(name, NOT_PLAIN)
    if isinstance(node, jinja2.nodes.Getattr):
        return _getattr_reader(node)
    if isinstance(node, jinja2.nodes.Getitem):
        return _getitem_reader(node)
    if isinstance(node, jinja2.nodes.Not):
        inner = _reader(node.node)
        return None if inner is None else _not(inner)
    if isinstance(node, jinja2.nodes.And | jinja2.nodes.Or):
        left, right = _reader(node.left), _reader(node.right)
        if left is None or right is None:
            return None
        return _and(left, right) if isinstance(node, jinja2.nodes.And) else _or(left, right)
    if isinstance(node, jinja2.nodes.Compare):
        return _compare_reader(node)
    if isinstance(node, jinja2.nodes.List | jinja2.nodes.Tuple):
        items = [_reader(item) for item in node.items]
        if any(item is None for item in items):
            return None
        kind = list if isinstance(node, jinja2.nodes.List) else tuple
        return _sequence([item for item in items if item is not None], kind)
    if isinstance(node, jinja2.nodes.CondExpr) and node.expr2 is not None:
        test, then, otherwise = _reader(node.test), _reader(node.expr1), _reader(node.expr2)
        if test is None or then is None or otherwise is None:
            return None
        return _conditional(test, then, otherwise)
    return None


def _getattr_reader(node: jinja2.nodes.Getattr) -> Read | None:
    inner = _reader(node.node)
    if inner is None:
        return None
    name = node.attr

    def read(context: Mapping[str, object]) -> object:
        value = inner(context)
        return NOT_PLAIN if value is NOT_PLAIN else attribute(value, name)

    return read


def _getitem_reader(node: jinja2.nodes.Getitem) -> Read | None:
    """``value[key]`` of a dict, ``value[index]`` or ``value[start:stop:step]`` of a list or a string."""
    inner = _reader(node.node)
    if inner is None:
        return None
    argument = node.arg
    if isinstance(argument, jinja2.nodes.Slice):
        bounds = [_const(part) for part in (argument.start, argument.stop, argument.step)]
        if any(bound is NOT_PLAIN or not (bound is None or type(bound) is int) for bound in bounds):
            return None
        part = slice(*bounds)

        def read_slice(context: Mapping[str, object]) -> object:
            value = inner(context)
            return value[part] if type(value) in (str, list) else NOT_PLAIN

        return read_slice
    key = _const(argument)
    if key is NOT_PLAIN or type(key) not in (str, int):
        return None

    def read_item(context: Mapping[str, object]) -> object:
        value = inner(context)
        if type(value) is dict:
            return value.get(key, NOT_PLAIN)
        if isinstance(value, list | str) and isinstance(key, int) and -len(value) <= key < len(value):
            return value[key]
        return NOT_PLAIN

    return read_item


def _const(node: jinja2.nodes.Node | None) -> object:
    if node is None:
        return None
    if isinstance(node, jinja2.nodes.Const):
        return node.value
    if isinstance(node, jinja2.nodes.Neg) and isinstance(node.node, jinja2.nodes.Const):
        value = node.node.value
        return -value if type(value) is int else NOT_PLAIN
    return NOT_PLAIN


def _compare_reader(node: jinja2.nodes.Compare) -> Read | None:
    first = _reader(node.expr)
    operands = [(_COMPARE.get(operand.op), _reader(operand.expr)) for operand in node.ops]
    if first is None or any(test is None or read is None for test, read in operands):
        return None
    chain = [(test, read) for test, read in operands if test is not None and read is not None]

    def compare(context: Mapping[str, object]) -> object:
        # As Python (and Jinja's compiled code) chains comparisons: a < b < c is a < b and b < c.
        left = first(context)
        if left is NOT_PLAIN:
            return NOT_PLAIN
        outcome: object = True
        for test, read in chain:
            right = read(context)
            if right is NOT_PLAIN:
                return NOT_PLAIN
            try:
                outcome = test(left, right)
            except Exception:  # e.g. 'a' < 1: Jinja raises it, as the person should see it
                return NOT_PLAIN
            if not outcome:
                return outcome
            left = right
        return outcome

    return compare


def _not(inner: Read) -> Read:
    def read(context: Mapping[str, object]) -> object:
        value = inner(context)
        return NOT_PLAIN if value is NOT_PLAIN else not value

    return read


def _and(left: Read, right: Read) -> Read:
    def read(context: Mapping[str, object]) -> object:
        value = left(context)
        return value if value is NOT_PLAIN or not value else right(context)

    return read


def _or(left: Read, right: Read) -> Read:
    def read(context: Mapping[str, object]) -> object:
        value = left(context)
        return value if value is NOT_PLAIN or value else right(context)

    return read


def _sequence(items: list[Read], kind: Callable[[list[object]], object]) -> Read:
    def read(context: Mapping[str, object]) -> object:
        values = [item(context) for item in items]
        return NOT_PLAIN if any(value is NOT_PLAIN for value in values) else kind(values)

    return read


def _conditional(test: Read, then: Read, otherwise: Read) -> Read:
    def read(context: Mapping[str, object]) -> object:
        value = test(context)
        if value is NOT_PLAIN:
            return NOT_PLAIN
        return then(context) if value else otherwise(context)

    return read
