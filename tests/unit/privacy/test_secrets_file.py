"""Where the installation's secrets come from: settings, or a file made once and shared."""

from __future__ import annotations

import base64
import json
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pydantic import ValidationError

from complaint_events.adapters.secrets_file import SecretsFileError, load_secrets
from complaint_events.application.secrets import encode_key
from complaint_events.settings import Settings

KEK = bytes(range(32))
PSEUDONYM = bytes(range(32, 64))


def _settings(path: Path, **keys: str) -> Settings:
    return Settings(secrets_file=path, **keys)  # type: ignore[arg-type]


def test_the_file_is_made_once_readable_by_its_owner_only_and_then_reused(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "conf" / "secrets.json"
    first = load_secrets(_settings(path))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "made new secrets in" in caplog.text
    assert load_secrets(_settings(path)) == first
    assert first.key_encryption_key != first.pseudonym_key
    assert "<hidden>" in repr(first)
    assert encode_key(first.key_encryption_key) not in repr(first)


def test_processes_starting_together_all_get_the_same_secrets(tmp_path: Path) -> None:
    path = tmp_path / "secrets.json"
    with ThreadPoolExecutor(8) as pool:
        found = list(pool.map(lambda _: load_secrets(_settings(path)), range(16)))
    assert len(set(found)) == 1


def test_keys_in_settings_win_over_the_file(tmp_path: Path) -> None:
    path = tmp_path / "secrets.json"
    given = load_secrets(
        _settings(path, key_encryption_key=encode_key(KEK), pseudonym_key=encode_key(PSEUDONYM))
    )
    assert (given.key_encryption_key, given.pseudonym_key) == (KEK, PSEUDONYM)
    assert not path.exists()
    one = load_secrets(_settings(path, key_encryption_key=encode_key(KEK)))
    assert one.key_encryption_key == KEK
    assert one.pseudonym_key == json_key(path, "pseudonym_key")


def json_key(path: Path, name: str) -> bytes:
    return base64.b64decode(json.loads(path.read_text())[name])


def test_a_key_setting_that_is_not_a_key_is_refused_with_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="base64 of 32 random bytes"):
        _settings(tmp_path / "s.json", key_encryption_key="my secret password")


def test_an_unusable_secrets_file_is_named_with_what_it_must_hold(tmp_path: Path) -> None:
    path = tmp_path / "secrets.json"
    path.write_text('{"key_encryption_key": "AAAA"}\n')
    with pytest.raises(SecretsFileError, match=r"secrets\.json is not usable.*base64 of 32"):
        load_secrets(_settings(path))


def test_a_secrets_file_that_cannot_be_made_says_what_to_set(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(SecretsFileError, match="COMPLAINTS_SECRETS_FILE"):
        load_secrets(_settings(blocker / "secrets.json"))
