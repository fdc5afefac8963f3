"""``--shard INDEX/COUNT``: split a set of scenario files across CI machines, deterministically.

Files are sorted by their path (as given, ``/``-separated) and dealt round-robin, so every machine
of a matrix computes the same split from the same file list, shards differ in size by at most one
file, and the pytest plugin (``--scenario-shard``) splits the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from engine.errors import InputError

T = TypeVar("T")
_FORM = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (1-based) of ``count``."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str, *, option: str = "--shard") -> Shard:
        match = _FORM.match(text)
        if not match or not 1 <= int(match[1]) <= int(match[2]):
            raise InputError(
                f"{option} {text!r} is not of the form INDEX/COUNT with 1 <= INDEX <= COUNT",
                hint=f"for example {option} 1/3 on the first of three machines",
            )
        return cls(int(match[1]), int(match[2]))

    def select(self, items: Sequence[T], key: Callable[[T], str]) -> list[T]:
        """The items of this shard, in their original order."""
        ordered = sorted(range(len(items)), key=lambda i: key(items[i]))
        mine = {i for position, i in enumerate(ordered) if position % self.count == self.index - 1}
        return [item for i, item in enumerate(items) if i in mine]

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"
