"""Turning the local AWS on and off for this process.

moto's ``mock_aws`` is process-wide (class-level state, environment variables, one set of
backends), so ``LocalAWS`` and ``LocalServer`` share one activation, counted: the first user
starts it (fresh, empty backends; outbox cleared), the last one stops it (all data dropped).
Starting it while a server already runs therefore never resets the server's state.

Within ``kept()`` (``scenario-run FILE...``: each file gets a fresh backend) the last user's release
empties the backends in place instead, and mock_aws stays on for the next user: the next file finds
empty backends all the same, without mock_aws's stop and start (~2.5 ms, ~1,250 URL patterns registered
again), and a Lambda environment invoked in this file stays warm for the next one's restore of the same
function (``awslambda.runtime.retire_idle``).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator

from moto import mock_aws
from moto.core.base_backend import BackendDict
from moto.core.model_instances import reset_model_data
from moto.core.models import MockAWS

from engine.local import hooks
from engine.local.awslambda.runtime import reset_instances, retire_idle
from engine.local.outbox import OUTBOX

_lock = threading.Lock()
_users = 0
_kept = 0  # open ``kept()`` blocks
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
        if _users == 0 and _mock is None:
            _mock = mock_aws()
            _mock.start()
            OUTBOX.clear()
            reset_instances()
        _users += 1


def release() -> None:
    """Undo one ``acquire``; the last one drops all local data and stops ``mock_aws`` (not within ``kept``)."""
    global _users, _mock
    with _lock:
        if _users == 0:
            return
        _users -= 1
        if _users == 0 and _mock is not None:
            if _kept:
                _empty_in_place()
            else:
                _stop()


@contextlib.contextmanager
def kept() -> Iterator[None]:
    """Within this block, the last user's release empties the backends in place and leaves mock_aws on;
    leaving it stops mock_aws if no user is left. Starts nothing by itself."""
    global _kept
    with _lock:
        _kept += 1
    try:
        yield
    finally:
        with _lock:
            _kept -= 1
            if _kept == 0 and _users == 0 and _mock is not None:
                _stop()


def _stop() -> None:
    global _mock
    assert _mock is not None
    hooks.forget_cloudformation_callbacks()
    _mock.stop()
    _mock = None
    reset_instances()


def _empty_in_place() -> None:
    """What stopping mock_aws drops (every backend, moto's model index), the outbox and what was to be
    restored into the backends; the idle Lambda environments end."""
    hooks.forget_cloudformation_callbacks()
    BackendDict.reset()
    reset_model_data()
    OUTBOX.clear()
    retire_idle()


def active() -> bool:
    return _users > 0
