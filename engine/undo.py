"""The undo stack: how to put back everything a run created or changed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class UndoEntry:
    """One thing to put back: a description for people and the function that does it."""

    description: str
    func: Callable[[], None]
    step_id: str


@dataclass
class UndoFailure:
    """An undo that failed; the run reports it but goes on with the rest."""

    entry: UndoEntry
    error: BaseException


class UndoStack:
    """Last-in-first-out list of undo actions, run once at the end of a scenario."""

    def __init__(self) -> None:
        self._entries: list[UndoEntry] = []
        self.step_id = ""
        self.interrupted = False

    def push(self, description: str, func: Callable[[], None]) -> None:
        """Register how to undo something just created or changed by the current step."""
        self._entries.append(UndoEntry(description, func, self.step_id))

    def __len__(self) -> int:
        return len(self._entries)

    def pending(self) -> list[UndoEntry]:
        """The entries still to run, in the order they will run."""
        return list(reversed(self._entries))

    def run_all(self, on_done: Callable[[UndoEntry, BaseException | None], None]) -> list[UndoFailure]:
        """Run every entry LIFO; each one is attempted even when an earlier one fails.

        A Ctrl-C during an undo is recorded (``interrupted``) and the next entry still runs,
        so an impatient second interrupt cannot leave resources behind.
        """
        failures: list[UndoFailure] = []
        while self._entries:
            entry = self._entries.pop()
            try:
                entry.func()
            except KeyboardInterrupt as exc:
                self.interrupted = True
                failures.append(UndoFailure(entry, exc))
                on_done(entry, exc)
                continue
            except Exception as exc:
                failures.append(UndoFailure(entry, exc))
                on_done(entry, exc)
                continue
            on_done(entry, None)
        return failures
