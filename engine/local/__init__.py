"""The embedded local AWS: moto, with Cognito user-pool Lambda triggers that really fire.

``LocalAWS`` activates it in this process (boto3 clients without an endpoint reach it);
``engine.local.server.LocalServer`` serves the same local AWS over HTTP. Shaped like moto, one
subpackage per service plus what they share; what moto lacks and this package adds (see ``hooks``
for the exact patches):

* ``awslambda``: Python Lambda functions run in-process (``awslambda.runtime``), with their logs
  in CloudWatch Logs (``awslambda.logs``);
* ``cognito``: each user pool's LambdaConfig triggers fire with Cognito's events and effects
  (``cognito.triggers`` is where a trigger is invoked); codes and invitations are generated,
  enforced and delivered to the ``Outbox`` (``cognito.messages``); DeleteUser and
  ResendConfirmationCode exist (``cognito.responses`` lists every operation answered here);
  ``cognito.models`` names what of moto's Cognito models the local Cognito relies on;
* ``cloudformation``: ``AWS::Cognito::UserPool``/``UserPoolClient`` deploy, ``AWS::Lambda::Permission``
  can be updated and deleted.

Shared: ``activation`` (turning it on and off), ``hooks`` (every patch to moto), ``compat``
(checking moto's shape), ``locking`` (the backend lock), ``outbox`` and ``server``.
"""

from __future__ import annotations

from types import TracebackType

from engine.local.outbox import OUTBOX, Message, Outbox

__all__ = ["LocalAWS", "Message", "Outbox"]

# moto (through ``activation``) is imported only once a LocalAWS is made: ``engine.run.targets`` imports
# ``engine.local.outbox``, which runs this file, and ``--target aws`` must not need moto.


class LocalAWS:
    """The local AWS in this process (moto's ``mock_aws`` plus this package's hooks).

    Use ``start()``/``stop()`` or ``with LocalAWS() as aws:``. Data lives from the first start
    in the process to the last stop (a running ``LocalServer`` counts as a user too).
    """

    def __init__(self, region: str = "us-east-1") -> None:
        from moto.core.models import DEFAULT_ACCOUNT_ID

        self.region = region
        self.account_id: str = DEFAULT_ACCOUNT_ID
        self._started = False

    @property
    def outbox(self) -> Outbox:
        """The process-wide outbox: every message the local Cognito sent."""
        return OUTBOX

    def start(self) -> None:
        """Activate the local AWS (idempotent); the hooks are installed once per process."""
        if not self._started:
            from engine.local import activation

            activation.acquire()
            self._started = True

    def stop(self) -> None:
        """Deactivate (idempotent); the last user in the process drops all local data."""
        if self._started:
            from engine.local import activation

            self._started = False
            activation.release()

    def __enter__(self) -> LocalAWS:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
