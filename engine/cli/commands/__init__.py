"""One module per ``scenario`` subcommand; ``engine.cli.main`` puts them together."""

from __future__ import annotations

import click

TARGETS = click.Choice(["local", "aws"])  # --target of `scenario run`, `scenario-run` and `scenario stack`
