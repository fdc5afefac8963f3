"""One module per ``scenario`` subcommand; ``engine.cli.main`` puts them together."""
