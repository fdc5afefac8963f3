"""YAML loading that keeps a file:line:col mark on every mapping, sequence and scalar.

Scenario and answers errors must point at the line that is wrong, so the loader builds
``MarkedDict``/``MarkedList`` nodes that remember where each of their keys and items stands.

Input is untrusted, so before anything is built the parsed node graph is checked: at most
``MAX_NODES`` nodes once every alias is expanded (a few hundred bytes of nested aliases can stand
for billions), at most ``MAX_DEPTH`` levels of nesting, no recursive alias and no ``.nan``/``.inf``.
Only regular files of at most ``MAX_FILE_BYTES`` are read (not a FIFO, a device or a folder).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from engine.errors import InputError, Location, YamlSyntaxError


class MarkedDict(dict[str, object]):
    """A mapping that knows where it and each of its keys and values stand in the file."""

    location: Location
    key_locations: dict[str, Location]
    value_locations: dict[str, Location]


# Items typed loosely rather than as objects: engine.prompts.answers narrows them with a helper that returns bool.
class MarkedList(list[Any]):
    """A sequence that knows where it and each of its items stand in the file."""

    location: Location
    item_locations: list[Location]


MAX_NODES = 1_000_000
MAX_DEPTH = 100
MAX_FILE_BYTES = 16 * 1024 * 1024
_NON_FINITE = re.compile(r"[-+]?\.(inf|Inf|INF|nan|NaN|NAN)")
_MERGE_TAG = "tag:yaml.org,2002:merge"


def _loc(file: str, node: yaml.Node) -> Location:
    return Location(file, node.start_mark.line + 1, node.start_mark.column + 1)


# libyaml's parser is ~15x faster than the pure-Python one and keeps the same marks.
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _MarkedLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """SafeLoader that builds marked containers and rejects duplicate keys."""

    filename = "<string>"

    def construct_marked_mapping(self, node: yaml.MappingNode) -> MarkedDict:
        # YAML merge keys (`<<: *base`): merged pairs come first and the mapping's own keys override
        # them; only a key written twice in the mapping itself is a duplicate.
        own = sum(1 for key_node, _ in node.value if key_node.tag != _MERGE_TAG)
        self.flatten_mapping(node)
        merged = len(node.value) - own
        result = MarkedDict()
        result.location = _loc(self.filename, node)
        result.key_locations = {}
        result.value_locations = {}
        own_keys: set[str] = set()
        for index, (key_node, value_node) in enumerate(node.value):
            # Keys are taken as written: YAML 1.1 would turn `on:` or `yes:` into booleans.
            if isinstance(key_node, yaml.ScalarNode):
                key = str(key_node.value)
            else:
                key = str(self.construct_object(key_node, deep=True))
            if index >= merged:
                if key in own_keys:
                    raise InputError(
                        f"duplicate key '{key}' (first at line {result.key_locations[key].line})",
                        location=_loc(self.filename, key_node),
                        hint="each key may appear once in a mapping; remove or rename one of them",
                    )
                own_keys.add(key)
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


def _check_graph(root: yaml.Node, filename: str) -> None:
    """Refuse alias bombs, recursive aliases, deep nesting and non-finite numbers before building."""
    sizes: dict[int, int] = {}
    # Iterative depth-first walk: (node, depth, children done?).
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    open_nodes: set[int] = set()
    while stack:
        node, depth, done = stack.pop()
        key = id(node)
        if done:
            open_nodes.discard(key)
            children = _children(node)
            total = 1 + sum(sizes[id(child)] for child in children)
            if total > MAX_NODES:
                raise InputError(
                    f"this value expands to more than {MAX_NODES:,} YAML nodes (aliases repeated inside aliases)",
                    location=_loc(filename, node),
                    hint="write the data out, or use fewer nested aliases (*name)",
                )
            sizes[key] = total
            continue
        if key in sizes:
            continue
        if key in open_nodes:
            raise InputError(
                "recursive alias: a value contains itself",
                location=_loc(filename, node),
                hint="an alias (*name) cannot refer to the anchor (&name) it stands inside",
            )
        if depth > MAX_DEPTH:
            raise InputError(
                f"nesting deeper than {MAX_DEPTH} levels",
                location=_loc(filename, node),
                hint="a scenario never needs this much nesting; flatten the data",
            )
        if isinstance(node, yaml.ScalarNode):
            if node.tag == "tag:yaml.org,2002:float" and _NON_FINITE.fullmatch(str(node.value)):
                raise InputError(
                    f"'{node.value}' is not a finite number",
                    location=_loc(filename, node),
                    hint="write a number such as 1 or 0.5 (quote it if you meant the text)",
                )
            sizes[key] = 1
            continue
        open_nodes.add(key)
        stack.append((node, depth, True))
        stack.extend((child, depth + 1, False) for child in _children(node))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def load_yaml_text(text: str, filename: str) -> object:
    """Parse YAML text into marked containers and scalars; a syntax error becomes a ``YamlSyntaxError``
    at file:line:col."""
    loader = _MarkedLoader(text)
    loader.filename = filename
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_graph(node, filename)
        return loader.construct_document(node)
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
    except yaml.reader.ReaderError as exc:
        # The reader counts characters from the start; people count lines and columns.
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
        raise YamlSyntaxError(
            f"a control character (U+{code:04X}) is not allowed in YAML",
            location=Location(filename, line, column),
            hint='remove it, or write it as an escape ("\\x00") inside a double-quoted string',
        ) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(f"YAML error: {exc}", location=Location(filename)) from None
    except RecursionError:
        raise YamlSyntaxError(
            f"nesting deeper than {MAX_DEPTH} levels", location=Location(filename), hint="flatten the data"
        ) from None
    finally:
        loader.dispose()


def read_text_file(path: Path, what: str = "YAML file") -> str:
    """The UTF-8 text of a regular file of at most ``MAX_FILE_BYTES``; anything else is an ``InputError``.

    The file is opened without blocking, so a FIFO given as a path fails at once instead of waiting.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except FileNotFoundError:
        raise InputError(f"no such file: {path}", hint="check the path") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise InputError(
            f"cannot read {path}: not a regular file",
            hint=f"give the path of a {what} (not a folder, device or pipe)",
        )
    with os.fdopen(fd, "rb", closefd=True) as handle:
        if info.st_size > MAX_FILE_BYTES:
            raise InputError(
                f"cannot read {path}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB", hint=f"is this a {what}?"
            )
        # As much as the file holds (one byte more tells a file that grew meanwhile): a read of the whole
        # budget would allocate MAX_FILE_BYTES for every file, however small.
        data = handle.read(info.st_size + 1)
        if len(data) > info.st_size:
            data += handle.read(MAX_FILE_BYTES + 1 - len(data))
    if len(data) > MAX_FILE_BYTES:
        raise InputError(
            f"cannot read {path}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB", hint=f"is this a {what}?"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        line = data.count(b"\n", 0, exc.start) + 1
        column = len(data[line_start : exc.start].decode("utf-8", "replace")) + 1
        raise InputError(
            f"not UTF-8 text: byte 0x{data[exc.start]:02x} cannot start or continue a character",
            location=Location(str(path), line, column),
            hint=f"is this a {what}? save it as UTF-8 (binary files cannot be read)",
        ) from None


def load_yaml_file(path: Path) -> object:
    """Read and parse a YAML file, with clear errors for a missing, unreadable or odd file."""
    return load_yaml_text(read_text_file(path), str(path))


def locate(root: object, path: Iterable[str | int], *, key: bool = False) -> Location | None:
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


def load_referenced_yaml(path: Path, location: Location | None, step: str | None) -> object:
    """``load_yaml_file`` for a file a step names (an include, a data file): its problems are the step's."""
    try:
        return load_yaml_file(path)
    except InputError as exc:
        raise InputError(exc.message, location=exc.location or location, step=step, hint=exc.hint) from None
