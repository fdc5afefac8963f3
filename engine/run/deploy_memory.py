"""Deploy snapshots kept in memory while one ``scenario-run`` runs its files, so each stack deploys once.

Each file still gets a fresh local backend; the second file with the same stack has it restored from the
snapshot the first one took (``engine.stack.deploy_cache``), even with the cache directory turned off.
Kept apart from ``engine.stack`` so that a run without a stack does not import it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

snapshots: dict[str, bytes] | None = None  # key -> snapshot, while ``remembering``


@contextlib.contextmanager
def remembering() -> Iterator[None]:
    """Within this block, a stack deployed once is restored from memory for every later file."""
    global snapshots
    outer = snapshots
    snapshots = {} if outer is None else outer
    try:
        yield
    finally:
        snapshots = outer
