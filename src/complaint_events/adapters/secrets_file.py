"""The installation's secrets: from settings, or from a file made on first use.

``COMPLAINTS_KEY_ENCRYPTION_KEY`` and ``COMPLAINTS_PSEUDONYM_KEY`` win; a key
not set there is read from ``COMPLAINTS_SECRETS_FILE`` (JSON, mode 0600),
which is made with fresh random keys the first time any process needs it.
Processes that start together race to make it: the first ``O_EXCL`` create
wins and the others read what it wrote.  The file must be kept apart from the
database (its backups too), and shared by every process of an installation:
a process with another key-encryption key cannot open the consumers' keys and
says so.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Final

from complaint_events.application.secrets import Secrets, decode_key, encode_key, new_secret
from complaint_events.settings import Settings

log = logging.getLogger(__name__)

_NAMES: Final = ("key_encryption_key", "pseudonym_key")
_WHAT_TO_SET: Final = (
    "set COMPLAINTS_SECRETS_FILE to a file this process may read and write, or set "
    "COMPLAINTS_KEY_ENCRYPTION_KEY and COMPLAINTS_PSEUDONYM_KEY"
)
_READ_TRIES: Final = 50  # a file another process is writing at this moment: 50 × 20 ms


class SecretsFileError(Exception):
    """The secrets file cannot be read or made; the message says which file and why."""


def load_secrets(settings: Settings) -> Secrets:
    """The key-encryption and pseudonym keys this process uses."""
    given = {
        name: decode_key(value.get_secret_value())
        for name in _NAMES
        if (value := getattr(settings, name)) is not None
    }
    if len(given) < len(_NAMES):
        stored = _read_or_make(settings.secrets_file)
        given = {**stored, **given}
    return Secrets(key_encryption_key=given[_NAMES[0]], pseudonym_key=given[_NAMES[1]])


def _read_or_make(path: Path) -> dict[str, bytes]:
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    contents = json.dumps({name: encode_key(new_secret()) for name in _NAMES}, indent=2)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read(path)  # another process made it a moment ago
    except OSError as error:
        raise SecretsFileError(
            f"cannot make the secrets file {path} ({error.strerror}): {_WHAT_TO_SET}"
        ) from None
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(contents + "\n")
    log.warning(
        "made new secrets in %s (the consumers' key-encryption key and pseudonym key): "
        "keep this file, apart from the database and its backups; without it the "
        "consumers' personal data cannot be read",
        path,
    )
    return _read(path)


def _read(path: Path) -> dict[str, bytes]:
    for _ in range(_READ_TRIES):
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise  # for the caller to make it
        except OSError as error:
            raise SecretsFileError(
                f"cannot read the secrets file {path} ({error.strerror}): {_WHAT_TO_SET}"
            ) from None
        if text.endswith("\n"):  # written completely
            break
        time.sleep(0.02)
    try:
        document = json.loads(text)
        return {name: decode_key(document[name]) for name in _NAMES}
    except (ValueError, KeyError, TypeError) as error:
        raise SecretsFileError(
            f"the secrets file {path} is not usable ({error}): it must hold "
            f"{' and '.join(_NAMES)} as base64 of 32 bytes"
        ) from None
