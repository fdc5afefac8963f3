"""Where a run's AWS calls go: the embedded local AWS (default), an endpoint URL, or real AWS.

Nothing reaches a real account unless ``--target aws`` was given: the local target forces
fake credentials, and an endpoint URL gets fake credentials too.
"""

from __future__ import annotations

import json
import os
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError

from engine import startup
from engine.aws import endpoint_guard
from engine.aws.clients import ACCESS_KEY_ENV, NO_HOOKS, CallHooks, Clients
from engine.aws.errors import describe
from engine.errors import TargetError
from engine.local.outbox import Message, OutboxReader  # no moto: --target aws must not need it
from engine.plan.loader import read_text_file

if TYPE_CHECKING:
    from engine.local import LocalAWS

DEFAULT_REGION = "us-east-1"
# The header that carries the access key id to a `scenario serve --access-key-id` outbox.
ACCESS_KEY_HEADER = "X-Scenario-Access-Key-Id"


class HttpOutbox:
    """The outbox of a running ``scenario serve``, read over HTTP."""

    def __init__(self, endpoint_url: str) -> None:
        self.url = endpoint_url.rstrip("/") + "/_scenario/outbox"

    def messages(
        self, *, username: str | None = None, user_pool_id: str | None = None, kind: str | None = None
    ) -> list[Message]:
        return self._read({"username": username, "user_pool_id": user_pool_id, "kind": kind})

    def latest(
        self, *, username: str | None = None, user_pool_id: str | None = None, kind: str | None = None
    ) -> Message | None:
        """The newest matching message: the server sends only that one (a long-lived server keeps thousands)."""
        found = self._read({"username": username, "user_pool_id": user_pool_id, "kind": kind, "latest": "1"})
        return found[-1] if found else None

    def _read(self, filters: dict[str, str | None]) -> list[Message]:
        query = urllib.parse.urlencode({k: v for k, v in filters.items() if v})
        try:
            request = urllib.request.Request(f"{self.url}?{query}")
            access_key = os.environ.get(ACCESS_KEY_ENV)
            if access_key:
                request.add_header(ACCESS_KEY_HEADER, access_key)
            with urllib.request.urlopen(request, timeout=10) as response:
                data = json.load(response)
        except OSError as exc:
            raise TargetError(
                f"cannot read the outbox at {self.url}: {exc}", hint="the endpoint must be a `scenario serve` server"
            ) from None
        items = data.get("messages", data) if isinstance(data, dict) else data
        fields = Message.__dataclass_fields__
        return [
            Message(**{k: v for k, v in m.items() if k in fields} | {"time": datetime.fromisoformat(m["time"])})
            for m in items
        ]

    def subscribe(self, callback: Callable[[Message], None]) -> Callable[[], None]:
        """The server does not push its messages to this process: ``callback`` is never called."""
        return _no_op


def _no_op() -> None:
    pass


@dataclass
class Target:
    """An opened target: its clients, its outbox (local only) and how to get stack outputs."""

    name: str  # local | endpoint | aws
    clients: Clients
    outbox: OutboxReader | None = None
    local: LocalAWS | None = None
    profile: str | None = None
    # Outputs of stacks this process deployed on this target and still has (``engine.api``), by stack name.
    known_outputs: dict[str, dict[str, str]] = field(default_factory=dict)

    def stack_outputs(
        self, spec: Mapping[str, Any] | None, scenario_dir: Path, stack_name: str | None, log: Callable[[str], None]
    ) -> dict[str, str]:
        """Outputs of the scenario's stack; on the embedded backend the template is deployed first."""
        try:
            return self._stack_outputs(spec, scenario_dir, stack_name, log)
        finally:
            startup.done()  # the process's start-up ends with its first stack (``engine.startup``)

    def _stack_outputs(
        self, spec: Mapping[str, Any] | None, scenario_dir: Path, stack_name: str | None, log: Callable[[str], None]
    ) -> dict[str, str]:
        from engine import stack as stacks

        if spec is None and stack_name is None:
            return {}
        spec = spec or {}
        name = stack_name or spec.get("name") or stacks.DEFAULT_STACK_NAME
        try:
            # A stack that exists and that the scenario gives no template for is only read.
            if self.name == "local" and stack_name is None and (spec.get("template") or not self._exists(name)):
                outputs = self._deploy(spec, scenario_dir, name, log)
            else:
                known = self.known_outputs.get(name)
                outputs = dict(known) if known is not None else stacks.outputs(self.clients, name)
        except (ClientError, BotoCoreError) as exc:
            raise _target_error(exc, self.name) from None
        missing = [key for key in spec.get("outputs", []) if key not in outputs]
        if missing:
            raise TargetError(
                f"stack '{name}' has no output {', '.join(missing)}",
                hint="deploy the project's infra/template.yaml (`scenario stack deploy`)",
            )
        return outputs

    def _exists(self, name: str) -> bool:
        from engine.stack.status import describe

        return describe(self.clients, name) is not None

    def _deploy(
        self, spec: Mapping[str, Any], scenario_dir: Path, name: str, log: Callable[[str], None]
    ) -> dict[str, str]:
        from engine import stack as stacks
        from engine.plan.loader import locate

        template = Path(spec["template"]) if spec.get("template") else stacks.DEFAULT_TEMPLATE
        if not template.is_absolute():
            template = (scenario_dir / template).resolve()
        if template.exists() and not template.is_dir():  # a folder is a CDK cloud assembly (engine.stack.cdk)
            read_text_file(template, "CloudFormation template")  # a binary file, device or FIFO: bad input
        given = spec.get("parameters") or {}
        first = getattr(getattr(spec, "location", None), "file", "the scenario")
        outputs = stacks.deploy(
            self.clients,
            name,
            template,
            log=log,
            parameters=given,
            source=first,
            where=lambda key: locate(spec, ("parameters", key), key=True) if key else locate(spec, ("parameters",)),
        )
        return outputs

    def close(self) -> None:
        self.clients.close()
        if self.local is not None:
            self.local.stop()
            self.local = None
            endpoint_guard.uninstall()


def open_target(
    kind: str, *, region: str | None, endpoint_url: str | None, profile: str | None, hooks: CallHooks = NO_HOOKS
) -> Target:
    """Open the target the user asked for; ``hooks`` go on the clients of the run's steps."""
    if endpoint_url:
        clients = Clients.for_local(region or DEFAULT_REGION, endpoint_url=endpoint_url, hooks=hooks)
        return Target("endpoint", clients, outbox=HttpOutbox(endpoint_url))
    if kind == "aws":
        try:
            clients = Clients.for_aws(region, profile, hooks=hooks)
            if clients.session.get_credentials() is None:
                raise NoCredentialsError()
            if not clients.session.region_name:
                raise NoRegionError()
        except (BotoCoreError, ValueError) as exc:
            raise _target_error(exc, "aws") from None
        return Target("aws", clients, profile=profile)
    from engine.local import LocalAWS

    local = LocalAWS(region or DEFAULT_REGION)
    local.start()
    endpoint_guard.install()  # released by Target.close
    return Target("local", Clients.for_local(local.region, hooks=hooks), outbox=local.outbox, local=local)


def _target_error(exc: Exception, target: str) -> TargetError:
    if isinstance(exc, NoCredentialsError):
        return TargetError(
            "no AWS credentials found for --target aws",
            hint="configure credentials (aws configure, AWS_PROFILE, or environment variables)",
        )
    if isinstance(exc, NoRegionError):
        return TargetError(
            "no AWS region configured for --target aws", hint="pass --region or set AWS_DEFAULT_REGION (or AWS_REGION)"
        )
    if isinstance(exc, ClientError):
        return TargetError(
            describe(exc),
            hint="check the stack name (--stack) and that it is deployed on this target",
        )
    return TargetError(f"{type(exc).__name__}: {exc}", hint="check --endpoint-url" if target == "endpoint" else None)
