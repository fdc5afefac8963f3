"""Where the local Cognito "sends" its messages: sign-up codes, reset codes, invitations.

Real Cognito emails or texts a person; locally every message lands in one process-wide
``Outbox`` so a scenario (or a person watching an interactive run) can read the code from it.
The embedded backend and the local HTTP server share the same outbox; ``OutboxReader`` is what a
run needs from an outbox, this one or a server's read over HTTP. Importing this module (and the
``engine.local`` package) imports no moto, so ``--target aws`` can use these types too.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

# Message kinds, one per reason Cognito sends something.
SIGN_UP = "SignUp"
FORGOT_PASSWORD = "ForgotPassword"
ADMIN_CREATE_USER = "AdminCreateUser"
RESEND_CODE = "ResendCode"
USER_MIGRATION = "UserMigration"
UPDATE_USER_ATTRIBUTE = "UpdateUserAttribute"  # a code to verify a changed email or phone number
VERIFY_USER_ATTRIBUTE = "VerifyUserAttribute"  # a code asked for with GetUserAttributeVerificationCode
AUTHENTICATION = "Authentication"  # an SMS MFA sign-in code


@dataclass(frozen=True)
class Message:
    """One message Cognito would have delivered.

    ``username`` is the user name the API caller gave (for pools that sign in with email or
    phone number that is the email or phone number, not the internal user name).
    ``recipient`` is the email address or phone number it went to, ``medium`` ``EMAIL`` or
    ``SMS``, ``code`` the verification code or temporary password in it (``None`` for a
    message without one) and ``text`` the full body, after any CustomMessage trigger.
    """

    user_pool_id: str
    username: str
    recipient: str
    kind: str
    code: str | None
    text: str
    time: datetime
    medium: str = "EMAIL"
    subject: str | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (the time as ISO 8601)."""
        return {
            "user_pool_id": self.user_pool_id,
            "username": self.username,
            "recipient": self.recipient,
            "kind": self.kind,
            "code": self.code,
            "text": self.text,
            "time": self.time.isoformat(),
            "medium": self.medium,
            "subject": self.subject,
        }


class OutboxReader(Protocol):
    """What a run reads codes from: this process's ``Outbox``, or a server's (``engine.run.targets.HttpOutbox``)."""

    def messages(
        self, *, username: str | None = None, user_pool_id: str | None = None, kind: str | None = None
    ) -> list[Message]:
        """Messages in the order sent, keeping those that match every filter given."""
        ...

    def latest(
        self, *, username: str | None = None, user_pool_id: str | None = None, kind: str | None = None
    ) -> Message | None:
        """The most recent message matching the filters, or ``None``."""
        ...

    def subscribe(self, callback: Callable[[Message], None]) -> Callable[[], None]:
        """Call ``callback`` with each new message this process can hear of (a server's are not pushed to
        it, so there it never is); returns a function that unsubscribes."""
        ...


# The messages an outbox keeps: a `scenario serve` shared for weeks sends without end, and a run reads only
# what it was just sent. Beyond this many the oldest go.
MAX_MESSAGES = 10_000


class Outbox:
    """Thread-safe list of sent messages (the newest ``MAX_MESSAGES``), with filters and subscribers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: deque[Message] = deque(maxlen=MAX_MESSAGES)
        self._subscribers: list[Callable[[Message], None]] = []

    def record(self, message: Message) -> None:
        """Store ``message`` and tell every subscriber (outside the lock, so they may read back)."""
        with self._lock:
            self._messages.append(message)
            subscribers = list(self._subscribers)
        for callback in subscribers:
            callback(message)

    def messages(
        self, *, username: str | None = None, user_pool_id: str | None = None, kind: str | None = None
    ) -> list[Message]:
        """Messages in the order sent, keeping those that match every filter given."""
        with self._lock:
            found = list(self._messages)
        return [m for m in found if _matches(m, username, user_pool_id, kind)]

    def latest(
        self, *, username: str | None = None, user_pool_id: str | None = None, kind: str | None = None
    ) -> Message | None:
        """The most recent message matching the filters, or ``None`` (read from the newest back)."""
        with self._lock:
            found = list(self._messages)
        return next((m for m in reversed(found) if _matches(m, username, user_pool_id, kind)), None)

    def subscribe(self, callback: Callable[[Message], None]) -> Callable[[], None]:
        """Call ``callback`` with each new message; returns a function that unsubscribes."""
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def clear(self) -> None:
        """Forget every message (subscribers stay)."""
        with self._lock:
            self._messages.clear()


def _matches(message: Message, username: str | None, user_pool_id: str | None, kind: str | None) -> bool:
    return (
        (username is None or message.username == username)
        and (user_pool_id is None or message.user_pool_id == user_pool_id)
        and (kind is None or message.kind == kind)
    )


OUTBOX = Outbox()
"""The one outbox of this process."""
