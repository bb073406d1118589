"""Who the CLI says issued its commands (DESIGN §9: command events carry their principal)."""

from __future__ import annotations

import getpass


def cli_principal() -> str:
    """``cli:<OS user>``: the principal of every command the CLI sends (``cli:unknown`` if the OS cannot
    say who runs it, e.g. a container user with no name)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no LOGNAME/USER and no passwd entry for the uid
        user = "unknown"
    return f"cli:{user}"
