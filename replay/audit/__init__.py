"""Audit reports over the archive: what happened, who did it, and proofs that nothing broke.

Each report is a function of a ClickHouse client, the namespace it reads (``""`` the live one, a
backtest's own) and bound parameters, returning an ``AuditTable``: columns, rows and a summary (what
was checked, how many). The CLI (``cryptick audit``) and the API (``GET /audit/...``) print or export
the same tables. Reports only read; they take no SQL from their caller.
"""

from replay.audit.table import AuditTable

__all__ = ["AuditTable"]
