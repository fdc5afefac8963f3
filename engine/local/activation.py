"""Turning the local AWS on and off for this process.

moto's ``mock_aws`` is process-wide (class-level state, environment variables, one set of
backends), so ``LocalAWS`` and ``LocalServer`` share one activation, counted: the first user
starts it (fresh, empty backends; outbox cleared), the last one stops it (all data dropped).
Starting it while a server already runs therefore never resets the server's state.
"""

from __future__ import annotations

import os
import threading

from moto import mock_aws
from moto.core.models import MockAWS

from engine.local import hooks
from engine.local.awslambda.runtime import reset_instances
from engine.local.outbox import OUTBOX

_lock = threading.Lock()
_users = 0
_mock: MockAWS | None = None


# The user's own AWS set-up must not reach the local AWS: moto and the Lambda handlers build
# default boto3 sessions, which would read a profile that may not exist here, config files, or an
# endpoint override that sends calls somewhere else entirely.
_FOREIGN_SETTINGS = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_CA_BUNDLE")


def isolate_environment() -> None:
    """Drop the user's AWS profile, files and endpoints from this process's environment."""
    for name in [n for n in os.environ if n in _FOREIGN_SETTINGS or n.startswith("AWS_ENDPOINT_URL_")]:
        del os.environ[name]
    os.environ["AWS_CONFIG_FILE"] = os.devnull
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull


def acquire() -> None:
    """Install the hooks (once) and make sure ``mock_aws`` is active; pair with ``release``."""
    global _users, _mock
    isolate_environment()
    hooks.install(active)
    with _lock:
        if _users == 0:
            _mock = mock_aws()
            _mock.start()
            OUTBOX.clear()
            reset_instances()
        _users += 1


def release() -> None:
    """Undo one ``acquire``; the last one stops ``mock_aws`` and drops all local data."""
    global _users, _mock
    with _lock:
        if _users == 0:
            return
        _users -= 1
        if _users == 0 and _mock is not None:
            hooks.forget_cloudformation_callbacks()
            _mock.stop()
            _mock = None
            reset_instances()


def active() -> bool:
    return _users > 0
