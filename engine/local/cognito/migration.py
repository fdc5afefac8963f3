"""User migration: asking the UserMigration trigger about a user the pool does not know, and creating
the user it describes (at sign-in, and in the forgot-password flow)."""

from __future__ import annotations

from engine.local import outbox
from engine.local.cognito.common import UserStatus, expand_attrs, resolve_new_username
from engine.local.cognito.exceptions import AliasExistsError
from engine.local.cognito.messages import draft_invitations, send
from engine.local.cognito.models import AppClient, Pool, User, new_user
from engine.local.cognito.triggers import (
    MIGRATION_DEFAULTS,
    invoke_trigger_or_null,
    make_event,
    migration,
    with_metadata,
)


def claim_aliases(pool: Pool, attributes: dict[str, str], force: bool, *, exclude: User | None = None) -> None:
    """A verified email or phone number that is an alias (AliasAttributes) can belong to one user only:
    without ``force`` a clash is AliasExistsException; with it the other user loses the alias
    (its ``*_verified`` becomes false), as ``forceAliasCreation`` documents."""
    aliases = pool.extended_config.get("AliasAttributes") or []
    for name in ("email", "phone_number"):
        value = attributes.get(name)
        if name not in aliases or not value or attributes.get(f"{name}_verified") != "true":
            continue
        for other in list(pool.users.values()):
            found = other.attribute_lookup
            if other is exclude or found.get(name) != value or found.get(f"{name}_verified") != "true":
                continue
            if not force:
                raise AliasExistsError("An account with the given email already exists.")
            other.update_attributes([{"Name": f"{name}_verified", "Value": "false"}])


def migrate_user(
    pool: Pool, client: AppClient, username: str, password: str | None, client_metadata: dict[str, str] | None
) -> User | None:
    """Ask the UserMigration trigger about an unknown user; create the user it describes.

    ``password`` is the sign-in password (``None`` in the forgot-password flow, where the user
    is created in RESET_REQUIRED). ``None`` when the function says the user does not exist (it
    returned null or no attributes).
    """
    if password is not None:
        source, request = (
            "UserMigration_Authentication",
            {"password": password, "validationData": client_metadata or None},
        )
    else:
        source, request = "UserMigration_ForgotPassword", with_metadata({"validationData": None}, client_metadata)
    response = invoke_trigger_or_null(
        pool,
        "UserMigration",
        make_event(pool, source, username, client.id if client else None, request, dict(MIGRATION_DEFAULTS)),
    )
    if response is None:
        return None
    answer = migration(response)
    if not answer.user_attributes:
        return None
    claim_aliases(pool, answer.user_attributes, bool(response.get("forceAliasCreation")))
    internal_name, attributes = resolve_new_username(pool, username, expand_attrs(answer.user_attributes))
    confirmed = password is not None and answer.final_user_status == "CONFIRMED"
    user = new_user(
        pool.id,
        internal_name,
        password if confirmed else None,
        UserStatus.CONFIRMED if confirmed else UserStatus.RESET_REQUIRED,
        attributes,
    )
    drafts = (
        []
        if answer.message_action == "SUPPRESS"
        else draft_invitations(
            pool,
            user,
            username,
            answer.delivery_mediums,
            kind=outbox.USER_MIGRATION,
            password=None,
            client_metadata=None,
        )
    )
    pool.users[user.username] = user
    send(pool, username, *drafts)
    return user
