"""A snapshot of the embedded local AWS right after a stack deploy, so that the next process need not deploy it.

A cold ``scenario-run`` of a scenario with a stack spent most of its time deploying it (packaging the code,
creating every resource in moto's CloudFormation, which imports nearly every moto service). When nothing
that decides the result changed, the next process restores what the deploy left instead: moto's backends
as they were, and the stack's outputs.

What decides the result is the key (``deploy_key``): the stack name and region, the template as read, the
parameter values, a digest of every code file the deploy packages, the versions of moto, of this package
and of Python. A changed template, handler file or moto version is a new key, so it deploys afresh.

A snapshot is restored only into a backend that holds nothing yet (``pristine``), and taken only of a
deploy into one, so it never carries anything but the deploy. moto's CloudFormation is restored only when
a request first reaches it (``engine.local.hooks.when_cloudformation_loads``): the rest of the snapshot is
pickled first and the CloudFormation backend after it with the same memo, so its stacks point at the very
pools, functions and tables restored before. A snapshot that cannot be read (truncated, corrupt, from
another version) is deleted and the stack deployed afresh; one that cannot be written is not kept.

Where: ``$SCENARIO_RUN_DEPLOY_CACHE`` if it names a directory, else ``$XDG_CACHE_HOME/scenario-run/deploys``
(``~/.cache/...``), created private (0700). ``SCENARIO_RUN_DEPLOY_CACHE=off`` turns that off; one
``scenario-run`` still deploys each stack once and restores it from memory for its later files
(``engine.run.deploy_memory``).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import io
import json
import os
import pickle
import sys
import tempfile
import weakref
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Protocol, cast

from engine.run import deploy_memory

ENV = "SCENARIO_RUN_DEPLOY_CACHE"
FORMAT = 1
KEEP = 16  # snapshots kept; the oldest beyond these are removed when one is saved
_OFF = {"off", "0", "false", "no"}
_CLOUDFORMATION = ("moto.cloudformation.models", "cloudformation_backends")

# (module, attribute) -> {account: {region: backend}}
Snapshot = dict[tuple[str, str], dict[str, dict[str, object]]]


class _Backends(Protocol):
    """moto's ``BackendDict``: account -> region -> backend, made on first access."""

    def __getitem__(self, account_id: str) -> dict[str, object]: ...

    def iter_backends(self) -> Iterator[tuple[str, str, object]]: ...


def enabled() -> bool:
    """Whether a deploy may be restored or kept at all (the cache directory, or memory while remembering)."""
    return deploy_memory.snapshots is not None or cache_dir() is not None


def cache_dir() -> Path | None:
    """Where snapshots are kept, or None when the cache is turned off."""
    setting = os.environ.get(ENV, "").strip()
    if setting.lower() in _OFF:
        return None
    if setting:
        return Path(setting).expanduser()
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "scenario-run" / "deploys"


def tree_digest(path: Path) -> str:
    """sha256 over the relative names and contents of a file or of every file under a folder."""
    digest = hashlib.sha256()
    files = (
        [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    )
    for file in files:
        digest.update(str(file.relative_to(path) if file != path else file.name).encode() + b"\0")
        digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def moto_version() -> str:
    import moto

    return str(moto.__version__)


def deploy_key(
    *,
    stack_name: str,
    region: str,
    template_body: str,
    parameters: Mapping[str, str],
    code: Iterable[str],
    moto: str,
) -> str:
    """The snapshot's name: a digest of everything that decides what the deploy leaves behind."""
    from engine import __version__

    material = {
        "format": FORMAT,
        "stack": stack_name,
        "region": region,
        "template": template_body,
        "parameters": dict(sorted(parameters.items())),
        "code": sorted(code),
        "moto": moto,
        "engine": __version__,
        "python": sys.version,
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def _loaded_backends() -> Iterator[tuple[tuple[str, str], _Backends]]:
    from moto.core.base_backend import BackendDict

    for name, module in list(sys.modules.items()):
        if module is None or not (name.startswith("moto.") and name.endswith(".models")):
            continue
        for attribute, value in list(vars(module).items()):
            # Each once, where it is defined: services import each other's (``from moto.s3.models import ...``).
            if isinstance(value, BackendDict) and getattr(value.backend, "__module__", None) == name:
                yield (name, attribute), value


def pristine() -> bool:
    """True when no moto backend holds anything yet (none has been made for any account and region)."""
    return not any(any(True for _ in backends.iter_backends()) for _, backends in _loaded_backends())


def _snapshot() -> Snapshot:
    taken: Snapshot = {}
    for where, backends in _loaded_backends():
        for account, region, backend in backends.iter_backends():
            taken.setdefault(where, {}).setdefault(account, {})[region] = backend
    return taken


def _put(where: tuple[str, str], accounts: Mapping[str, Mapping[str, object]]) -> None:
    live: _Backends = getattr(importlib.import_module(where[0]), where[1])
    for account, regions in accounts.items():
        live[account].update(regions)  # indexing makes (and registers) the account, so mock_aws resets it


# --- pickling what moto keeps that pickle does not know ------------------------------------------


def _rsa_key(pem: bytes) -> object:
    from cryptography.hazmat.primitives import serialization

    # A key moto made and this process's cache wrote: checked when it was made (the check takes ~30 ms).
    return serialization.load_pem_private_key(pem, password=None, unsafe_skip_rsa_key_validation=True)


def _rsa_public_key(pem: bytes) -> object:
    from cryptography.hazmat.primitives import serialization

    return serialization.load_pem_public_key(pem)


def _weak_values(items: dict[object, object]) -> weakref.WeakValueDictionary[object, object]:
    return weakref.WeakValueDictionary(items)


def _default_dict(factory: Callable[[], object], items: dict[object, object]) -> defaultdict[object, object]:
    return defaultdict(factory, items)


_EMPTY_FACTORIES: tuple[type, ...] = (dict, list, set)
_Reduced = tuple[Callable[..., object], tuple[object, ...]]
# ``reducer_override`` returns NotImplemented for "pickle it as usual", which typeshed's signature omits.
_NO_OVERRIDE = cast(_Reduced, NotImplemented)


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: object) -> _Reduced:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        if isinstance(obj, rsa.RSAPrivateKey):  # a user pool's signing key (and its public half below)
            pem = obj.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            return _rsa_key, (pem,)
        if isinstance(obj, rsa.RSAPublicKey):
            pem = obj.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            return _rsa_public_key, (pem,)
        if isinstance(obj, weakref.WeakValueDictionary):  # moto's function and layer indexes by ARN
            return _weak_values, (dict(obj.items()),)
        if type(obj) is defaultdict and getattr(obj.default_factory, "__name__", "") == "<lambda>":
            made = obj.default_factory() if obj.default_factory else None
            for factory in _EMPTY_FACTORIES:  # ``defaultdict(lambda: {})`` is ``defaultdict(dict)``
                if type(made) is factory and not made:
                    return _default_dict, (factory, dict(obj))
        return _NO_OVERRIDE


# --- reading and writing snapshots ------------------------------------------------------------------


def save(key: str, outputs: Mapping[str, str]) -> None:
    """Keep what the backends hold now under ``key``; a snapshot that cannot be taken is not kept."""
    folder = cache_dir()
    if folder is None and deploy_memory.snapshots is None:
        return
    taken = _snapshot()
    cloudformation = taken.pop(_CLOUDFORMATION, {})
    buffer = io.BytesIO()
    try:
        pickler = _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
        pickler.dump({"outputs": dict(outputs), "backends": taken})
        pickler.dump(cloudformation)  # same memo: its stacks refer to what the first part restored
    except Exception:  # something moto keeps that pickle cannot take: deploy afresh next time
        return
    payload = buffer.getvalue()
    header = json.dumps({"format": FORMAT, "key": key, "sha256": hashlib.sha256(payload).hexdigest()})
    data = header.encode() + b"\n" + payload
    if deploy_memory.snapshots is not None:
        deploy_memory.snapshots[key] = data
    if folder is None:
        return
    with contextlib.suppress(OSError):
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".snapshot-")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, folder / f"{key}.snapshot")
        _prune(folder)


def _prune(folder: Path) -> None:
    snapshots = sorted(folder.glob("*.snapshot"), key=lambda path: path.stat().st_mtime, reverse=True)
    for old in snapshots[KEEP:]:
        old.unlink(missing_ok=True)


def restore(key: str) -> dict[str, str] | None:
    """Put the snapshot ``key`` into the (pristine) backends and return the stack's outputs; None if there
    is none to use. An unreadable snapshot is removed, so the deploy that follows writes a good one."""
    folder = cache_dir()
    path = None if folder is None else folder / f"{key}.snapshot"
    data = None if deploy_memory.snapshots is None else deploy_memory.snapshots.get(key)
    try:
        if data is None and path is not None:
            data = path.read_bytes()
    except OSError:
        pass
    if data is None:
        return None
    try:
        head, _, payload = data.partition(b"\n")
        header = json.loads(head)
        if header != {"format": FORMAT, "key": key, "sha256": hashlib.sha256(payload).hexdigest()}:
            raise ValueError("not this snapshot")
        unpickler = pickle.Unpickler(io.BytesIO(payload))
        first = unpickler.load()
        outputs = {str(name): str(value) for name, value in first["outputs"].items()}
        backends: Snapshot = first["backends"]
    except Exception:  # truncated, corrupt, or written by another version: rebuilt by the deploy
        if path is not None:
            path.unlink(missing_ok=True)
        return None
    for where, accounts in backends.items():
        _put(where, accounts)

    def restore_cloudformation() -> None:
        _put(_CLOUDFORMATION, unpickler.load())

    from engine.local import hooks

    hooks.when_cloudformation_loads(restore_cloudformation)
    return outputs
