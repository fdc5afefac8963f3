"""``scenario load FLOW.yaml``: the scenario as Locust virtual users, on one machine or many."""

from __future__ import annotations

from pathlib import Path

import click

from engine.cli.commands import TARGETS

EPILOG = (
    "Needs the load extra: pip install 'scenario-run[load]'. Exit codes: 0 no request failed (or no more than "
    "--fail-ratio); --exit-code-on-error (1) when some did; 2 bad input, nothing ran; 130 stopped by a signal, "
    "after the running iterations cleaned up."
)


@click.command("load", epilog=EPILOG)
@click.argument("flow", type=click.Path(path_type=Path, dir_okay=False))
@click.option("-u", "--users", default=1, show_default=True, type=int, help="Virtual users at the peak.")
@click.option("-r", "--spawn-rate", default=1.0, show_default=True, type=float, help="Users started per second.")
@click.option("-t", "--run-time", help="Stop after this long (30s, 2m, 1h30m); required with --target aws.")
@click.option(
    "--answers",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Answers file: a mapping for every user, or a list of answer sets spread over the users.",
)
@click.option(
    "--env-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="KEY=VALUE lines giving the scenario's env: variables (the environment wins over the file).",
)
@click.option(
    "--target",
    type=TARGETS,
    default="local",
    show_default=True,
    help="local: a loopback scenario serve started for the load. aws: your real account.",
)
@click.option("--endpoint-url", help="Load this endpoint (a running scenario serve, LocalStack) instead.")
@click.option("--stack", "stack_name", help="Read outputs of this existing stack instead of deploying.")
@click.option("--region", help="AWS region (default: us-east-1 locally, your configuration on aws).")
@click.option("--profile", help="AWS profile for --target aws.")
@click.option("--csv", "csv_prefix", metavar="PREFIX", help="Write Locust's CSV files (PREFIX_stats.csv ...).")
@click.option("--html", type=click.Path(path_type=Path, dir_okay=False), help="Write Locust's HTML report here.")
@click.option("--exit-code-on-error", default=1, show_default=True, type=int, help="Exit code when a request failed.")
@click.option("--fail-ratio", type=float, help="Fail only when more than this share (0-1) of the requests failed.")
@click.option(
    "--stop-timeout",
    type=float,
    help="Seconds a stopping user may finish its iteration before it is "
    "interrupted (it still cleans up). Default: interrupted at once.",
)
@click.option("--master", is_flag=True, help="Run no users: drive the workers and gather their statistics.")
@click.option("--expect-workers", default=1, show_default=True, type=int, help="With --master: workers to wait for.")
@click.option("--master-bind-host", help="With --master: the address to listen on for workers (default: all).")
@click.option("--master-bind-port", type=int, help="With --master: the port to listen on (Locust's default 5557).")
@click.option("--worker", is_flag=True, help="Run users for a master (--master-host).")
@click.option("--master-host", default="127.0.0.1", show_default=True, help="With --worker: the master's address.")
@click.option("--master-port", type=int, help="With --worker: the master's port (Locust's default 5557).")
def load_command(
    flow: Path,
    users: int,
    spawn_rate: float,
    run_time: str | None,
    answers: Path | None,
    env_file: Path | None,
    target: str,
    endpoint_url: str | None,
    stack_name: str | None,
    region: str | None,
    profile: str | None,
    csv_prefix: str | None,
    html: Path | None,
    exit_code_on_error: int,
    fail_ratio: float | None,
    stop_timeout: float | None,
    master: bool,
    expect_workers: int,
    master_bind_host: str | None,
    master_bind_port: int | None,
    worker: bool,
    master_host: str,
    master_port: int | None,
) -> None:
    """Run the scenario FLOW in a loop as Locust virtual users, each iteration with its own run_id and cleanup."""
    from engine.errors import exit_process
    from engine.load.config import LoadConfig
    from engine.load.launch import LoadOptions, run_load

    config = LoadConfig(
        scenario=str(flow.resolve()),
        target=target,
        endpoint_url=endpoint_url,
        stack_name=stack_name,
        region=region,
        profile=profile,
        answers=str(answers.resolve()) if answers else None,
        fail_ratio=fail_ratio,
        env_file=str(env_file.resolve()) if env_file else None,
    )
    options = LoadOptions(
        config,
        users=users,
        spawn_rate=spawn_rate,
        run_time=run_time,
        csv=csv_prefix,
        html=str(html) if html else None,
        exit_code_on_error=exit_code_on_error,
        stop_timeout=stop_timeout,
        master=master,
        expect_workers=expect_workers,
        master_bind_host=master_bind_host,
        master_bind_port=master_bind_port,
        worker=worker,
        master_host=master_host,
        master_port=master_port,
    )
    exit_process(run_load(options))
