"""Why an ``assert`` or ``check`` expression was false: each operand and its value, as pytest shows.

``result.count == 7`` that fails is reported as::

    assertion failed: result.count == 7
      result.count = 3

The expression is parsed with Jinja's own parser; each operand of a comparison (and each side of
``and``/``or``/``not``) is written back as text and evaluated again in the same context.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

import jinja2
import jinja2.nodes as n

from engine.template.render import ENV, is_template

MAX_SHOWN = 200
_BINARY = {n.Add: "+", n.Sub: "-", n.Mul: "*", n.Div: "/", n.FloorDiv: "//", n.Mod: "%", n.Pow: "**"}
_COMPARE = {"eq": "==", "ne": "!=", "gt": ">", "gteq": ">=", "lt": "<", "lteq": "<=", "in": "in", "notin": "not in"}


def operand_lines(
    expression: str, evaluate: Callable[[str], object], mask: Callable[[str], str] = lambda text: text
) -> list[str]:
    """``  operand = value`` for each operand of ``expression`` worth showing (constants are not)."""
    root = _expression_node(expression)
    if root is None:
        return []
    lines: list[str] = []
    seen: set[str] = set()
    for node in _operands(root):
        text = _text(node)
        if text is None or text in seen:
            continue
        seen.add(text)
        try:
            shown = repr(evaluate(text))
        except Exception as exc:  # an operand that fails on its own (an undefined name): say so
            shown = f"<{getattr(exc, 'message', None) or exc}>"
        if len(shown) > MAX_SHOWN:
            shown = shown[:MAX_SHOWN] + "…"
        lines.append(f"  {text} = {mask(shown)}")
    return lines


def explain(prefix: str, expression: str, evaluate: Callable[[str], object], mask: Callable[[str], str]) -> str:
    """``prefix: expression`` and, below it, the value of each operand."""
    return "\n".join([f"{prefix}: {expression}", *operand_lines(expression, evaluate, mask)])


def _expression_node(expression: str) -> n.Expr | None:
    source = expression if is_template(expression) else "{{ " + expression + " }}"
    try:
        ast = ENV.parse(source)
    except jinja2.TemplateSyntaxError:
        return None
    if len(ast.body) != 1 or not isinstance(ast.body[0], n.Output):
        return None
    nodes = [node for node in ast.body[0].nodes if not isinstance(node, n.TemplateData)]
    return nodes[0] if len(nodes) == 1 else None


def _operands(node: n.Expr) -> Iterator[n.Expr]:
    if isinstance(node, n.Compare):
        yield from _leaves(node.expr)
        for op in node.ops:
            yield from _leaves(op.expr)
    elif isinstance(node, n.And | n.Or):
        yield from _operands(node.left)
        yield from _operands(node.right)
    elif isinstance(node, n.Not):
        yield from _operands(node.node)
    elif isinstance(node, n.Test):
        yield from _leaves(node.node)
    else:
        yield from _leaves(node)


def _leaves(node: n.Expr) -> Iterator[n.Expr]:
    if not isinstance(node, n.Const | n.List | n.Tuple | n.Dict) or not _constant(node):
        yield node


def _constant(node: n.Node) -> bool:
    return all(isinstance(child, n.Const | n.List | n.Tuple | n.Dict | n.Pair) for child in node.find_all(n.Node)) and (
        isinstance(node, n.Const | n.List | n.Tuple | n.Dict)
    )


def _text(node: n.Node) -> str | None:
    """``node`` written back as Jinja, or None for a form this does not write back."""
    if isinstance(node, n.Name):
        return node.name
    if isinstance(node, n.Const):
        return "none" if node.value is None else repr(node.value)
    if isinstance(node, n.Getattr):
        inner = _text(node.node)
        return None if inner is None else f"{_wrap(node.node, inner)}.{node.attr}"
    if isinstance(node, n.Getitem):
        inner, key = _text(node.node), _text(node.arg)
        return None if inner is None or key is None else f"{_wrap(node.node, inner)}[{key}]"
    if isinstance(node, n.List | n.Tuple):
        items = [_text(item) for item in node.items]
        if any(item is None for item in items):
            return None
        body = ", ".join(str(item) for item in items)
        return f"[{body}]" if isinstance(node, n.List) else f"({body}{',' if len(items) == 1 else ''})"
    if isinstance(node, n.Call):
        return _call(node.node, node.args, node.kwargs, "")
    if isinstance(node, n.Filter | n.Test):
        if node.node is None:
            return None
        inner = _text(node.node)
        call = _call(None, node.args, node.kwargs, node.name)
        if inner is None or call is None:
            return None
        return f"{_wrap(node.node, inner)} {'|' if isinstance(node, n.Filter) else 'is'} {call}"
    if isinstance(node, n.Neg | n.Pos):
        inner = _text(node.node)
        return None if inner is None else f"{'-' if isinstance(node, n.Neg) else '+'}{_wrap(node.node, inner)}"
    if isinstance(node, n.Not):
        inner = _text(node.node)
        return None if inner is None else f"not {_wrap(node.node, inner)}"
    if isinstance(node, n.BinExpr):
        op = "and" if isinstance(node, n.And) else "or" if isinstance(node, n.Or) else _BINARY.get(type(node))
        left, right = _text(node.left), _text(node.right)
        if op is None or left is None or right is None:
            return None
        return f"{_wrap(node.left, left)} {op} {_wrap(node.right, right)}"
    if isinstance(node, n.Concat):
        parts = [_text(item) for item in node.nodes]
        return (
            None
            if any(p is None for p in parts)
            else " ~ ".join(_wrap(i, str(p)) for i, p in zip(node.nodes, parts, strict=True))
        )
    if isinstance(node, n.Compare):
        head = _text(node.expr)
        ops = [(_COMPARE.get(op.op), _text(op.expr)) for op in node.ops]
        if head is None or any(o is None or t is None for o, t in ops):
            return None
        return " ".join(
            [_wrap(node.expr, head), *(f"{o} {_wrap(e.expr, str(t))}" for (o, t), e in zip(ops, node.ops, strict=True))]
        )
    return None


# Jinja annotates a filter's or test's keyword arguments as Pair nodes; they are Keyword nodes, like a call's.
def _call(func: n.Expr | None, args: list[n.Expr], kwargs: list[n.Keyword] | list[n.Pair], name: str) -> str | None:
    head = name if func is None else _text(func)
    parts = [_text(arg) for arg in args] + [
        None if (value := _text(keyword.value)) is None else f"{keyword.key}={value}" for keyword in kwargs
    ]
    if head is None or any(part is None for part in parts):
        return None
    if func is None and not parts:
        return head
    return f"{head}({', '.join(str(part) for part in parts)})"


def _wrap(node: n.Node, text: str) -> str:
    """Parentheses around an operand that is itself an operation, so the text parses the same."""
    simple = n.Name | n.Const | n.Getattr | n.Getitem | n.Call | n.List | n.Tuple | n.Dict
    return text if isinstance(node, simple) else f"({text})"


def partial_mismatch(expected: object, actual: object, path: str = "result") -> str | None:
    """Where ``actual`` does not contain ``expected`` (Tavern's non-strict match), or None when it does.

    A mapping matches when each of its keys is in ``actual`` with a matching value; a list, when each of
    its items matches some item of ``actual``'s list; anything else, when it equals ``actual``.
    """
    if isinstance(expected, Mapping):
        if not isinstance(actual, Mapping):
            return f"{path} is {_kind(actual)}, not a mapping"
        for key, value in expected.items():
            if key not in actual:
                return f"{path} has no key {key!r} (its keys: {', '.join(map(str, actual)) or 'none'})"
            found = partial_mismatch(value, actual[key], f"{path}.{key}")
            if found is not None:
                return found
        return None
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return f"{path} is {_kind(actual)}, not a list"
        for index, item in enumerate(expected):
            if all(partial_mismatch(item, candidate) is not None for candidate in actual):
                return f"{path} has no item matching {path}[{index}] = {_short(item)}"
        return None
    if expected != actual or isinstance(expected, bool) != isinstance(actual, bool):
        return f"{path} is {_short(actual)}, expected {_short(expected)}"
    return None


def _kind(value: object) -> str:
    return "null" if value is None else f"a {type(value).__name__}"


def _short(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
