"""botocore's data files (service models, endpoints, partitions), read once per process.

Each botocore session reads them through its own loader, and parsing them is most of what making a
session's first client costs: ``endpoints.json`` alone takes about 25 ms, the Cognito model about 18 ms.
The engine's own sessions (the local target's, and the one models are read from for validation and the
local AWS's request checks) share the loader of ``session()``, so each file is parsed once. Sessions for
``--target aws`` keep their own, as boto3 makes them.
"""

from __future__ import annotations

import threading
from functools import lru_cache

import botocore.session
from botocore.exceptions import UnknownServiceError
from botocore.loaders import Loader
from botocore.model import ServiceModel

_made: list[botocore.session.Session] = []
_lock = threading.Lock()


def session() -> botocore.session.Session:
    """The process's botocore session for reading models (never for calls)."""
    with _lock:
        if not _made:
            _made.append(botocore.session.get_session())
        return _made[0]


def made() -> botocore.session.Session | None:
    """``session()`` if it was made already (a session being made now cannot ask for it)."""
    return _made[0] if _made else None


def loader() -> Loader:
    """The data loader ``session()`` reads with, to share with other sessions."""
    shared: Loader = session().get_component("data_loader")
    return shared


@lru_cache(maxsize=64)
def service_model(service: str) -> ServiceModel | None:
    """botocore's model of ``service`` (loaded once), or None for a service botocore does not know."""
    try:
        return session().get_service_model(service)
    except UnknownServiceError:
        return None
