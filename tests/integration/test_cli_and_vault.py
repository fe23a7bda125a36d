"""`shikaku init` (twice, wrong key, other insurer), the key file, and the vault."""
from __future__ import annotations

import stat

import pytest
from typer.testing import CliRunner

from shikaku.adapters.vault import Vault, VaultKeyError, ensure_key_file
from shikaku.entrypoints.cli import app

runner = CliRunner()


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'cli.db'}"


def init(url, number="06139992", name="テスト健康保険組合", env=None):
    return runner.invoke(app, ["init", "--db", url, "--insurer-number", number, "--insurer-name", name],
                         env=env)


def test_init_is_safe_to_run_twice_and_refuses_another_insurer(sqlite_url):
    assert init(sqlite_url).exit_code == 0
    assert init(sqlite_url).exit_code == 0
    other = init(sqlite_url, number="01130012")
    assert other.exit_code == 2 and "society_mismatch" in other.output


def test_init_refuses_a_bad_insurer_number(sqlite_url):
    result = init(sqlite_url, number="06139993")
    assert result.exit_code == 2 and "invalid_insurer_number" in result.output


def test_a_database_refuses_another_key(sqlite_url):
    assert init(sqlite_url).exit_code == 0
    wrong = init(sqlite_url, env={"SHIKAKU_SECRET_KEY": "another-secret-key-0123456789abcdef"})
    assert wrong.exit_code == 2 and "wrong_key" in wrong.output


def test_key_file_is_created_private(tmp_path, monkeypatch):
    monkeypatch.delenv("SHIKAKU_SECRET_KEY")
    path = ensure_key_file(tmp_path / "keys" / "secret.key")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ensure_key_file(path).read_bytes() == path.read_bytes()  # never overwritten


def test_vault_round_trip_and_keyed_hash():
    vault = Vault(b"0123456789abcdef0123456789abcdef")
    sealed = vault.seal("123456789018")
    assert b"123456789018" not in sealed and vault.open(sealed) == "123456789018"
    assert vault.seal("123456789018") != sealed  # a fresh nonce each time
    assert vault.lookup_hash("123456789018") == vault.lookup_hash("123456789018")
    other = Vault(b"another-secret-0123456789abcdef!")
    assert other.lookup_hash("123456789018") != vault.lookup_hash("123456789018")
    with pytest.raises(Exception):
        other.open(sealed)
    with pytest.raises(VaultKeyError):
        Vault(b"short")
