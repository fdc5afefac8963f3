"""``scenario serve``: the embedded local AWS over HTTP."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=4566, show_default=True, type=int)
@click.option("--region", default="us-east-1", show_default=True)
@click.option("--cors-origin", help="Let web pages of this origin call the server (e.g. http://localhost:3000).")
@click.option("--access-key-id", envvar="SCENARIO_ACCESS_KEY_ID", help="Accept only requests with this access key id.")
@click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep the whole local AWS in this directory (a snapshot at most every second, and on stop) and "
    "load it on start. Without it, the state is in memory only and lost when the server stops.",
)
def serve_command(
    host: str, port: int, region: str, cors_origin: str | None, access_key_id: str | None, state_dir: Path | None
) -> None:
    """Serve the embedded local AWS over HTTP (triggers fire, codes go to /_scenario/outbox).

    Everything is in memory only, unless --state-dir is given."""
    import time

    from engine.local.server import LocalServer, exposure_warning

    server = LocalServer(
        host=host,
        port=port,
        region=region,
        cors_origin=cors_origin,
        access_key_id=access_key_id,
        state_dir=state_dir,
    )
    if warning := exposure_warning(host):
        click.echo(click.style(warning, fg="red", bold=True), err=True)
    url = server.start()
    kept = f"The state is kept in {state_dir}." if state_dir is not None else "The state is in memory only."
    click.echo(f"Local AWS listening on {url} (outbox: {url}/_scenario/outbox). {kept} Ctrl-C to stop.")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        click.echo("Stopping.")
    finally:
        server.stop()
