"""``scenario load``'s own process: check the scenario, give it a loopback server, start Locust.

Locust runs in a child process (``python -m engine.load.main``) so that gevent never patches this
one, which owns the loopback ``scenario serve`` of the local target and the engine's signal
handling. A signal here (Ctrl-C, SIGTERM) is passed on to Locust once, which stops its users, each
after its running iteration has cleaned up; the third one kills Locust, and what its iterations
had made is then left in their journals (``scenario cleanup``).
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from engine.errors import InputError, load_exit_code
from engine.load.config import WORKERS_OPTION, LoadConfig, run_time_seconds
from engine.load.scenario import LoadedScenario, load
from engine.reports.console import Console
from engine.run import interrupts, signals
from engine.secrets import Secrets

INSTALL_HINT = "pip install 'scenario-run[load]'"
_KILL_AFTER = 3  # signals: the third one kills Locust and its iterations with it


@dataclass(frozen=True)
class LoadOptions:
    """``scenario load``'s options: the scenario's side, then Locust's."""

    config: LoadConfig
    users: int = 1
    spawn_rate: float = 1.0
    run_time: str | None = None
    csv: str | None = None
    html: str | None = None
    exit_code_on_error: int = 1
    stop_timeout: float | None = None
    master: bool = False
    expect_workers: int = 1
    master_bind_host: str | None = None
    master_bind_port: int | None = None
    worker: bool = False
    master_host: str | None = None
    master_port: int | None = None

    def locust_args(self) -> list[str]:
        """The Locust command line of this load (the child's ``sys.argv[1:]``)."""
        if self.worker:
            args = ["--worker", "--master-host", self.master_host or "127.0.0.1"]
            return args + (["--master-port", str(self.master_port)] if self.master_port else [])
        args = ["--headless", "--users", str(self.users), "--spawn-rate", f"{self.spawn_rate:g}"]
        args += ["--exit-code-on-error", str(self.exit_code_on_error)]
        for flag, value in (("--run-time", self.run_time), ("--csv", self.csv), ("--html", self.html)):
            if value:
                args += [flag, value]
        if self.stop_timeout is not None:
            args += ["--stop-timeout", f"{self.stop_timeout:g}"]
        if self.master:
            args += ["--master", "--expect-workers", str(self.expect_workers), WORKERS_OPTION, str(self.expect_workers)]
            if self.master_bind_host:
                args += ["--master-bind-host", self.master_bind_host]
            if self.master_bind_port:
                args += ["--master-bind-port", str(self.master_bind_port)]
        return args


def locust_installed() -> bool:
    """Found without importing it: importing Locust patches this process with gevent."""
    return importlib.util.find_spec("locust") is not None


def check(options: LoadOptions) -> None:
    """The command line errors that stop a load before anything starts."""
    if not locust_installed():
        raise InputError("`scenario load` needs Locust, which is not installed", hint=f"install it: {INSTALL_HINT}")
    if options.master and options.worker:
        raise InputError("--master and --worker exclude each other", hint="a process is the master or a worker")
    config = options.config
    if config.target == "aws" and config.endpoint_url:
        raise InputError("--target aws and --endpoint-url exclude each other", hint="give one of them")
    if config.target == "aws" and not options.worker and not options.run_time:
        raise InputError(
            "a load on --target aws needs --run-time: it makes real requests, which AWS charges for",
            hint="add --run-time, e.g. --run-time 1m",
        )
    if options.run_time:
        run_time_seconds(options.run_time)
    if options.users < 1 or options.spawn_rate <= 0:
        raise InputError("--users must be at least 1 and --spawn-rate above 0", hint="e.g. --users 10 --spawn-rate 2")
    if options.config.fail_ratio is not None and not 0 <= options.config.fail_ratio <= 1:
        raise InputError(
            f"--fail-ratio {options.config.fail_ratio:g} is not between 0 and 1", hint="e.g. --fail-ratio 0.01 for 1%"
        )


def run_load(options: LoadOptions) -> int:
    """Check, prepare the target, run Locust to its end; returns the process exit code."""
    check(options)
    config = options.config
    console = Console(Secrets())
    scenario = load(config)  # bad input stops here, before a server or Locust starts
    if config.target == "aws" and not options.master:
        from engine.run.targets import open_target

        # No credentials or no region: said once here, not by every user Locust starts.
        open_target("aws", region=config.region, endpoint_url=None, profile=config.profile).close()
    if config.target == "aws":
        console.warn(
            "this load makes real requests on your AWS account: Cognito's request-rate quotas apply "
            "(TooManyRequestsException) and you pay for what it makes"
        )
    with _endpoint(options, scenario, console) as config:
        child = replace(options, config=config)
        code, interrupted = _run_locust(child)
    return load_exit_code(code, interrupted=interrupted)


@contextmanager
def _endpoint(options: LoadOptions, scenario: LoadedScenario, console: Console) -> Iterator[LoadConfig]:
    """The configuration Locust gets: on the local target, a loopback server of this process's,
    with the scenario's stack deployed once; a master runs no user and needs none."""
    config = options.config
    if config.target != "local" or config.endpoint_url or options.master:
        yield replace(config, target="aws" if config.target == "aws" else "endpoint")
        return
    from engine.aws.clients import Clients
    from engine.local.server import LocalServer
    from engine.plan.code_notice import code_notice
    from engine.run.targets import DEFAULT_REGION, Target

    if notice := code_notice(scenario.plan):
        console.say(notice)  # as `scenario-run` says it: the iterations' own consoles are not shown

    region = config.region or DEFAULT_REGION
    server = LocalServer(host="127.0.0.1", port=0, region=region)
    url = server.start()
    try:
        console.say(f"Local AWS for the load listening on {url}")
        clients = Clients.for_local(region, endpoint_url=url)
        try:
            # Deployed as a run on the local target deploys it, once for every iteration to read.
            Target("local", clients).stack_outputs(
                scenario.plan.stack,
                scenario.plan.path.parent,
                config.stack_name,
                lambda text: console.step("ok", "stack", "deploy", text),
            )
        finally:
            clients.close()
        yield replace(config, target="endpoint", endpoint_url=url)
    finally:
        server.stop()


def _run_locust(options: LoadOptions) -> tuple[int, bool]:
    """Locust's exit code, and whether a signal stopped it."""
    env = {**os.environ, **options.config.to_env()}
    command = [sys.executable, "-m", "engine.load.main", *options.locust_args()]
    # A session of its own: Ctrl-C at the terminal reaches this process only, which passes it on once.
    process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, start_new_session=True)
    signalled = 0
    with signals.interrupting():
        while True:
            try:
                return process.wait(), signalled > 0
            except KeyboardInterrupt:
                interrupts.clear()
                signalled += 1
                _pass_on(process, signalled)


def _pass_on(process: subprocess.Popen[bytes], signalled: int) -> None:
    if signalled == 1:
        print(
            "Stopping: the running iterations finish their cleanup (Ctrl-C twice more to kill them).", file=sys.stderr
        )
        process.send_signal(signal.SIGTERM)
    elif signalled < _KILL_AFTER:
        print("Still cleaning up: once more kills Locust.", file=sys.stderr)
    else:
        print(
            "Killing Locust: what its iterations made is left in their journals (`scenario cleanup`).", file=sys.stderr
        )
        process.kill()
