"""boto3 clients for one target: the embedded local AWS, an endpoint URL, or real AWS."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, partial

import boto3
import botocore.session
from botocore.client import BaseClient
from botocore.config import Config
from botocore.model import OperationModel

from engine.aws import along, service_data
from engine.aws.errors import client_error
from engine.aws.faults import NO_FAULTS, FaultInjector

# The access key id a `scenario serve --access-key-id` expects from its clients.
ACCESS_KEY_ENV = "SCENARIO_ACCESS_KEY_ID"
# Fake credentials for the local target: a real account can never be reached by accident.
LOCAL_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "aws_session_token": "testing"}


# botocore's standard retry mode backs off on throttling and transient errors.
_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5})
# Local clients never follow AWS_ENDPOINT_URL* from the environment or config files, nor dual-stack
# or FIPS settings (their hosts are not ones the local backend answers): the local target is the
# embedded backend or the --endpoint-url given, nothing else.
_LOCAL_CONFIG = _CONFIG.merge(
    Config(
        ignore_configured_endpoint_urls=True,
        use_dualstack_endpoint=False,
        use_fips_endpoint=False,
        s3={"use_dualstack_endpoint": False, "addressing_style": "path"},
    )
)
# The engine's own calls (leases, the target's journal) go through clients of their own, never the
# ones the steps' call counting is hooked on: a heartbeat thread's call must not shift the count.
_UNCOUNTED_CONFIG = _CONFIG.merge(Config())
_LOCAL_UNCOUNTED_CONFIG = _LOCAL_CONFIG.merge(Config())
# Settings botocore reads from the environment that could send a local client elsewhere.
_LOCAL_OVERRIDES = {
    "use_dualstack_endpoint": False,
    "use_fips_endpoint": False,
    "ca_bundle": None,
    "ignore_configured_endpoint_urls": True,
    "sts_regional_endpoints": "regional",
}


@cache
def _local_session(region: str, access_key_id: str | None = None) -> boto3.session.Session:
    # One session per region (and access key id) for the whole process, each on a botocore session of its own:
    # two boto3 sessions on one botocore session register boto3's client customisations twice, and the next
    # S3 client class then fails ("Cannot inject class attribute"). The models are parsed once per process
    # whatever the session (``service_data.loader``).
    core = botocore.session.Session()
    core.register_component("data_loader", service_data.loader())  # the models, parsed once per process
    # Nothing of the user's AWS set-up applies locally: no profile (AWS_PROFILE may name one that
    # does not exist here), no config or credentials file.
    core.set_config_variable("profile", None)
    core.set_config_variable("config_file", os.devnull)
    core.set_config_variable("credentials_file", os.devnull)
    for name, value in _LOCAL_OVERRIDES.items():
        core.set_config_variable(name, value)
    credentials = dict(LOCAL_CREDENTIALS)
    if access_key_id is not None:  # a `scenario serve --access-key-id` accepts only that key id
        credentials = {
            "aws_access_key_id": access_key_id,
            "aws_secret_access_key": credentials["aws_secret_access_key"],
        }
    return boto3.session.Session(region_name=region, botocore_session=core, **credentials)


@dataclass(frozen=True)
class CallHooks:
    """What a run attaches to its AWS calls, fixed when its ``Clients`` are made."""

    # Testing aid (--fault-at N): the Nth counted call fails with InjectedFault.
    fault_at: int | None = None
    # ``-v``: called with ("request"|"response", "service.Operation", data) for every call.
    trace: Callable[[str, str, object], None] | None = None
    # The test suite's faults (``engine.aws.faults``); inert otherwise.
    faults: FaultInjector = NO_FAULTS


NO_HOOKS = CallHooks()


class _Listeners:
    """The ``Clients`` attached to one shared client: its call hooks are registered once, when it is made, and
    pass each call on to whoever is attached (registering a hook with botocore inspects the handler's
    signature, which cost every run about 1 ms)."""

    def __init__(self) -> None:
        self.attached: dict[int, Clients] = {}

    def register_on(self, client: BaseClient, endpoint_url: str | None) -> None:
        client.meta.events.register("before-call.*.*", self._before_call, unique_id="scenario-run-before-call")
        client.meta.events.register("before-parameter-build.*.*", self._request, unique_id="scenario-run-request")
        client.meta.events.register("after-call.*.*", self._response, unique_id="scenario-run-response")
        # The run's lease and journal writes that go with its next call on a `scenario serve` (engine.aws.along):
        # attached before the signer runs, answered before the SDK's own retry rules look at the response. Only
        # a client made for an endpoint URL can reach one: the embedded backend's and AWS's never take them.
        if endpoint_url is None:
            return
        endpoint = client.meta.endpoint_url
        events = client.meta.events
        events.register_first("request-created.*.*", partial(along.attach, endpoint_url=endpoint), "scenario-along")
        events.register_first("needs-retry.*.*", along.answered, unique_id="scenario-along-answered")
        events.register("after-call.*.*", partial(along.notice, endpoint_url=endpoint), "scenario-along-notice")
        events.register("after-call-error.*.*", along.unanswered, unique_id="scenario-along-unanswered")

    def _each(self) -> list[Clients]:
        return list(self.attached.values())  # a copy: a run may attach or detach meanwhile

    def _before_call(self, model: OperationModel, **_: object) -> None:
        for clients in self._each():
            clients._before_call(model)

    def _request(self, params: object, model: OperationModel, **_: object) -> None:
        for clients in self._each():
            clients._request(params, model)

    def _response(self, parsed: object, model: OperationModel, **_: object) -> None:
        for clients in self._each():
            clients._response(parsed, model)


_CLIENTS: dict[tuple[int, str, str | None, int], tuple[BaseClient, _Listeners]] = {}
_CLIENTS_LOCK = threading.Lock()


def _shared_client(
    session: boto3.session.Session, service: str, endpoint_url: str | None, config: Config
) -> tuple[BaseClient, _Listeners]:
    """One client per (session, service, endpoint) for the process: building a client class is slow."""
    key = (id(session), service, endpoint_url, id(config))
    with _CLIENTS_LOCK:
        found = _CLIENTS.get(key)
        if found is None:
            client = session.client(service, endpoint_url=endpoint_url, config=config)
            listeners = _Listeners()
            listeners.register_on(client, endpoint_url)
            found = _CLIENTS[key] = (client, listeners)
        return found


class Clients:
    """Creates and caches one boto3 client per service, all on the same session and endpoint."""

    def __init__(
        self,
        session: boto3.session.Session,
        *,
        endpoint_url: str | None = None,
        local: bool = False,
        hooks: CallHooks = NO_HOOKS,
        counted: bool = True,
    ) -> None:
        self.session = session
        self.endpoint_url = endpoint_url
        self.region = session.region_name or "us-east-1"
        if counted:
            self._config = _LOCAL_CONFIG if local else _CONFIG
        else:
            self._config = _LOCAL_UNCOUNTED_CONFIG if local else _UNCOUNTED_CONFIG
        self._cache: dict[str, BaseClient] = {}
        self._listening: list[_Listeners] = []
        self.hooks = hooks
        # Every call the scenario's steps make, in order ("cognito-idp.SignUp"); counted only inside
        # ``counting_calls()``, so deploying the stack and cleaning up are not part of it.
        self.calls: list[str] = []
        self._counting = False

    @classmethod
    def for_local(cls, region: str, endpoint_url: str | None = None, *, hooks: CallHooks = NO_HOOKS) -> Clients:
        """Clients with fake credentials, for the embedded backend or a local server."""
        # A `scenario serve` started with --access-key-id accepts only that key id.
        access_key = (os.environ.get(ACCESS_KEY_ENV) or None) if endpoint_url else None
        session = _local_session(region, access_key)
        return cls(session, endpoint_url=endpoint_url, local=True, hooks=hooks)

    @classmethod
    def for_aws(cls, region: str | None, profile: str | None = None, *, hooks: CallHooks = NO_HOOKS) -> Clients:
        """Clients on the default credential chain: only when the user asked for real AWS."""
        # boto3 reads AWS_DEFAULT_REGION only; AWS_REGION is what the AWS CLI v2 and the SDKs of other languages read.
        region = region or os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION") or None
        return cls(boto3.session.Session(region_name=region, profile_name=profile), hooks=hooks)

    @contextmanager
    def counting_calls(self) -> Iterator[None]:
        """The scenario's own calls are made inside this: counted, and the Nth failed by --fault-at."""
        self._counting = True
        try:
            yield
        finally:
            self._counting = False

    @property
    def local(self) -> bool:
        """Whether these clients talk to the local AWS (embedded, or a local server at ``endpoint_url``)."""
        return self._config is _LOCAL_CONFIG or self._config is _LOCAL_UNCOUNTED_CONFIG

    def uncounted(self) -> Clients:
        """Clients on the same session and endpoint whose calls are not the scenario's (leases, journals)."""
        return Clients(
            self.session,
            endpoint_url=self.endpoint_url,
            local=self.local,
            hooks=CallHooks(faults=self.hooks.faults),
            counted=False,
        )

    def client(self, service: str) -> BaseClient:
        """The cached client for ``service`` (a boto3 service name such as ``cognito-idp``)."""
        client = self._cache.get(service)
        if client is None:
            client, listeners = _shared_client(self.session, service, self.endpoint_url, self._config)
            # Clients are shared: this run's hooks are attached to the client's listeners until ``close``.
            listeners.attached[id(self)] = self
            self._listening.append(listeners)
            self._cache[service] = client
        return client

    def close(self) -> None:
        """Detach this run's call counting from the shared clients."""
        for listeners in self._listening:
            listeners.attached.pop(id(self), None)
        self._listening.clear()
        self._cache.clear()

    def _request(self, params: object, model: OperationModel) -> None:
        if self.hooks.trace is not None:
            self.hooks.trace("request", f"{model.service_model.service_name}.{model.name}", params)

    def _response(self, parsed: object, model: OperationModel) -> None:
        if self._counting:
            self.hooks.faults.at("after", len(self.calls))
        if self.hooks.trace is not None:
            self.hooks.trace("response", f"{model.service_model.service_name}.{model.name}", parsed)

    def _before_call(self, model: OperationModel) -> None:
        self.hooks.faults.before_call()
        if not self._counting:
            return
        self.calls.append(f"{model.service_model.service_name}.{model.name}")
        self.hooks.faults.at("before", len(self.calls))
        fault_at = self.hooks.fault_at
        if fault_at is not None and len(self.calls) == fault_at:
            raise client_error("InjectedFault", f"fault injected at AWS call {fault_at} ({model.name})", model.name)
