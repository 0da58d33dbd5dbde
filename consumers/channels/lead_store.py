"""Social-media and review leads: complaint-like posts waiting for a handler.

Leads live in one JSON file (``--leads``, env ``COMPLAINTS_SOCIAL_LEADS``),
rewritten atomically under a lock, so the monitor and a handler's ``leads
confirm`` can run at the same time.  A post seen again does not make a second
lead (the lead id is the platform and the post id).
"""

from __future__ import annotations

import fcntl
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from complaint_events.domain.values import Channel, ProblemCategory, SafetyFlag

LeadStatus = Literal["open", "confirmed", "dismissed"]


class SocialLead(BaseModel):
    """A complaint-like public post, and what a handler decided about it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    lead_id: str = Field(min_length=1, max_length=200)
    channel: Literal[Channel.SOCIAL, Channel.REVIEW]
    platform: str
    post_id: str
    url: str | None = None
    author_handle: str
    author_name: str | None = None
    posted_at: AwareDatetime
    text: str
    rating: int | None = None
    cues: list[str]
    category: ProblemCategory
    safety_flags: list[SafetyFlag] = Field(default_factory=list)
    urgent: bool = False
    evidence: list[dict[str, str]] = Field(default_factory=list)
    known_facts: dict[str, str] = Field(
        default_factory=dict, description="order_id, merchant_id, sku... when the post names them"
    )
    status: LeadStatus = "open"
    found_at: AwareDatetime
    decided_at: AwareDatetime | None = None
    decided_by: str | None = None


class LeadNotFoundError(KeyError):
    """No lead has that id."""


class LeadStore:
    """The leads file: add, list, read and decide leads."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def _locked(self) -> Iterator[dict[str, SocialLead]]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.with_suffix(self.path.suffix + ".lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            leads = self._read()
            before = dict(leads)
            yield leads
            if leads != before:
                self._write(leads)

    def _read(self) -> dict[str, SocialLead]:
        if not self.path.exists():
            return {}
        rows = json.loads(self.path.read_text("utf-8"))
        return {row["lead_id"]: SocialLead.model_validate(row) for row in rows}

    def _write(self, leads: dict[str, SocialLead]) -> None:
        tmp = self.path.with_suffix(self.path.suffix + ".tmp")
        rows = [lead.model_dump(mode="json") for lead in leads.values()]
        tmp.write_text(json.dumps(rows, ensure_ascii=False, indent=2) + "\n", "utf-8")
        tmp.replace(self.path)

    def add(self, lead: SocialLead) -> bool:
        """Keep a new lead; False (and nothing changed) if the post is already a lead."""
        with self._locked() as leads:
            if lead.lead_id in leads:
                return False
            leads[lead.lead_id] = lead
            return True

    def list(self, status: LeadStatus | None = None) -> list[SocialLead]:
        """Leads, oldest post first; only those with ``status`` if given."""
        leads = sorted(self._read().values(), key=lambda lead: lead.posted_at)
        return [lead for lead in leads if status is None or lead.status == status]

    def get(self, lead_id: str) -> SocialLead:
        """One lead; LeadNotFoundError if there is none with that id."""
        try:
            return self._read()[lead_id]
        except KeyError:
            raise LeadNotFoundError(lead_id) from None

    def decide(self, lead_id: str, status: LeadStatus, by: str, at: datetime) -> SocialLead:
        """Record a handler's decision on a lead."""
        with self._locked() as leads:
            if lead_id not in leads:
                raise LeadNotFoundError(lead_id)
            decided = leads[lead_id].model_copy(
                update={"status": status, "decided_by": by, "decided_at": at}
            )
            leads[lead_id] = decided
            return decided
