"""The run journal: a durable record of what a run is about to make and has made, per run.

Before any call that can create or change something, the run appends the intent (and how to
undo it) to its journal file and makes it durable; then it appends what the call did, and
what cleanup undid. Every record is written to the file at once (a killed process loses none of
them), but only an intent must survive a crash of the machine: it is forced to disk (fsync), or, for
a run whose target keeps a copy (``Mirror``), sent to that copy, which keeps it instead (the file is
then forced to disk only when the copy did not get it). The copy gets the other records
with the next intent, or when the journal is closed and kept: a record that did not get there leaves
its entry *pending* (checked before anything is removed) or *needed* (undone again: every undo kind is
idempotent), never wrong. A run that completes its cleanup removes its journal. A journal left behind
belongs to a run that was killed (or whose cleanup failed): ``scenario cleanup`` reads it and
finishes the job. A live run holds an exclusive lock on its journal, so a journal that can be
locked is one nobody is finishing.

Journals are JSON lines in the state directory: ``$SCENARIO_RUN_STATE_DIR``, else
``$XDG_STATE_HOME/scenario-run``, else ``~/.local/state/scenario-run``.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

if sys.platform == "win32":  # pragma: no cover - no fcntl: liveness then falls back to the pid
    fcntl = None
else:
    import fcntl


def state_dir() -> Path:
    """Where journals live (created on first use, private to the user)."""
    explicit = os.environ.get("SCENARIO_RUN_STATE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "scenario-run"


def finish_command(kind: str, endpoint_url: str | None, region: str | None, profile: str | None) -> str:
    """The command that finishes what a run on this target left, from any machine."""
    if endpoint_url:
        return f"scenario cleanup --endpoint-url {endpoint_url}"
    if kind == "aws":
        return " ".join(
            [
                "scenario cleanup --target aws",
                *([f"--region {region}"] if region else []),
                *([f"--profile {profile}"] if profile else []),
            ]
        )
    return "scenario cleanup"


def journals_dir(root: Path | None = None) -> Path:
    return (root or state_dir()) / "journals"


class Mirror(Protocol):
    """Where else a journal's records go (the target's own copy, ``engine.cleanup.target_journal``)."""

    ok: bool  # every record sent so far reached it
    on_lost: Callable[[], None]  # called when a record did not reach it

    def write(self, records: Sequence[Mapping[str, object]], *, now: bool = False) -> None:
        """Append ``records``: before the run's next call, or ``now``."""
        ...

    def append_request(self, records: Sequence[Mapping[str, object]]) -> Mapping[str, object]:
        """The UpdateItem parameters that would append ``records``, to be sent within another request."""
        ...

    def along_request(self, records: Sequence[Mapping[str, object]]) -> Mapping[str, object]:
        """``append_request``, or a cheaper one for a request whose failure is followed by the full one."""
        ...

    def written(self, records: Sequence[Mapping[str, object]]) -> None:
        """``records`` went with another request (``append_request``)."""
        ...

    def hand_over_removal(self) -> Mapping[str, object] | None:
        """The key of the copy, for a caller that deletes it along with other items (``close`` then leaves it)."""
        ...

    def close(self, *, remove: bool) -> None: ...


# The records that must be on disk, and on the target, before the call that follows them returns.
DURABLE_OPS = frozenset({"intent"})


def new_run_id() -> str:
    return f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"


class Journal:
    """The journal of the running process: append-only, each record on disk before the call it announces."""

    def __init__(self, path: Path, stream: IO[str], mirror: Mirror | None = None) -> None:
        self.path = path
        self._stream = stream
        self._mirror = mirror
        self._unsent: list[Mapping[str, object]] = []  # not on the target's copy yet
        self._sent = False  # the target's copy exists

    @classmethod
    def create(cls, header: dict[str, Any], root: Path | None = None, mirror: Mirror | None = None) -> Journal:
        folder = journals_dir(root)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        run_id = header.setdefault("run", new_run_id())
        path = folder / f"{run_id}.jsonl"
        # Made under a name no scan reads, locked and given its header, then renamed into place: another run
        # (a concurrent one in this process too) never sees it unlocked or empty and takes it for a dead run's.
        part = folder / f".{run_id}.jsonl.part"
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0), 0o600)
        stream = os.fdopen(fd, "a", encoding="utf-8")
        record = {"op": "run", "pid": os.getpid(), "host": socket.gethostname(), "started": time.time(), **header}
        try:
            if fcntl is not None:
                fcntl.flock(stream.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            journal = cls(path, stream, mirror)
            if mirror is not None:
                mirror.on_lost = journal._sync  # a record the copy did not get waits for the disk instead
            # On disk, and on the target's copy, with the first intent: a run that makes nothing never waits
            # for the disk, nor writes to the target.
            journal._append(record, durable=False)
            if mirror is not None:
                journal._unsent.append(record)
            os.replace(part, path)
        except BaseException:  # an interrupt here leaves no half-made journal: nothing was recorded yet
            with contextlib.suppress(OSError):
                stream.close()
            with contextlib.suppress(FileNotFoundError):
                part.unlink()
            raise
        return journal

    @property
    def run_id(self) -> str:
        return self.path.stem

    @property
    def mirrored(self) -> bool:
        """Whether the target keeps a copy of this journal."""
        return self._mirror is not None

    def write(self, record: Mapping[str, object]) -> None:
        """Append ``record``; an intent (``DURABLE_OPS``) is on disk and on the target's copy, with every
        record before it, when this returns: it must survive a kill, of the process or the machine."""
        durable = record.get("op") in DURABLE_OPS
        if self._mirror is None:
            self._append(record, durable=durable)
            return
        self._append(record, durable=False)
        self._unsent.append(record)
        if durable:
            self._send()  # a record the copy did not get is forced to disk instead (``Mirror.on_lost``)

    def write_along(
        self,
        record: Mapping[str, object],
        along: Callable[[Mapping[str, object], Callable[[bool], None]], object],
    ) -> None:
        """``write`` a durable ``record`` once ``along`` was offered its copy on the target (UpdateItem parameters
        appending it and the records before it) to send within a request of its own: the leases the intent
        needs (``Leases.hold(along=..., on_held=...)``), which calls back ``held(sent)`` once they are the run's
        (after it returns, on a target that takes them with the run's next call: before that call). Nothing of
        ``record`` is written anywhere before then, so an intent is never recorded for a lease another run
        holds; when it was not sent with them, it is sent by itself. Records written meanwhile (the leases
        taken) go with the next intent."""
        assert self._mirror is not None and record.get("op") in DURABLE_OPS
        mirror = self._mirror
        before = len(self._unsent)
        records = [*self._unsent, record]

        def held(sent: bool) -> None:
            if not sent:
                self.write(record)
                return
            self._append(record, durable=False)
            mirror.written(records)
            self._unsent = self._unsent[before:]
            self._sent = True

        along(mirror.along_request(records), held)

    def _sync(self) -> None:
        """Wait for the disk: a durable record the target's copy did not get (the copy keeps the others through a
        crash of this machine)."""
        with contextlib.suppress(OSError, ValueError):  # closed meanwhile: nothing more to wait for
            os.fsync(self._stream.fileno())

    def _append(self, record: Mapping[str, object], *, durable: bool) -> None:
        self._stream.write(json.dumps(record, default=str) + "\n")
        self._stream.flush()  # in the operating system's hands: a killed process loses nothing
        if durable:
            os.fsync(self._stream.fileno())

    def _send(self, *, now: bool = False) -> None:
        if self._mirror is not None and self._unsent:
            unsent, self._unsent = self._unsent, []
            self._mirror.write(unsent, now=now)
            self._sent = True

    def hand_over_removal(self) -> Mapping[str, object] | None:
        """The key of the target's copy, when there is one, for the caller to delete along with the run's leases
        (one request instead of two); ``close(remove=True)`` then leaves the copy to that caller."""
        if self._mirror is None or not self._sent:
            return None
        return self._mirror.hand_over_removal()

    def removed(self) -> None:
        """The target's copy was deleted (with the run's end, ``engine.aws.along.offer_end``): from now on this
        journal is the local file alone, as one never mirrored (an intent is forced to disk)."""
        mirror, self._mirror = self._mirror, None
        self._unsent = []
        self._sent = False
        if mirror is not None:
            mirror.close(remove=False)  # its heartbeat stops: there is no copy left to keep alive

    def close(self, *, remove: bool) -> None:
        """Release the lock; ``remove`` when nothing is left to undo (else what is left is synced first)."""
        if remove:
            # Removed while still locked: another run scanning for dead runs sees it locked, or not at all.
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
        else:
            with contextlib.suppress(OSError, ValueError):
                os.fsync(self._stream.fileno())
            with contextlib.suppress(Exception):  # best effort, as every write to the target's copy
                self._send(now=True)  # the run ends: nothing follows that it could go with
        with contextlib.suppress(OSError):
            self._stream.close()
        if self._mirror is not None:
            self._mirror.close(remove=remove and self._sent)  # a copy never made needs no removing


@dataclass
class JournalEntry:
    """One intent as the journal tells it, with the latest state it reached."""

    id: int
    kind: str | None
    params: dict[str, object]
    description: str
    step: str
    since: float
    state: str = "pending"


@dataclass
class RunJournal:
    """A journal read back: the run's header and its entries (those not yet done are what is left)."""

    path: Path
    header: dict[str, Any]
    entries: list[JournalEntry] = field(default_factory=list)
    leases: list[str] = field(default_factory=list)  # lease keys the run took
    outcome: str = "killed"  # how the run ended: killed (no end recorded), failed, interrupted, kept

    @property
    def run_id(self) -> str:
        return str(self.header.get("run") or self.path.stem)

    @property
    def left(self) -> list[JournalEntry]:
        """What is still to undo, in undo order (last in, first out)."""
        return [e for e in reversed(self.entries) if e.state in ("pending", "needed")]


def read(path: Path) -> RunJournal:
    """Read a journal; a last line cut short by a kill is ignored."""
    with path.open(encoding="utf-8") as stream:
        return parse(path, stream)


def parse(path: Path, lines: Iterable[str]) -> RunJournal:
    """A journal from its JSON lines (a file's, or the target's copy); lines that do not parse are ignored."""
    header: dict[str, Any] = {}
    entries: dict[int, JournalEntry] = {}
    leases: list[str] = []
    outcome = "killed"
    for line in lines:
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if not isinstance(record, dict):
            continue
        op = record.get("op")
        if op == "run":
            header = record
        elif op == "intent":
            entries[record["id"]] = JournalEntry(
                id=record["id"],
                kind=record.get("kind"),
                params=dict(record.get("params") or {}),
                description=record.get("description", ""),
                step=record.get("step", ""),
                since=float(record.get("since", 0)),
                state=record.get("state", "pending"),
            )
        elif op == "lease":
            leases.append(str(record.get("key")))
        elif op == "end":
            outcome = str(record.get("outcome") or outcome)
        elif op in ("needed", "void", "done") and record.get("id") in entries:
            entry = entries[record["id"]]
            entry.state = op
            entry.params.update(record.get("params") or {})
    return RunJournal(path, header, sorted(entries.values(), key=lambda e: e.id), leases, outcome)


def abandoned(root: Path | None = None) -> list[Path]:
    """Journals of runs that are no longer alive (their lock is free), oldest first."""
    folder = journals_dir(root)
    try:  # every run looks: a listing of the folder, with no pattern to compile (as a glob has)
        with os.scandir(folder) as entries:
            names = sorted(entry.name for entry in entries if entry.name.endswith(".jsonl") and entry.is_file())
    except OSError:  # no folder yet, or not one this user can list (a glob finds nothing there either)
        return []
    return [folder / name for name in names if not _alive(folder / name)]


def _alive(path: Path) -> bool:
    """Whether a run holds ``path``'s lock. A journal removed meanwhile (its run ended) counts as alive: there
    is nothing to finish, and opening it must not make it again."""
    if fcntl is None:  # pragma: no cover
        return False
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return True
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(fd)
    return False


def finishing(path: Path) -> contextlib.AbstractContextManager[Journal]:
    """Hold ``path``'s lock while `scenario cleanup` finishes it (two cleanups never race); yields a Journal.

    A journal that is gone (finished meanwhile) raises FileNotFoundError here, before anything is entered.
    """
    return _held(path, os.open(path, os.O_WRONLY | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0)))


@contextlib.contextmanager
def _held(path: Path, fd: int) -> Iterator[Journal]:
    stream = os.fdopen(fd, "a", encoding="utf-8")
    try:
        if fcntl is not None:
            fcntl.flock(stream.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield Journal(path, stream)
    finally:
        with contextlib.suppress(OSError):
            stream.close()
