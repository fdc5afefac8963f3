"""The attributes of a NEW_PASSWORD_REQUIRED challenge: those the pool requires that the user lacks, and the
``userAttributes.<name>`` answers that set them.

As the API reference describes the challenge: ``requiredAttributes`` lists, as ``userAttributes.<name>``, each
attribute the pool's schema requires and the user has no value for; the answer to the challenge must give each
of them, and may give other writable attributes the same way. An attribute the schema does not have, or one
that cannot be changed, is refused.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from engine.local.cognito.exceptions import InvalidParameterException
from engine.local.cognito.models import Pool, User

PREFIX = "userAttributes."


def required_attributes(pool: Pool, user: User) -> str:
    """The challenge's ``requiredAttributes`` parameter: a JSON list of ``userAttributes.<name>``."""
    missing = [
        f"{PREFIX}{name}"
        for name, attribute in pool.schema_attributes.items()
        if getattr(attribute, "required", False) and not user.attribute_lookup.get(name)
    ]
    return json.dumps(missing)


def apply_answers(pool: Pool, user: User, responses: Mapping[str, str]) -> None:
    """Set the ``userAttributes.<name>`` answers on ``user``; every required attribute must then have a value."""
    given = {key[len(PREFIX) :]: value for key, value in responses.items() if key.startswith(PREFIX)}
    for name in given:
        attribute = pool.schema_attributes.get(name)
        if attribute is None:
            raise InvalidParameterException(f"Invalid user attributes: {name}: Attribute does not exist in the schema.")
        if not getattr(attribute, "mutable", True) or name == "sub":
            raise InvalidParameterException(f"Invalid user attributes: {name}: Attribute cannot be updated.")
    after = {**user.attribute_lookup, **given}
    for name, attribute in pool.schema_attributes.items():
        if getattr(attribute, "required", False) and not after.get(name):
            raise InvalidParameterException(f"Invalid attributes given, {name} is missing")
    if given:
        user.update_attributes([{"Name": name, "Value": value} for name, value in given.items()])
