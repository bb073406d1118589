"""Secrets in the settings: exchange API credentials, and the secrets directory they may come from.

Policy (DESIGN §9): a secret comes from the environment (or the ``.env`` file) or from a file of a
secrets directory, is held as a ``SecretStr`` (shown as ``**********`` by ``repr``, ``str`` and
``model_dump_json``) and is unwrapped with ``get_secret_value()`` only where it is used — to sign a
request, to check a password. It never goes into an event, a log line, ClickHouse or a message.

The secrets directory is ``CRYPTICK_SECRETS_DIR`` (from the environment or the ``.env`` file; unset: none).
Each file in it is named like the variable it stands for — ``COINBASE_API_SECRET``, in any case — and
holds the value (surrounding whitespace dropped): the layout of Docker and Kubernetes secrets, so
``CRYPTICK_SECRETS_DIR=/run/secrets`` reads those. Any setting can be given so (``CLICKHOUSE_DSN``,
``CRYPTICK_ADMIN_PASSWORD``); the environment wins over a file.

Exchange credentials, per venue: ``<VENUE>_API_KEY`` and ``<VENUE>_API_SECRET``, and
``COINBASE_API_PASSPHRASE`` (Coinbase Exchange keys have one). A key without its secret, or the other
way round, is refused at start-up. Another venue: add its fields here and to ``_VENUES``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SecretsSettingsSource

SECRETS_DIR_ENV = "CRYPTICK_SECRETS_DIR"
# the venues live trading may hold keys for, and whether their keys come with a passphrase
_VENUES = {"bitfinex": False, "coinbase": True, "kraken": False, "poloniex": False}


@dataclass(frozen=True, slots=True)
class ExchangeCredentials:
    """One venue's API credentials (``repr`` shows none of them)."""

    venue: str
    key: SecretStr
    secret: SecretStr
    passphrase: SecretStr | None = None


def _given(value: SecretStr | None) -> bool:
    return value is not None and value.get_secret_value() != ""


class SecretSettings(BaseSettings):
    """The secret-bearing part of ``Settings`` (its base): exchange credentials and the secrets
    directory."""

    cryptick_secrets_dir: Path | None = Field(
        default=None, description="a directory of secret files, one per setting, named like its variable "
        "(Docker's /run/secrets); unset: none")
    bitfinex_api_key: SecretStr | None = None
    bitfinex_api_secret: SecretStr | None = None
    coinbase_api_key: SecretStr | None = None
    coinbase_api_secret: SecretStr | None = None
    coinbase_api_passphrase: SecretStr | None = None
    kraken_api_key: SecretStr | None = None
    kraken_api_secret: SecretStr | None = None
    poloniex_api_key: SecretStr | None = None
    poloniex_api_secret: SecretStr | None = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        directory = os.environ.get(SECRETS_DIR_ENV) or dotenv_settings().get("cryptick_secrets_dir")
        if directory:
            path = Path(directory).expanduser()
            if not path.is_dir():
                raise ValueError(f"{SECRETS_DIR_ENV}={directory} is not a directory: make it, or unset "
                                 f"{SECRETS_DIR_ENV}")
            file_secret_settings = SecretsSettingsSource(settings_cls, secrets_dir=path)
        return init_settings, env_settings, dotenv_settings, file_secret_settings

    @model_validator(mode="after")
    def _whole_credentials(self) -> SecretSettings:
        for venue, passphrase in _VENUES.items():
            key, secret = (_given(getattr(self, f"{venue}_api_{part}")) for part in ("key", "secret"))
            names = [f"{venue.upper()}_API_KEY", f"{venue.upper()}_API_SECRET"]
            if passphrase and _given(getattr(self, f"{venue}_api_passphrase")) and not key:
                raise ValueError(f"{venue.upper()}_API_PASSPHRASE is set without {names[0]}: set the key "
                                 "and its secret too, or unset it")
            if key != secret:
                given, missing = names if key else names[::-1]
                raise ValueError(f"{given} is set without {missing}: set both (or neither)")
        return self

    def exchange_credentials(self, venue: str) -> ExchangeCredentials | None:
        """``venue``'s API credentials; None if none are set (or the venue takes none)."""
        if venue not in _VENUES:
            return None
        key, secret = getattr(self, f"{venue}_api_key"), getattr(self, f"{venue}_api_secret")
        if not (_given(key) and _given(secret)):
            return None
        passphrase = getattr(self, f"{venue}_api_passphrase", None)
        return ExchangeCredentials(venue, key, secret, passphrase if _given(passphrase) else None)
