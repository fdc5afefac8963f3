"""Secrets that must never reach the console, a transcript, a report or a crash log.

A secret is masked as written and in the encodings a template or a report can give it: JSON and
Python string escapes, URL encoding (``%20`` and ``+``), HTML/XML escapes, YAML quoting, and upper,
lower and title case of each, Jinja's ``tojson`` and ``urlencode``, unicode escapes, and base64
(alone, or inside a longer encoded value such as ``user:secret``). What masking cannot catch: a
part of a secret (a slice such as ``password[:4]``, a single character), a secret transformed in
other ways (reversed, hashed, split across lines or outputs), and values the engine never learns
are secret.
"""

from __future__ import annotations

import base64
import functools
import html
import json
import re
import threading
import urllib.parse
import weakref
from collections.abc import Iterable, Mapping

import markupsafe
from jinja2.utils import htmlsafe_json_dumps

MASK = "********"
TOKEN_PREFIX = 6
# Result keys whose values are credentials (AWS casing and the snake_case of our own results).
SECRET_KEY = re.compile(r"(password|token|secret|session|secretstring|secretbinary|plaintext)$", re.IGNORECASE)
TOKEN_KEY = re.compile(r"token$", re.IGNORECASE)
# `env:` names that declare their value secret: ..._PASSWORD, ..._TOKEN, ..._SECRET, ..._KEY, ...
SECRET_ENV_NAME = re.compile(r"(password|passwd|token|secret|key|credentials?)$", re.IGNORECASE)

_LIVE: weakref.WeakSet[Secrets] = weakref.WeakSet()
_LIVE_LOCK = threading.Lock()  # crashes on several threads at once read it while runs add to it


@functools.lru_cache(maxsize=1024)
def encodings(value: str) -> frozenset[str]:
    """``value`` and the forms it takes once encoded for JSON, URLs, HTML, YAML, or case-changed."""
    # Letters, digits and . _ ~ - (tokens, most keys) look the same in every one of these encodings.
    if _PLAIN.fullmatch(value):
        return frozenset(form for form in _ascii_cased(value) if len(form) >= 3)
    forms = _encoded_forms(value)
    cased: set[str] = set()
    for form in forms:
        cased.update((form.upper(), form.lower(), form.title(), form.capitalize(), form.swapcase()))
    return frozenset(form for form in forms | cased if len(form) >= 3)


def _ascii_cased(value: str) -> tuple[str, ...]:
    """``value`` and its upper, lower, title, capitalized and swapped case, for an ASCII value: the bytes
    methods give the same forms as the text ones there, several times faster on a token's thousand characters."""
    raw = value.encode("ascii")
    return (
        value,
        value.upper(),
        value.lower(),
        raw.title().decode("ascii"),
        raw.capitalize().decode("ascii"),
        raw.swapcase().decode("ascii"),
    )


_PLAIN = re.compile(r"[A-Za-z0-9._~-]+")


def _encoded_forms(value: str) -> set[str]:
    return {
        value,
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        str(markupsafe.Markup(htmlsafe_json_dumps(value)))[1:-1],  # Jinja's `tojson`: \u003c, \u0027, ...
        repr(value)[1:-1],
        value.encode("unicode_escape").decode("ascii"),
        value.encode("ascii", "backslashreplace").decode("ascii"),
        urllib.parse.quote(value, safe=""),
        urllib.parse.quote(value),
        urllib.parse.quote_plus(value),
        urllib.parse.quote(value, safe="/"),  # Jinja's `urlencode`
        *_base64_forms(value),
        html.escape(value),
        html.escape(value, quote=False),
        str(markupsafe.escape(value)),
        value.replace("'", "''"),  # YAML single-quoted
        _yaml_double_quoted(value),
    }


def _base64_forms(value: str) -> set[str]:
    """The base64 of the secret, alone or inside a longer value (``user:secret``): at each of the three
    alignments, the characters that only the secret's bytes decide."""
    raw = value.encode("utf-8")
    forms = set()
    for offset in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            text = encode(b"\0" * offset + raw).decode("ascii")
            if offset == 0:
                forms.add(text)
                forms.add(text.rstrip("="))
            start = 4 if offset else 0
            end = len(text) - (4 if (offset + len(raw)) % 3 else 0)
            core = text[start:end]
            if len(core) >= 8:
                forms.add(core)
    return forms


def _yaml_double_quoted(value: str) -> str:
    import yaml

    dumped = yaml.safe_dump(value, default_style='"', allow_unicode=False, width=1 << 30).strip()
    return dumped[1:-1] if dumped.startswith('"') and dumped.endswith('"') else value


_NOT_SECRET, _SECRET, _TOKEN = 0, 1, 2
_KEY_KINDS: dict[str, int] = {}  # a result's keys repeat (AWS field names): each is matched once per process
_MAX_KEY_KINDS = 4096


def _key_kind(key: object) -> int:
    """Whether values under ``key`` are secrets (``_SECRET``), tokens (``_TOKEN``, a prefix stays visible) or not."""
    if not isinstance(key, str):
        return _NOT_SECRET
    kind = _KEY_KINDS.get(key)
    if kind is None:
        kind = (_TOKEN if TOKEN_KEY.search(key) else _SECRET) if SECRET_KEY.search(key) else _NOT_SECRET
        if len(_KEY_KINDS) < _MAX_KEY_KINDS:
            _KEY_KINDS[key] = kind
    return kind


def _secret_fields(data: Mapping[object, object]) -> Iterable[tuple[str, bool]]:
    """(value, is_token) for each secret string directly in ``data``."""
    for key, value in data.items():
        if isinstance(value, str):
            kind = _key_kind(key)
            if kind:
                yield value, kind == _TOKEN
    value = _secure_string(data)
    if value is not None:
        yield value, False


def _secure_string(data: Mapping[object, object]) -> str | None:
    """SSM parameters: a SecureString's value is secret whatever the key is called."""
    value = data.get("Value")
    return value if isinstance(value, str) and data.get("Type") == "SecureString" else None


def mask_everywhere(text: str) -> str:
    """``text`` masked with every live ``Secrets`` of this process (for crash logs and last-resort output)."""
    with _LIVE_LOCK:
        live = list(_LIVE)
    for secrets in live:
        text = secrets.mask(text)
    return text


def _longest_first(item: tuple[str, str]) -> int:
    return -len(item[0])


class Secrets:
    """Collects secret values seen during a run and masks them wherever text is written."""

    def __init__(self) -> None:
        self._values: dict[str, str] = {}
        self._ordered: list[tuple[str, str]] = []
        # Each form case-folded, once: a text none of them is in (most of what a run writes) holds no secret.
        self._folded: tuple[str, ...] = ()
        self._folded_forms: set[str] = set()
        self._lock = threading.Lock()
        with _LIVE_LOCK:
            _LIVE.add(self)

    def add(self, value: object, *, keep_prefix: bool = False) -> None:
        """Mark ``value`` secret; tokens keep a short prefix so a person can tell them apart."""
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        if not isinstance(value, str) or len(value) < 3:
            return
        with self._lock:
            if value in self._values:
                return
        token = keep_prefix and len(value) > TOKEN_PREFIX * 2
        new = {form: (f"{form[:TOKEN_PREFIX]}…" if token else MASK) for form in encodings(value)}
        with self._lock:
            if value in self._values:  # added meanwhile, by another thread
                return
            added = [form for form in new if form not in self._values]
            for form in added:
                self._values[form] = new[form]
            if added:
                # Longest first, and of equal length in the order added, as sorting ``_values`` gives (the sort is
                # stable); the forms already there are in order, so the sort only merges the new ones in.
                self._ordered = sorted([*self._ordered, *((form, new[form]) for form in added)], key=_longest_first)
            self._folded_forms.update(form.casefold() for form in added)
            self._folded = tuple(self._folded_forms)

    def collect(self, data: object) -> None:
        """Register every value under a secret-looking key (or an SSM SecureString) anywhere in ``data``."""
        if isinstance(data, dict):
            for key, value in data.items():
                kind = _key_kind(key)
                if kind:
                    if isinstance(value, str):
                        self.add(value, keep_prefix=kind == _TOKEN)
                elif isinstance(value, dict | list | tuple):
                    self.collect(value)
            secure = _secure_string(data)
            if secure is not None:
                self.add(secure)
        elif isinstance(data, list | tuple):
            for item in data:
                if isinstance(item, dict | list | tuple):
                    self.collect(item)

    def mask(self, text: str) -> str:
        """``text`` with every known secret (and its encodings) replaced, longest first so no part leaks."""
        with self._lock:
            items, folded = self._ordered, self._folded
        if not items:
            return text
        # Case folding maps each character on its own (no context, unlike lower()'s final sigma), so a form
        # found in the text has its folded form in the folded text: where none is, nothing is replaced.
        lowered = text.casefold()
        if not any(form in lowered for form in folded):
            return text
        for value, shown in items:
            if value in text:
                text = text.replace(value, shown)
        return text

    def mask_data(self, data: object) -> object:
        """A copy of JSON-like ``data`` with secrets masked in every string."""
        if isinstance(data, str):
            return self.mask(data)
        if isinstance(data, bytes):
            return self.mask(data.decode("utf-8", "replace"))
        if isinstance(data, dict):
            for value, is_token in _secret_fields(data):
                self.add(value, keep_prefix=is_token)
            return {key: self.mask_data(value) for key, value in data.items()}
        if isinstance(data, list | tuple):
            return [self.mask_data(item) for item in data]
        return data
