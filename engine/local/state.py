"""``scenario serve --state-dir DIR``: the whole local AWS kept on disk, so a restart (or a kill -9) loses nothing.

What is kept is every moto backend this process has loaded (Cognito pools, users and their passwords,
app clients, tokens; DynamoDB tables and items; Lambda functions and their code; CloudFormation stacks;
S3 buckets; CloudWatch log groups; IAM roles ...) and the outbox, pickled together while holding the
backend lock, so the snapshot is one consistent moment. ``Snapshots`` writes one at most every
``INTERVAL_SECONDS`` while requests came in (a request may change something; a quiet server writes
nothing), and one more on a clean stop. A snapshot is written to a temporary file in DIR, flushed to
disk and renamed over ``state.pickle``, so a kill at any moment leaves the previous snapshot or the new
one, never half of one.

The file starts with a header naming its format, the moto version that wrote it and the SHA-256 of what
follows. A file that is not one (another program's), was written by another moto version (its objects
would not fit this one's code) or does not match its checksum (torn, edited) stops the server with
``StateError`` (exit 2) naming the file, never a silent empty start. Only a directory with no snapshot
starts empty.

The snapshot is a pickle: loading one runs code, as loading a Python module does. Point ``--state-dir``
only at a directory you own (the server creates it with mode 0700).
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import sys
import threading
import weakref
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from engine.errors import InputError
from engine.local.locking import holding
from engine.local.outbox import OUTBOX

if TYPE_CHECKING:
    from moto.core.base_backend import BackendDict, BaseBackend

INTERVAL_SECONDS = 1.0
FILE_NAME = "state.pickle"
_MAGIC = b"scenario-serve-state 1\n"


class StateError(InputError):
    """A state directory's snapshot cannot be loaded (not one, another moto version, torn)."""


def _moto_version() -> str:
    import moto

    return str(moto.__version__)


def _backend_dicts() -> dict[str, BackendDict[BaseBackend]]:
    """Every moto ``BackendDict`` loaded in this process, by ``module:attribute``."""
    from moto.core.base_backend import BackendDict

    found: dict[str, BackendDict[BaseBackend]] = {}
    for module_name, module in list(sys.modules.items()):
        if not module_name.startswith("moto.") or not module_name.endswith(".models") or module is None:
            continue
        for attribute, value in list(vars(module).items()):
            if isinstance(value, BackendDict) and all(value is not known for known in found.values()):
                found[f"{module_name}:{attribute}"] = value  # once: other modules import the same dicts
    return found


def _private_key(pem: bytes) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def _public_key(pem: bytes) -> rsa.RSAPublicKey:
    key = serialization.load_pem_public_key(pem)
    assert isinstance(key, rsa.RSAPublicKey)
    return key


def _weak_values(items: dict[object, object]) -> weakref.WeakValueDictionary[object, object]:
    return weakref.WeakValueDictionary(items)


def _defaults(factory: type, items: dict[object, object]) -> defaultdict[object, object]:
    return defaultdict(factory, items)


class _Pickler(pickle.Pickler):
    """Pickles what moto's objects hold besides plain data: RSA keys (as PEM), weak-value indexes."""

    def reducer_override(self, obj: object) -> tuple[Callable[..., object], tuple[object, ...]]:
        if isinstance(obj, rsa.RSAPrivateKey):
            pem = obj.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            return _private_key, (pem,)
        if isinstance(obj, rsa.RSAPublicKey):
            public = obj.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            return _public_key, (public,)
        if isinstance(obj, weakref.WeakValueDictionary):
            return _weak_values, (dict(obj.items()),)
        if isinstance(obj, defaultdict) and getattr(obj.default_factory, "__name__", "") == "<lambda>":
            made = obj.default_factory() if obj.default_factory is not None else None
            if type(made) in (dict, list, set, int):  # ``lambda: {}`` and the like: the type does the same
                return _defaults, (type(made), dict(obj))
        unchanged: tuple[Callable[..., object], tuple[object, ...]] = NotImplemented  # pickle's own way
        return unchanged


def _dump() -> bytes:
    buffer = io.BytesIO()
    with holding():
        state = {"backends": _backend_dicts(), "outbox": OUTBOX.messages()}
        _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(state)
    payload = buffer.getvalue()
    header = _MAGIC + f"moto {_moto_version()}\nsha256 {hashlib.sha256(payload).hexdigest()}\n".encode()
    return header + payload


def save(directory: Path) -> None:
    """Write a snapshot of the whole local AWS to ``directory`` (atomically: temp file, fsync, rename)."""
    data = _dump()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = directory / f".{FILE_NAME}.{os.getpid()}.tmp"
    with open(temporary, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, directory / FILE_NAME)
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)  # the rename itself survives a power cut
    finally:
        os.close(descriptor)


def _payload(path: Path, data: bytes) -> bytes:
    def refuse(why: str, hint: str) -> StateError:
        return StateError(f"{path}: {why}", hint=hint)

    elsewhere = f"move {path} away to start empty, or point --state-dir at another directory"
    if not data.startswith(_MAGIC):
        raise refuse("this is not a snapshot of scenario serve's state", elsewhere)
    lines = data[len(_MAGIC) :].split(b"\n", 2)
    if len(lines) < 3 or not lines[0].startswith(b"moto ") or not lines[1].startswith(b"sha256 "):
        raise refuse("the snapshot's header is damaged", elsewhere)
    version = lines[0][5:].decode("ascii", "replace")
    if version != _moto_version():
        raise refuse(
            f"the snapshot was written with moto {version}, this is moto {_moto_version()}",
            f"run the scenario-run that wrote it (with moto {version}), or {elsewhere}",
        )
    payload = lines[2]
    if hashlib.sha256(payload).hexdigest() != lines[1][7:].decode("ascii", "replace"):
        raise refuse("the snapshot is torn or changed (its checksum does not match)", elsewhere)
    return payload


def load(directory: Path) -> bool:
    """Load ``directory``'s snapshot into the running local AWS; ``False``: there is none (start empty)."""
    path = directory / FILE_NAME
    for leftover in directory.glob(f".{FILE_NAME}.*.tmp"):  # a snapshot a kill cut short: never renamed
        leftover.unlink(missing_ok=True)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return False
    except OSError as error:
        raise StateError(f"{path}: cannot be read: {error.strerror}") from None
    payload = _payload(path, data)
    try:
        state = pickle.loads(payload)
        backends: dict[str, BackendDict[BaseBackend]] = state["backends"]
        messages = list(state["outbox"])
        live = _backend_dicts_for(backends)
    except Exception as error:  # a snapshot that passed its checksum but does not fit this code
        raise StateError(
            f"{path}: the snapshot cannot be loaded: {type(error).__name__}: {error}",
            hint="move it away to start empty",
        ) from None
    with holding():
        for key, loaded in backends.items():
            target = live[key]
            target.clear()
            target.update(loaded)  # in place: other modules hold these very dicts
        for message in messages:
            OUTBOX.record(message)
    return True


def _backend_dicts_for(saved: dict[str, BackendDict[BaseBackend]]) -> dict[str, BackendDict[BaseBackend]]:
    """This process's backend dicts for the saved ones (``module:attribute``), importing their modules."""
    import importlib

    live: dict[str, BackendDict[BaseBackend]] = {}
    for key in saved:
        module_name, _, attribute = key.partition(":")
        live[key] = getattr(importlib.import_module(module_name), attribute)
    return live


class Snapshots:
    """Writes a snapshot at most every ``interval`` seconds while requests come in, and one on ``stop``."""

    def __init__(
        self, directory: Path, interval: float = INTERVAL_SECONDS, on_error: Callable[[str], None] | None = None
    ):
        self.directory = directory
        self.interval = interval
        self.on_error = on_error or (lambda text: print(text, file=sys.stderr, flush=True))
        self._dirty = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="scenario-state-snapshots", daemon=True)

    def touch(self) -> None:
        """Something may have changed (called for every request)."""
        self._dirty.set()

    def start(self) -> None:
        self._thread.start()

    def _loop(self) -> None:
        while not self._stopping.wait(self.interval):
            if self._dirty.is_set():
                self._dirty.clear()
                self._save()

    def _save(self) -> None:
        try:
            save(self.directory)
        except (OSError, pickle.PicklingError, TypeError, AttributeError) as error:
            self.on_error(f"scenario serve: could not write the state to {self.directory}: {error}")

    def stop(self) -> None:
        """Stop the timer and write the last snapshot."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join()
        self._save()
