"""A DSN is shown with its password masked: the rest still says which archive it is."""

from __future__ import annotations

import pytest

from floor.dsn import redact_dsn


@pytest.mark.parametrize(("dsn", "shown"), [
    ("http://default:s3cret@clickhouse:8123/default", "http://default:***@clickhouse:8123/default"),
    ("https://u:p%40ss@[::1]:8443/db?secure=true", "https://u:***@[::1]:8443/db?secure=true"),
    ("http://u:a@b@host/db", "http://u:***@host/db"),  # an unescaped @ in the password
    ("http://:s3cret@host", "http://:***@host"),
    ("http://host:8123/db?user=u&password=s3cret&access_token=t0k", "http://host:8123/db?user=u&password=***&access_token=***"),
    ("postgres://u:s3cret@h/db", "postgres://u:***@h/db"),  # refused by Settings, shown so
    ("http://u:s3cret@[::1/db", "http://***@[::1/db"),  # not a URL urlsplit takes
])
def test_the_password_is_masked(dsn: str, shown: str) -> None:
    assert redact_dsn(dsn) == shown


@pytest.mark.parametrize("dsn", ["chdb:///home/u/.cache/cryptick/chdb", "chdb://memory", "http://u@host:8123/db",
                                 "http://host:8123", ""])
def test_a_dsn_without_a_password_is_shown_as_it_is(dsn: str) -> None:
    assert redact_dsn(dsn) == dsn
