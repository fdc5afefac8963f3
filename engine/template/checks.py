"""What ``scenario validate`` reads out of a template without rendering it.

Filters and tests are looked up when Jinja compiles a template, so a misspelt ``| lowr`` would
otherwise surface only at run time; names read off ``steps``, ``answers`` and ``vars`` are
collected here so the planner can check them against the ids the file defines.
"""

from __future__ import annotations

from functools import lru_cache

import jinja2
import jinja2.nodes

from engine.template.render import ENV, is_template

# Names Jinja resolves on a dict before its keys: `steps.get.result` reads dict.get, not step 'get'.
DICT_ATTRIBUTES = frozenset(
    {"get", "items", "keys", "values", "update", "pop", "copy", "clear", "setdefault", "popitem", "fromkeys"}
)


@lru_cache(maxsize=4096)
def _parse(text: str, expression: bool) -> jinja2.nodes.Template | None:
    source = text if not expression or is_template(text) else "{{ " + text + " }}"
    try:
        return ENV.parse(source)
    except jinja2.TemplateSyntaxError:
        return None  # check_syntax reports it


@lru_cache(maxsize=4096)
def unknown_filters_and_tests(text: str, *, expression: bool = False) -> tuple[tuple[str, str], ...]:
    """(``filter`` or ``test``, name) for each filter or test the template uses that Jinja does not have."""
    ast = _parse(text, expression)
    if ast is None:
        return ()
    found: list[tuple[str, str]] = []
    for node in ast.find_all((jinja2.nodes.Filter, jinja2.nodes.Test)):
        kind, known = ("filter", ENV.filters) if isinstance(node, jinja2.nodes.Filter) else ("test", ENV.tests)
        if node.name not in known and (kind, node.name) not in found:
            found.append((kind, node.name))
        named = _named_by_argument(node) if isinstance(node, jinja2.nodes.Filter) else None
        if named is not None:
            kind, name = named
            if name not in (ENV.filters if kind == "filter" else ENV.tests) and named not in found:
                found.append(named)
    return tuple(found)


# Filters that take the name of a test or filter as an argument, and its position.
_TEST_ARGUMENT = {"select": 0, "reject": 0, "selectattr": 1, "rejectattr": 1}


def _named_by_argument(node: jinja2.nodes.Filter) -> tuple[str, str] | None:
    """(``test`` or ``filter``, name) that ``select('odd')`` or ``map('upper')`` names with a constant."""
    if node.name in _TEST_ARGUMENT:
        kind, position = "test", _TEST_ARGUMENT[node.name]
    elif node.name == "map" and not any(kw.key == "attribute" for kw in node.kwargs):
        kind, position = "filter", 0
    else:
        return None
    argument = node.args[position] if len(node.args) > position else None
    if isinstance(argument, jinja2.nodes.Const) and isinstance(argument.value, str):
        return kind, argument.value
    return None


def known_filters_and_tests(kind: str) -> list[str]:
    return sorted(ENV.filters if kind == "filter" else ENV.tests)


@lru_cache(maxsize=4096)
def read_names(text: str, root: str, *, expression: bool = False) -> frozenset[str]:
    """Names read directly off the top-level ``root``: ``steps.a``, ``steps['a']``; not ``steps.get(...)``."""
    ast = _parse(text, expression)
    if ast is None:
        return frozenset()
    called = {id(call.node) for call in ast.find_all(jinja2.nodes.Call)}
    found: set[str] = set()
    for node in ast.find_all(jinja2.nodes.Getattr):
        if isinstance(node.node, jinja2.nodes.Name) and node.node.name == root and id(node) not in called:
            found.add(node.attr)
    for item in ast.find_all(jinja2.nodes.Getitem):
        if isinstance(item.node, jinja2.nodes.Name) and item.node.name == root:
            key = item.arg
            if isinstance(key, jinja2.nodes.Const) and isinstance(key.value, str):
                found.add(key.value)
    return frozenset(found)
