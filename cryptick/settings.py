"""Settings of every Cryptick service: from the environment (and an optional .env file)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from infra.kafka.local import LocalKafka


def _default_cache() -> Path:
    return Path.home() / ".cache" / "cryptick"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    kafka_bootstrap_servers: str = Field(
        default="", description="host:port of a Kafka broker; empty: the local broker (infra up)"
    )
    clickhouse_dsn: str = Field(
        default="", description="chdb:///path (embedded, default) or http://host:8123"
    )
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

    @field_validator("clickhouse_dsn")
    @classmethod
    def _check_dsn(cls, v: str) -> str:
        if v and not v.startswith(("chdb://", "http://", "https://", "clickhouse://")):
            raise ValueError(f"CLICKHOUSE_DSN must start with chdb://, http:// or https://, not {v!r}")
        return v

    @property
    def bootstrap(self) -> str:
        return self.kafka_bootstrap_servers or f"127.0.0.1:{self.cryptick_kafka_port}"

    @property
    def dsn(self) -> str:
        return self.clickhouse_dsn or f"chdb://{self.cryptick_cache / 'chdb'}"

    def local_kafka(self) -> LocalKafka:
        """The local broker these settings describe (``cryptick infra up``)."""
        from infra.kafka.local import LocalKafka

        return LocalKafka(cache=self.cryptick_cache, port=self.cryptick_kafka_port,
                          controller_port=self.cryptick_kafka_port + 1, home_dir=self.cryptick_kafka_home)


def get_settings() -> Settings:
    """Settings read now from the environment (no module-level instance)."""
    return Settings()
