"""Where each submission's replies go, kept by the adapter beside its inbox.

Notifications carry only the channel reference (no personal data on the
topic), so the adapter remembers, per reference, the address, phone, session
or post to reply to.  The file holds personal data: it lives in the adapter's
state folder, readable by the adapter only.
"""

from __future__ import annotations

import json
from pathlib import Path

from complaint_events.consumers.channels.outcomes import Thread


class ThreadBook:
    """A JSON file mapping channel references to reply details."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._threads: dict[str, Thread] = (
            json.loads(path.read_text("utf-8")) if path.exists() else {}
        )

    def get(self, channel_ref: str) -> Thread | None:
        """Reply details of a submission, or None if this adapter did not receive it."""
        return self._threads.get(channel_ref)

    def put(self, channel_ref: str, thread: Thread) -> None:
        """Remember (and persist at once) where replies to ``channel_ref`` go."""
        if self._threads.get(channel_ref) == thread:
            return
        self._threads[channel_ref] = thread
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self._threads, ensure_ascii=False, indent=1), "utf-8")
        tmp.chmod(0o600)
        tmp.replace(self.path)
