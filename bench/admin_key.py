"""A bench's own admin: a fresh auth store in a folder of the run and a key made for it.

Every API route but ``GET /health`` and ``POST /auth/login`` needs a credential. A bench registers its
key in a store nobody else uses (never the machine's ``<CRYPTICK_CACHE>/auth.db``) and lifts the
per-credential rate limit, so that it measures the API, not the limiter:
  a ``cryptick api`` child (``ApiProcess(..., env=key.env)``) registers the key itself at start
  (``CRYPTICK_ADMIN_KEY``, ``ensure_admin``);
  an app made in this process (``create_app(settings.model_copy(update=key.settings))``) does not:
  call ``key.register()`` once.
Every request then sends ``key.headers`` (``httpx.Client(headers=key.headers)``).

Only the standard library here: ``bench/api.py`` imports this module while it shadows the ``api``
package, and ``register`` imports the store only when called.
"""

from __future__ import annotations

import secrets
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

UNLIMITED = 1_000_000  # requests per second, and burst: far above anything a bench sends


@dataclass(frozen=True, slots=True)
class AdminKey:
    db: Path  # the auth store (SQLite)
    key: str  # ck_<id>.<secret>

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    @property
    def env(self) -> dict[str, str]:
        """The environment of a ``cryptick api`` child."""
        return {"CRYPTICK_AUTH_DB": str(self.db), "CRYPTICK_ADMIN_KEY": self.key,
                "RATE_LIMIT_PER_S": str(UNLIMITED), "RATE_LIMIT_BURST": str(UNLIMITED)}

    @property
    def settings(self) -> dict[str, Any]:
        """The ``Settings.model_copy(update=...)`` of an app made in this process."""
        return {"cryptick_auth_db": self.db, "rate_limit_per_s": float(UNLIMITED),
                "rate_limit_burst": UNLIMITED}

    def register(self) -> None:
        """Make ``admin`` (role admin, every account) with this key in the store, as ``cryptick api``
        does at start."""
        from api.security.store import AuthStore, bootstrap_admin

        store = AuthStore(self.db)
        try:
            bootstrap_admin(store, int(time.time()), None, self.key)
        finally:
            store.close()


def admin_key(folder: Path | None = None) -> AdminKey:
    """A new key, for a store ``auth.db`` in ``folder`` (a new temporary folder if None)."""
    folder = folder if folder is not None else Path(tempfile.mkdtemp(prefix="bench-auth-"))
    key = f"ck_bench{secrets.token_hex(6)}.{secrets.token_urlsafe(32)}"
    return AdminKey(folder / "auth.db", key)
