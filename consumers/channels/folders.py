"""Each channel's folders: which inbox files are pending, where they go, how replies are written.

Inboxes: email is a Maildir (new mail in ``new/``, processed mail moved to
``cur/`` with the seen flag); the other channels drop ``*.json`` (hotline,
chat) or ``*.jsonl`` (social) files in the inbox folder, moved to
``processed/`` once handled.  Whatever cannot be handled goes to ``failed/``.
Writers should create a file elsewhere and rename it in, so no half-written
file is read.

Outboxes are idempotent per notification id (a redelivered notification is
written once): email writes ``NOTIFICATION_ID.eml`` into a Maildir's ``new/``
(via ``tmp/``); hotline ``NOTIFICATION_ID.sms.txt``; chat
``NOTIFICATION_ID.json``; social appends a line to ``public-replies.jsonl``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from complaint_events.contracts.notifications import NotificationV1
from complaint_events.domain.values import Channel
from complaint_events.consumers.channels.chat import render_chat_reply
from complaint_events.consumers.channels.email_channel import render_email_reply
from complaint_events.consumers.channels.hotline import render_sms
from complaint_events.consumers.channels.outcomes import Thread
from complaint_events.consumers.channels.social import CHANNELS as SOCIAL_CHANNELS
from complaint_events.consumers.channels.social import render_public_reply

PUBLIC_REPLIES: Final = "public-replies.jsonl"


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.tmp"
    tmp.write_bytes(data)
    tmp.replace(path)


def _json_files(suffix: str) -> Callable[[Path], list[Path]]:
    def pending(inbox: Path) -> list[Path]:
        return sorted(
            p for p in inbox.glob(f"*{suffix}") if p.is_file() and not p.name.startswith(".")
        )

    return pending


def _maildir_new(inbox: Path) -> list[Path]:
    for sub in ("tmp", "new", "cur"):
        (inbox / sub).mkdir(parents=True, exist_ok=True)
    return sorted(p for p in (inbox / "new").iterdir() if p.is_file() and p.name[0] != ".")


def _processed(inbox: Path, path: Path) -> Path:
    return inbox / "processed" / path.name


def _maildir_seen(inbox: Path, path: Path) -> Path:
    name = path.name if ":2," in path.name else f"{path.name}:2,S"
    return inbox / "cur" / name


def _deliver_email(note: NotificationV1, thread: Thread, outbox: Path) -> Path | None:
    name = f"{note.notification_id}.eml"
    for sub in ("tmp", "new", "cur"):
        (outbox / sub).mkdir(parents=True, exist_ok=True)
    if (outbox / "new" / name).exists() or any((outbox / "cur").glob(f"{name}*")):
        return None
    tmp = outbox / "tmp" / name
    tmp.write_bytes(render_email_reply(note, thread))
    tmp.replace(outbox / "new" / name)
    return outbox / "new" / name


def _deliver_sms(note: NotificationV1, thread: Thread, outbox: Path) -> Path | None:
    path = outbox / f"{note.notification_id}.sms.txt"
    if path.exists():
        return None
    _write_atomically(path, render_sms(note, thread).encode("utf-8"))
    return path


def _deliver_chat(note: NotificationV1, thread: Thread, outbox: Path) -> Path | None:
    path = outbox / f"{note.notification_id}.json"
    if path.exists():
        return None
    reply = json.dumps(render_chat_reply(note, thread), ensure_ascii=False, indent=2)
    _write_atomically(path, reply.encode("utf-8"))
    return path


def _deliver_public(note: NotificationV1, thread: Thread, outbox: Path) -> Path | None:
    path = outbox / PUBLIC_REPLIES
    outbox.mkdir(parents=True, exist_ok=True)
    marker = f'"notification_id": "{note.notification_id}"'
    if path.exists() and marker in path.read_text("utf-8"):
        return None
    with path.open("a", encoding="utf-8") as replies:
        replies.write(json.dumps(render_public_reply(note, thread), ensure_ascii=False) + "\n")
    return path


@dataclass(frozen=True, slots=True)
class ChannelFolders:
    """How one channel adapter reads its inbox and writes its outbox."""

    name: str
    serves: frozenset[Channel]
    pending: Callable[[Path], list[Path]]
    done: Callable[[Path, Path], Path]
    deliver: Callable[[NotificationV1, Thread, Path], Path | None]
    feed: bool = False
    """A feed file holds many inputs: bad lines are dead-lettered, the file still counts as done."""

    def failed(self, inbox: Path, path: Path) -> Path:
        """Where an input that could not be handled is moved."""
        return inbox / "failed" / path.name


FOLDERS: Final[dict[str, ChannelFolders]] = {
    "email": ChannelFolders(
        "email", frozenset({Channel.EMAIL}), _maildir_new, _maildir_seen, _deliver_email
    ),
    "hotline": ChannelFolders(
        "hotline", frozenset({Channel.HOTLINE}), _json_files(".json"), _processed, _deliver_sms
    ),
    "chat": ChannelFolders(
        "chat", frozenset({Channel.CHAT}), _json_files(".json"), _processed, _deliver_chat
    ),
    "social": ChannelFolders(
        "social", SOCIAL_CHANNELS, _json_files(".jsonl"), _processed, _deliver_public, feed=True
    ),
}
