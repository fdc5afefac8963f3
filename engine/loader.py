"""YAML loading that keeps a file:line:col mark on every mapping, sequence and scalar.

Scenario and answers errors must point at the line that is wrong, so the loader builds
``MarkedDict``/``MarkedList`` nodes that remember where each of their keys and items stands.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from engine.errors import InputError, Location, YamlSyntaxError


class MarkedDict(dict[str, Any]):
    """A mapping that knows where it and each of its keys and values stand in the file."""

    location: Location
    key_locations: dict[str, Location]
    value_locations: dict[str, Location]


class MarkedList(list[Any]):
    """A sequence that knows where it and each of its items stand in the file."""

    location: Location
    item_locations: list[Location]


def _loc(file: str, node: yaml.Node) -> Location:
    return Location(file, node.start_mark.line + 1, node.start_mark.column + 1)


# libyaml's parser is ~15x faster than the pure-Python one and keeps the same marks.
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _MarkedLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """SafeLoader that builds marked containers and rejects duplicate keys."""

    filename = "<string>"

    def construct_marked_mapping(self, node: yaml.MappingNode) -> MarkedDict:
        self.flatten_mapping(node)
        result = MarkedDict()
        result.location = _loc(self.filename, node)
        result.key_locations = {}
        result.value_locations = {}
        for key_node, value_node in node.value:
            # Keys are taken as written: YAML 1.1 would turn `on:` or `yes:` into booleans.
            if isinstance(key_node, yaml.ScalarNode):
                key = str(key_node.value)
            else:
                key = str(self.construct_object(key_node, deep=True))
            if key in result:
                raise InputError(
                    f"duplicate key '{key}' (first at line {result.key_locations[key].line})",
                    location=_loc(self.filename, key_node),
                    hint="each key may appear once in a mapping; remove or rename one of them",
                )
            result[key] = self.construct_object(value_node, deep=True)
            result.key_locations[key] = _loc(self.filename, key_node)
            result.value_locations[key] = _loc(self.filename, value_node)
        return result

    def construct_marked_sequence(self, node: yaml.SequenceNode) -> MarkedList:
        result = MarkedList(self.construct_object(child, deep=True) for child in node.value)
        result.location = _loc(self.filename, node)
        result.item_locations = [_loc(self.filename, child) for child in node.value]
        return result


_MarkedLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _MarkedLoader.construct_marked_mapping)
_MarkedLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _MarkedLoader.construct_marked_sequence)


def load_yaml_text(text: str, filename: str) -> Any:
    """Parse YAML text; a syntax error becomes a ``YamlSyntaxError`` at file:line:col."""
    loader = _MarkedLoader(text)
    loader.filename = filename
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(filename, mark.line + 1, mark.column + 1) if mark else Location(filename)
        problem = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        raise YamlSyntaxError(
            f"YAML syntax error: {problem}{context}",
            location=where,
            hint="check indentation, quoting and ':' after keys near this line",
        ) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(f"YAML error: {exc}", location=Location(filename)) from None
    finally:
        loader.dispose()


def load_yaml_file(path: Path) -> Any:
    """Read and parse a YAML file, with clear errors for a missing or unreadable file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"no such file: {path}", hint="check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from None
    return load_yaml_text(text, str(path))


def locate(root: Any, path: Iterable[Any], *, key: bool = False) -> Location | None:
    """The location of the node at ``path`` (keys and indexes) below ``root``, or its nearest parent's.

    With ``key=True`` and a mapping parent, the location of the key itself rather than its value.
    """
    node = root
    found: Location | None = getattr(root, "location", None)
    parts = list(path)
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, MarkedDict) and isinstance(part, str) and part in node:
            found = (node.key_locations if key and last else node.value_locations)[part]
            node = node[part]
        elif isinstance(node, MarkedList) and isinstance(part, int) and 0 <= part < len(node):
            found = node.item_locations[part]
            node = node[part]
        else:
            break
    return found
