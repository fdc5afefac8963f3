"""The undo stack: how to put back everything a run created or changed.

An action declares what it is about to do *before* the AWS call (``intend``), then says what
the call did (``resolve``): needed (undo it at cleanup), or void (nothing was made). Entries are
data (an undo *kind* and its parameters), so a durable ``Journal`` can record them as they
happen and ``scenario cleanup`` can finish them in another process after a hard kill.

Undo kinds are registered by the modules that create things (``@undo_kind``); each is
idempotent: undoing what is already gone counts as done. ``certain=False`` means the outcome of
the creating call is unknown (the run died or was interrupted around it); a kind then checks
before it removes anything that may not be this run's.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from engine.aws.faults import NO_FAULTS, FaultInjector

if TYPE_CHECKING:
    from engine.aws.clients import Clients
    from engine.cleanup.journal import Journal
    from engine.cleanup.leases import NoLeases

EntryState = Literal["pending", "needed", "void", "done"]

# What AWS answers when a thing or its container is gone (a user of a deleted pool, an item of a
# deleted table): for an undo, both mean there is nothing left to remove.
GONE_CODES = frozenset({"UserNotFoundException", "ResourceNotFoundException"})


def already_gone(exc: BaseException) -> bool:
    """``exc`` says that what an undo would remove (or its container) no longer exists."""
    from engine.aws.errors import error_code  # botocore is loaded by then: the undo made the call

    return error_code(exc) in GONE_CODES


@dataclass
class UndoContext:
    """What an undo kind may use: the target's clients and the run's leases."""

    clients: Clients
    leases: NoLeases

    @property
    def shared(self) -> bool:
        """Others may change the same resources meanwhile (a target that outlives this process)."""
        return self.leases.shared

    @staticmethod
    def last_call() -> AbstractContextManager[None]:
        """Around the call a kind makes last (nothing of the kind follows it but returning): when this undo is the
        run's last, the run's end (leases given back, journal removed) may go with that call (``engine.aws.along``)."""
        from engine.aws.along import last_call

        return last_call()


# (context, params, certain, since) -> a note for people ("already gone"), or None when it just worked
UndoFunc = Callable[[UndoContext, Mapping[str, object], bool, float], "str | None"]

_KINDS: dict[str, UndoFunc] = {}


def undo_kind(name: str) -> Callable[[UndoFunc], UndoFunc]:
    """Register ``func`` as the way to undo entries of kind ``name``."""

    def register(func: UndoFunc) -> UndoFunc:
        _KINDS[name] = func
        return func

    return register


def known_kind(name: str) -> bool:
    return name in _KINDS


def run_kind(
    kind: str, context: UndoContext, params: Mapping[str, object], *, certain: bool, since: float
) -> str | None:
    """Undo one entry of ``kind``; raises what the AWS call raises."""
    return _KINDS[kind](context, params, certain, since)


@dataclass
class UndoEntry:
    """One thing to put back: for people a description, for the engine a kind and its parameters."""

    id: int
    description: str
    step_id: str
    kind: str | None = None  # None: a plugin's in-memory function (cannot be finished by `scenario cleanup`)
    params: dict[str, object] = field(default_factory=dict)
    func: Callable[[], None] | None = None
    state: EntryState = "needed"
    since: float = field(default_factory=time.time)
    note: str | None = None  # how its undo ended, when there is something to say ("already gone")


@dataclass
class UndoFailure:
    """An undo that failed; the run reports it but goes on with the rest."""

    entry: UndoEntry
    error: BaseException


class UndoStack:
    """Last-in-first-out entries, undone once at the end of a scenario (or by `scenario cleanup`)."""

    def __init__(
        self, context: UndoContext | None = None, journal: Journal | None = None, faults: FaultInjector = NO_FAULTS
    ) -> None:
        self._entries: list[UndoEntry] = []
        self._context = context
        self.journal = journal
        self._faults = faults
        self.interrupted = False  # a Ctrl-C cut an undo short (see ``run_all``)

    def for_step(self, step_id: str) -> StepUndo:
        """What one step's action sees as ``ctx.undo``: this stack, its entries marked with ``step_id``."""
        return StepUndo(self, step_id)

    def mark_interrupted(self) -> None:
        """A Ctrl-C stopped the cleanup itself: the run reports it even when every undo was done."""
        self.interrupted = True

    # -- what actions call (through ``StepUndo``) --------------------------------------------

    def intend(
        self,
        kind: str,
        params: Mapping[str, object],
        description: str,
        *,
        step_id: str = "",
        leases: Sequence[str] = (),
    ) -> UndoEntry:
        """Record, before the call, what is about to be made and how to undo it (state: pending).

        ``leases`` are taken first (``NoLeases.hold``), in the same request as the intent's copy on the target
        when they are free."""
        entry = UndoEntry(len(self._entries) + 1, description, step_id, kind, dict(params), state="pending")
        record = {"op": "intent", "id": entry.id, "step": step_id, "kind": kind, "params": entry.params}
        record |= {"description": description, "since": entry.since}
        holder = self._context.leases if self._context is not None else None
        # The leases are the run's before the intent is recorded anywhere: an intent recorded while another run
        # holds the item would have that run's item undone as this one's.
        if holder is not None and leases and self.journal is not None and self.journal.mirrored:
            self.journal.write_along(record, lambda update, held: holder.hold(*leases, along=update, on_held=held))
        else:
            if holder is not None and leases:
                holder.hold(*leases)
            if self.journal is not None:
                self.journal.write(record)
        self._entries.append(entry)
        return entry

    def resolve(self, entry: UndoEntry, *, needed: bool, params: Mapping[str, object] | None = None) -> None:
        """What the call did: ``needed`` (undo at cleanup, with ``params`` updated) or nothing to undo."""
        if params:
            entry.params.update(params)
        entry.state = "needed" if needed else "void"
        self._write(entry.state, entry, **({"params": dict(params)} if params else {}))

    def push(self, description: str, func: Callable[[], None], *, step_id: str = "") -> None:
        """A plugin's own undo function, for something just made (kept in memory only)."""
        entry = UndoEntry(len(self._entries) + 1, description, step_id, func=func)
        self._entries.append(entry)
        self._write("intent", entry, kind=None, params={}, description=description, since=entry.since, state="needed")

    def settle(self, kind: str, params: Mapping[str, object]) -> None:
        """The flow itself undid this (e.g. a user deleted with DeleteUser): nothing left to do."""
        for entry in self._entries:
            if entry.kind == kind and entry.state in ("needed", "pending") and _matches(entry.params, params):
                entry.state = "done"
                self._write("done", entry)

    # -- cleanup -----------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.pending())

    def pending(self) -> list[UndoEntry]:
        """The entries still to undo, in the order they will run."""
        return [e for e in reversed(self._entries) if e.state in ("needed", "pending")]

    def run_all(
        self,
        on_done: Callable[[UndoEntry, BaseException | None], None],
        *,
        before_last: Callable[[], None] | None = None,
    ) -> list[UndoFailure]:
        """Undo every entry LIFO; each one is attempted even when an earlier one fails.

        A Ctrl-C during an undo is recorded (``interrupted``) and that undo is tried once more
        before the next entry runs, so an impatient second interrupt cannot leave resources
        behind; what still fails stays in the journal for `scenario cleanup`. ``before_last`` is
        called before the last entry's undo when every one before it was done.
        """
        failures: list[UndoFailure] = []
        entries = self.pending()
        for number, entry in enumerate(entries, 1):
            self._faults.at("undo", number)
            if number == len(entries) and before_last is not None and not failures and not self.interrupted:
                before_last()
            error = self._undo(entry)
            if isinstance(error, KeyboardInterrupt):
                self.mark_interrupted()
                error = self._undo(entry)
            if error is None:
                entry.state = "done"
                self._write("done", entry)
            else:
                failures.append(UndoFailure(entry, error))
            on_done(entry, error)
        return failures

    def _undo(self, entry: UndoEntry) -> BaseException | None:
        try:
            if entry.func is not None:
                entry.func()
            elif entry.kind is not None and self._context is not None:
                entry.note = run_kind(
                    entry.kind, self._context, entry.params, certain=entry.state == "needed", since=entry.since
                )
        except (Exception, KeyboardInterrupt) as exc:
            return exc
        return None

    def _write(self, op: str, entry: UndoEntry, **data: object) -> None:
        if self.journal is not None:
            self.journal.write({"op": op, "id": entry.id, "step": entry.step_id, **data})


@dataclass(frozen=True)
class StepUndo:
    """The undo stack as one step's action uses it (``ctx.undo``): what it registers is that step's."""

    stack: UndoStack
    step_id: str

    def intend(
        self, kind: str, params: Mapping[str, object], description: str, *, leases: Sequence[str] = ()
    ) -> UndoEntry:
        """Record, before the call, what is about to be made and how to undo it (state: pending); ``leases``
        are taken first, in the same request as the target's copy of the intent when they are free."""
        return self.stack.intend(kind, params, description, step_id=self.step_id, leases=leases)

    def resolve(self, entry: UndoEntry, *, needed: bool, params: Mapping[str, object] | None = None) -> None:
        """What the call did: ``needed`` (undo at cleanup, with ``params`` updated) or nothing to undo."""
        self.stack.resolve(entry, needed=needed, params=params)

    @contextmanager
    def intent(
        self, kind: str, params: Mapping[str, object], description: str, *, leases: Sequence[str] = ()
    ) -> Iterator[UndoEntry]:
        """``intend`` around the creating call: needed when it returns, left pending when it raises."""
        entry = self.intend(kind, params, description, leases=leases)
        yield entry
        if entry.state == "pending":
            self.resolve(entry, needed=True)

    def push(self, description: str, func: Callable[[], None]) -> None:
        """A plugin's own undo function, for something just made (kept in memory only)."""
        self.stack.push(description, func, step_id=self.step_id)

    def settle(self, kind: str, params: Mapping[str, object]) -> None:
        """The flow itself undid this (e.g. a user deleted with DeleteUser): nothing left to do."""
        self.stack.settle(kind, params)

    def pending(self) -> list[UndoEntry]:
        """The entries of the whole run still to undo, in the order they will run."""
        return self.stack.pending()


def _matches(have: Mapping[str, object], want: Mapping[str, object]) -> bool:
    return all(have.get(k) == v for k, v in want.items())
