"""A fault injector that cannot be made: loading it is an internal error (exit 3, a crash log)."""

from __future__ import annotations


def fault_injector() -> object:
    raise RuntimeError("a bug on purpose, for the crash-log tests")
