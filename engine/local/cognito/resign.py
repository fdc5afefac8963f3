"""Re-signing a token the pool issued with changed claims, keeping moto's token tables in step.

Apart from ``tokens`` (which runs PreTokenGeneration) so that ``devices`` can add its ``device_key``
claim without importing the trigger machinery.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from joserfc import jwt

from engine.local.cognito.models import Pool


def resign(pool: Pool, token: str, table: dict[str, tuple[str, str]], change: Callable[[dict[str, Any]], None]) -> str:
    """``token`` re-signed with its claims changed by ``change``; ``table`` (moto's ``access_tokens`` or
    ``id_tokens``) keeps its entry under the new token."""
    decoded = jwt.decode(token, pool.json_web_key)
    claims = dict(decoded.claims)
    change(claims)
    new = jwt.encode(dict(decoded.header), claims, pool.json_web_key)
    table[new] = table.pop(token)
    return new


def with_access_claims(pool: Pool, access_token: str, claims: dict[str, Any]) -> str:
    """The access token re-signed with ``claims`` added (``device_key`` for a sign-in on a tracked device)."""
    return resign(pool, access_token, pool.access_tokens, lambda current: current.update(claims))
