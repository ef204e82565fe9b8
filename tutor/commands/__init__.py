"""One module per ``tutor`` subcommand; each exposes ``register(subparsers)``."""
