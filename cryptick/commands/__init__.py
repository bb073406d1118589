"""Typer sub-applications of the ``cryptick`` command, one module per group."""
