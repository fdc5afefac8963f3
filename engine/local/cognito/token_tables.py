"""What moto keeps per token, dropped when it can no longer be used, so memory follows the data that exists.

moto records every token it issues in the pool (``access_tokens``, ``id_tokens``, ``refresh_tokens``)
and never lets go: three JWTs (about 3 KB) per sign-in stay after their user is deleted or after they
expire. ``forget_user`` drops a deleted user's tokens (a token of theirs is then "Invalid", as after
DeleteUser); ``drop_expired`` drops access and ID tokens past their ``exp`` (Cognito refuses them anyway)
and the refresh tokens of users that no longer exist.
"""

from __future__ import annotations

import time

from engine.local.cognito.models import Pool
from engine.template.helpers import HelperError, jwt_claims


def forget_user(pool: Pool, username: str) -> None:
    """Drop every token ``pool`` issued to ``username``."""
    for table in (pool.access_tokens, pool.id_tokens):
        for token in [t for t, (_, user) in table.items() if user == username]:
            del table[token]
    for token in [t for t, found in pool.refresh_tokens.items() if found is not None and found[1] == username]:
        del pool.refresh_tokens[token]


def drop_expired(pool: Pool, now: float | None = None) -> int:
    """Drop the tokens of ``pool`` nobody can use any more; returns how many."""
    moment = time.time() if now is None else now
    dropped = 0
    for table in (pool.access_tokens, pool.id_tokens):
        for token in [t for t, (_, user) in table.items() if _expired(t, moment) or pool._get_user(user) is None]:
            del table[token]
            dropped += 1
    for token in [t for t, v in pool.refresh_tokens.items() if v is not None and pool._get_user(v[1]) is None]:
        del pool.refresh_tokens[token]
        dropped += 1
    return dropped


def _expired(token: str, now: float) -> bool:
    try:
        expiry = jwt_claims(token).get("exp")
    except HelperError:
        return False
    return isinstance(expiry, int | float) and expiry < now


def sweep() -> int:
    """``drop_expired`` on every pool of every account and region (call holding the backend lock)."""
    from engine.local.cognito.common import every_pool

    return sum(drop_expired(pool) for _, pool in list(every_pool()))
