"""Secrets in the settings: exchange credentials from the environment or a secrets directory, never
shown by a repr or an error, and a DSN's password masked where the settings are shown."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from floor.settings import Settings

CANARY = "canary-9f2c4e7a1b"


@pytest.fixture(autouse=True)
def _no_secrets_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRYPTICK_SECRETS_DIR", raising=False)


def test_credentials_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COINBASE_API_KEY", "the-key")
    monkeypatch.setenv("COINBASE_API_SECRET", CANARY)
    monkeypatch.setenv("COINBASE_API_PASSPHRASE", "the-passphrase")
    got = Settings().exchange_credentials("coinbase")
    assert got is not None and got.venue == "coinbase"
    assert (got.key.get_secret_value(), got.secret.get_secret_value()) == ("the-key", CANARY)
    assert got.passphrase is not None and got.passphrase.get_secret_value() == "the-passphrase"
    assert Settings().exchange_credentials("kraken") is None
    assert Settings().exchange_credentials("synthetic") is None


def test_credentials_come_from_a_secrets_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "KRAKEN_API_KEY").write_text("kraken-key\n")
    (tmp_path / "kraken_api_secret").write_text(f"{CANARY}\n")  # any case; the newline is dropped
    monkeypatch.setenv("CRYPTICK_SECRETS_DIR", str(tmp_path))
    got = Settings().exchange_credentials("kraken")
    assert got is not None and got.secret.get_secret_value() == CANARY and got.passphrase is None
    monkeypatch.setenv("KRAKEN_API_SECRET", "from-the-environment")
    got = Settings().exchange_credentials("kraken")
    assert got is not None and got.secret.get_secret_value() == "from-the-environment"  # it wins


def test_a_secrets_directory_that_is_not_one_is_refused(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRYPTICK_SECRETS_DIR", str(tmp_path / "missing"))
    with pytest.raises(ValueError, match=r"CRYPTICK_SECRETS_DIR=\S+missing is not a directory"):
        Settings()


def test_a_key_without_its_secret_is_refused_without_showing_it() -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(bitfinex_api_key=SecretStr(CANARY))
    assert "BITFINEX_API_KEY is set without BITFINEX_API_SECRET" in str(refused.value)
    assert CANARY not in str(refused.value)
    with pytest.raises(ValidationError, match="COINBASE_API_PASSPHRASE is set without COINBASE_API_KEY"):
        Settings(coinbase_api_passphrase=SecretStr(CANARY))


def test_an_empty_variable_is_no_credential(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLONIEX_API_KEY", "")  # compose passes ${VAR:-} so
    monkeypatch.setenv("POLONIEX_API_SECRET", "")
    assert Settings().exchange_credentials("poloniex") is None


def test_the_settings_show_no_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COINBASE_API_KEY", CANARY)
    monkeypatch.setenv("COINBASE_API_SECRET", CANARY)
    monkeypatch.setenv("CLICKHOUSE_DSN", f"http://default:{CANARY}@clickhouse:8123/default")
    s = Settings()
    assert s.dsn == f"http://default:{CANARY}@clickhouse:8123/default"  # the client gets it whole
    for shown in (repr(s), str(s), s.model_dump_json(), repr(s.exchange_credentials("coinbase"))):
        assert CANARY not in shown
    assert "clickhouse_dsn='http://default:***@clickhouse:8123/default'" in repr(s)
    assert s.model_dump()["clickhouse_dsn"] == s.dsn  # in Python, as given


def test_a_refused_dsn_is_named_without_its_password() -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(clickhouse_dsn=f"postgres://u:{CANARY}@host/db")
    assert "CLICKHOUSE_DSN must start with chdb://" in str(refused.value)
    assert "postgres://u:***@host/db" in str(refused.value) and CANARY not in str(refused.value)


def test_the_secrets_directory_may_be_named_in_the_env_file(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "POLONIEX_API_KEY").write_text("key")
    (tmp_path / "secrets" / "POLONIEX_API_SECRET").write_text(CANARY)
    (tmp_path / ".env").write_text(f"CRYPTICK_SECRETS_DIR={tmp_path / 'secrets'}\n")
    monkeypatch.chdir(tmp_path)
    got = Settings().exchange_credentials("poloniex")
    assert got is not None and got.secret.get_secret_value() == CANARY
