"""Secrets that must never reach the console, a transcript or a report."""

from __future__ import annotations

import re
import threading
from typing import Any

MASK = "********"
TOKEN_PREFIX = 6
# Result keys whose values are credentials (AWS casing and the snake_case of our own results).
SECRET_KEY = re.compile(r"(password|token|secret|session)$", re.IGNORECASE)
TOKEN_KEY = re.compile(r"token$", re.IGNORECASE)


class Secrets:
    """Collects secret values seen during a run and masks them wherever text is written."""

    def __init__(self) -> None:
        self._values: dict[str, str] = {}
        self._lock = threading.Lock()

    def add(self, value: Any, *, keep_prefix: bool = False) -> None:
        """Mark ``value`` secret; tokens keep a short prefix so a person can tell them apart."""
        if not isinstance(value, str) or len(value) < 3:
            return
        shown = f"{value[:TOKEN_PREFIX]}…" if keep_prefix and len(value) > TOKEN_PREFIX * 2 else MASK
        with self._lock:
            self._values[value] = shown

    def collect(self, data: Any) -> None:
        """Register every value under a secret-looking key anywhere in ``data``."""
        if isinstance(data, dict):
            for key, value in data.items():
                if isinstance(key, str) and SECRET_KEY.search(key) and isinstance(value, str):
                    self.add(value, keep_prefix=bool(TOKEN_KEY.search(key)))
                else:
                    self.collect(value)
        elif isinstance(data, list | tuple):
            for item in data:
                self.collect(item)

    def mask(self, text: str) -> str:
        """``text`` with every known secret replaced, longest first so no part leaks."""
        with self._lock:
            items = sorted(self._values.items(), key=lambda kv: len(kv[0]), reverse=True)
        for value, shown in items:
            if value in text:
                text = text.replace(value, shown)
        return text

    def mask_data(self, data: Any) -> Any:
        """A copy of JSON-like ``data`` with secrets masked in every string."""
        if isinstance(data, str):
            return self.mask(data)
        if isinstance(data, dict):
            out = {}
            for key, value in data.items():
                if isinstance(key, str) and SECRET_KEY.search(key) and isinstance(value, str):
                    self.add(value, keep_prefix=bool(TOKEN_KEY.search(key)))
                out[key] = self.mask_data(value)
            return out
        if isinstance(data, list | tuple):
            return [self.mask_data(item) for item in data]
        return data
