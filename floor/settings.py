"""Settings of every Cryptick service: from the environment (and an optional .env file)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationInfo, field_serializer, field_validator
from pydantic_settings import SettingsConfigDict

from floor.credentials import SecretSettings
from floor.dsn import redact_dsn


def _default_cache() -> Path:
    return Path.home() / ".cache" / "cryptick"


class Settings(SecretSettings):
    """Secrets (exchange keys, passwords, a DSN's password) never show: in a repr, an error or a log
    (``floor.credentials``)."""

    # a refused value is not echoed in the error: it may be a secret (a password, a DSN with one)
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", hide_input_in_errors=True)

    kafka_bootstrap_servers: str = Field(
        default="", description="host:port of a Kafka broker; empty: the local broker (infra up)"
    )
    clickhouse_dsn: str = Field(
        default="", description="chdb:///path (embedded, default) or http://host:8123"
    )
    clickhouse_audit_dsn: str = Field(
        default="", description="the read-only user's DSN for ad-hoc SQL (POST /audit/sql, cryptick audit "
        "sql) on a ClickHouse server; empty: the main DSN, held read-only per query")
    cryptick_cache: Path = Field(default_factory=_default_cache)
    cryptick_kafka_port: int = 9092
    cryptick_kafka_home: Path | None = Field(
        default=None, description="the local broker's data, log and pid directory; "
        "empty: <CRYPTICK_CACHE>/kafka-<port> (CI uses its own, started fresh)"
    )
    account: str = "main"
    cryptick_feeds: str = Field(
        default="coinbase:BTC-USD,ETH-USD,LTC-USD,BCH-USD,ZEC-USD",
        description="Venues and pairs to follow: 'coinbase:BTC-USD,ETH-USD;bitfinex:BTC-USD'",
    )
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    feed_silent_s: float = Field(default=60.0, gt=0, description="a book with no message (not even a clock "
                                 "tick) for this long makes /health say its feed is silent")
    snapshot_every: int = Field(default=10_000, ge=0, description="a worker snapshots each engine every this "
                                "many inputs of its inbox partition (a restart loads the latest and replays "
                                "only the inbox after it); 0: none, a restart replays the whole inbox")
    feed_metrics_port: int = Field(default=9466, ge=0, le=65535, description="`cryptick up`'s feed serves "
                                   "Prometheus's /metrics here (127.0.0.1)")
    worker_metrics_port: int = Field(default=9464, ge=0, le=65535, description="`cryptick up`'s worker "
                                     "serves Prometheus's /metrics here (127.0.0.1); the API at /metrics")
    sse_heartbeat_s: float = Field(default=15.0, gt=0, description="a comment line on an idle stream "
                                   "this often, so proxies keep it open")
    sse_max_pending: int = Field(default=10_000, ge=1, description="events waiting for one SSE client "
                                 "before it is dropped as too slow (it resumes with Last-Event-ID)")
    replica_snapshot_s: float = Field(default=60.0, gt=0, description="the API's read replica writes a "
                                      "snapshot this often (when it folded at least REPLICA_SNAPSHOT_MIN "
                                      "messages since the last), so a restart folds only what came after")
    replica_snapshot_min: int = Field(default=20_000, ge=1)
    sse_max_catch_up: int = Field(default=200_000, ge=0, description="events a resuming SSE client may "
                                  "have missed; further back it is told to reload")

    # --- security (api.security) -------------------------------------------------------------
    cryptick_auth_db: Path | None = Field(default=None, description="users, API keys and sessions "
                                          "(SQLite); empty: <CRYPTICK_CACHE>/auth.db")
    cryptick_admin_password: SecretStr | None = Field(default=None, description="the admin's password, "
                                                      "set at start (else one is made on a first start "
                                                      "and shown once)")
    cryptick_admin_key: SecretStr | None = Field(default=None, description="an API key of the admin "
                                                 "(ck_<id>.<secret>), registered at start")
    cors_origins: str = Field(default="", description="origins allowed to call the API from a browser, "
                              "comma-separated; empty: none (same-origin only)")
    rate_limit_per_s: float = Field(default=50.0, gt=0, description="requests per second per credential "
                                    "(or per client address without one)")
    rate_limit_burst: int = Field(default=200, ge=1)
    session_ttl_s: int = Field(default=12 * 3600, ge=60, description="a dashboard session's length")
    dashboard_dir: Path | None = Field(default=None, description="the built dashboard (index.html, "
                                       "assets/); empty: the project's dashboard/dist (make dashboard)")
    secure_cookies: bool = Field(default=False, description="mark the session cookie Secure even when "
                                 "the API sees plain HTTP (behind a TLS proxy)")

    @property
    def auth_db(self) -> Path:
        return self.cryptick_auth_db or self.cryptick_cache / "auth.db"

    @property
    def cors_origin_list(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]

    @field_validator("clickhouse_dsn", "clickhouse_audit_dsn")
    @classmethod
    def _check_dsn(cls, v: str, info: ValidationInfo) -> str:
        if v and not v.startswith(("chdb://", "http://", "https://", "clickhouse://")):
            name = (info.field_name or "clickhouse_dsn").upper()
            raise ValueError(f"{name} must start with chdb://, http:// or https://, not {redact_dsn(v)!r}")
        return v

    # the DSN stays a plain str for its many readers; its password is masked where the settings show
    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for name, value in super().__repr_args__():
            yield name, redact_dsn(value) if name in ("clickhouse_dsn", "clickhouse_audit_dsn") and value \
                else value

    @field_serializer("clickhouse_dsn", "clickhouse_audit_dsn", when_used="json")
    def _shown_dsn(self, v: str) -> str:
        return redact_dsn(v)

    @property
    def bootstrap(self) -> str:
        return self.kafka_bootstrap_servers or f"127.0.0.1:{self.cryptick_kafka_port}"

    @property
    def dsn(self) -> str:
        return self.clickhouse_dsn or f"chdb://{self.cryptick_cache / 'chdb'}"


def get_settings() -> Settings:
    """Settings read now from the environment (no module-level instance)."""
    return Settings()
