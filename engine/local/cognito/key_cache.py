"""``joserfc.jwk`` as moto's Cognito models see it once the ``cognito-key-cache`` hook is in.

moto parses the same bundled private key for every new user pool, which takes about 0.2 s (RSA key
validation); the parsed key is only ever read, so one parse serves every pool.
"""

from __future__ import annotations

import json
import threading
from types import ModuleType
from typing import Any

from joserfc.jwk import RSAKey


class CachedRSAKey:
    """``joserfc.jwk.RSAKey`` whose ``import_key`` remembers the keys it parsed from a dict."""

    def __init__(self, real: type[RSAKey]) -> None:
        self._real = real
        self._parsed: dict[str, RSAKey] = {}
        self._lock = threading.Lock()

    def import_key(self, value: Any, *args: Any, **kwargs: Any) -> RSAKey:
        # Anything but moto's one call (a dict, nothing else) goes straight to joserfc, as it came.
        if args or kwargs or not isinstance(value, dict):
            return self._real.import_key(value, *args, **kwargs)
        cache_key = json.dumps(value, sort_keys=True)
        with self._lock:
            if cache_key not in self._parsed:
                self._parsed[cache_key] = self._real.import_key(value)
            return self._parsed[cache_key]

    def __getattr__(self, name: str) -> object:
        return getattr(self._real, name)


class CachedJwk:
    """Stands in for the ``joserfc.jwk`` module inside ``moto.cognitoidp.models`` only."""

    def __init__(self, real: ModuleType) -> None:
        self._real = real
        self.RSAKey = CachedRSAKey(real.RSAKey)

    def __getattr__(self, name: str) -> object:
        return getattr(self._real, name)
