"""User names as Amazon Cognito reads them, and a pool's full attribute schema.

* ``UsernameConfiguration: {CaseSensitive: false}``: a user name, and an email or phone number a user signs
  in with, matches whatever its case ("User name case sensitivity" in the developer guide), so ``Alice`` and
  ``alice`` are one user and signing up the second is UsernameExistsException.
* A pool created with a ``Schema`` still has every standard attribute (email, name, phone_number...), with
  the schema's settings for those it names; moto keeps only the attributes the schema lists.
"""

from __future__ import annotations

from moto.cognitoidp.models import CognitoIdpUserPoolAttribute
from moto.cognitoidp.utils import flatten_attrs

from engine.local.cognito.models import Pool, SchemaAttribute, User


def case_insensitive(pool: Pool) -> bool:
    configuration = pool.extended_config.get("UsernameConfiguration") or {}
    return configuration.get("CaseSensitive") is False


def find_folded(pool: Pool, username: str) -> User | None:
    """The user whose name (or sign-in email or phone number) is ``username`` in any case, else None."""
    folded = username.lower()
    sign_in_attributes = pool.extended_config.get("UsernameAttributes") or []
    for user in pool.users.values():
        if user.username.lower() == folded:
            return user
        values = flatten_attrs(user.attributes)
        if any((values.get(name) or "").lower() == folded for name in sign_in_attributes):
            return user
    return None


def complete_schema(pool: Pool) -> None:
    """Add the standard attributes a ``Schema`` left out, in Cognito's order, keeping the schema's own."""
    given = dict(pool.schema_attributes)
    complete: dict[str, SchemaAttribute] = {}
    for name, schema in CognitoIdpUserPoolAttribute.STANDARD_SCHEMA.items():
        complete[name] = given.pop(name) if name in given else CognitoIdpUserPoolAttribute(name, False, schema)
    pool.schema_attributes = {**complete, **given}
