"""Worker roles that would split the book readers across processes are refused."""

from __future__ import annotations

import pytest

from cryptick.worker import processors


def test_strategies_without_matching_is_refused() -> None:
    with pytest.raises(ValueError, match="strategies role needs matching in the same worker"):
        processors("127.0.0.1:1", "ns", ("ledger", "routers", "strategies"))
