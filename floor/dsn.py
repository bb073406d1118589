"""A ClickHouse DSN as it may be shown: in output, logs and error messages.

``http://user:password@host:8123/db`` carries the server's password; clickhouse-connect also takes
credentials as query parameters (``?password=…``, ``?access_token=…``). Whatever prints a DSN prints
``redact_dsn(dsn)``: the password and any such parameter become ``***``; the scheme, user, host, port,
database or chDB path stay, so the message still says which archive it is about.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

MASK = "***"
# query parameters that are credentials (clickhouse-connect hands any of them to the client)
_SECRET_PARAM = re.compile(r"pass|secret|token|key|auth|cred", re.IGNORECASE)
_USERINFO = re.compile(r"^([^/?#]*//)[^/?#]*@")


def redact_dsn(dsn: str) -> str:
    """``dsn`` with its password and credential query parameters replaced by ``***``."""
    try:
        parts = urlsplit(dsn)
    except ValueError:  # not a URL that splits (a broken IPv6 host): nothing after the scheme is kept
        return _USERINFO.sub(lambda m: f"{m.group(1)}{MASK}@", dsn) if "@" in dsn else dsn
    netloc = parts.netloc
    userinfo, at, hostport = netloc.rpartition("@")
    if at and ":" in userinfo:
        netloc = f"{userinfo.partition(':')[0]}:{MASK}@{hostport}"
    query = "&".join(_redact_param(p) for p in parts.query.split("&"))
    return (f"{parts.scheme}:" if parts.scheme else "") + ("//" + netloc if "//" in dsn else "") \
        + parts.path + (f"?{query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else "")


def _redact_param(param: str) -> str:
    name, eq, _ = param.partition("=")
    return f"{name}={MASK}" if eq and _SECRET_PARAM.search(name) else param
