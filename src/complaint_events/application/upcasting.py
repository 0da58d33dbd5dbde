"""Old stored ``ComplaintFiled`` events, read as the current version.

See docs/contracts.md, "Upcasting".

A ``ComplaintFiled`` stored as schema version 1 (contact and description in
clear) or 2 (description in clear) is read as version 3: the contact and the
description sealed under the consumer's key, ``distress`` judged on the clear
description. Every reader of the store (replaying a case, the relay, the
embedded bus, the command processor) gets it through :class:`UpcastingMapper`,
so none of them, and none of the readers of what they publish, needs to know
the older shapes. Stored events are never rewritten.

Why here and not in eventsourcing's ``upcast_vN_vM`` static methods: sealing
needs the consumer's key, and those methods see nothing but the event's state.
The upcaster is therefore a part of the application, which holds the keys.

Three choices, each so that reading an event is repeatable:

- **The same bytes every time.** The sealing nonce is derived from the key, the
  event and the text (:func:`~.personal_data.seal_text` with a label), so the
  relay publishing an event again after a crash, a rebuild, and a second reader
  all see the very same payload.
- **A consumer without a key** (filed before keys existed) gets one now, as a
  consumer filing today would: their old complaint becomes erasable in every
  copy published from now on.
- **A consumer whose key was erased** gets records that open with no key
  (a digest of the event and the field, not of the text): the text stays
  unreadable, as every sealed text of theirs is. (The stored v1 row itself
  still holds the clear text: it predates sealing; see docs/privacy.md.)

The hash chain: ``meta["hash"]`` stays the hash of the stored form, the one the
next event's ``previous_hash`` names and that ``audit verify`` rechecks on the
stored bytes (:meth:`UpcastingMapper.stored_form`); ``meta["upcast_from"]``
names the stored version, and the translator publishes both in the payload's
``upcast_from`` with an envelope hash over the published form.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any, Final
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, StoredEvent

from complaint_events.application.personal_data import (
    NONCE_BYTES,
    contact_from_record,
    seal_contact,
    seal_text,
)
from complaint_events.application.ports import ConsumerKeys
from complaint_events.contracts.envelope import event_id_for
from complaint_events.contracts.events import EVENT_PAYLOADS, SEALED_CONTACT_FORM, is_sealed
from complaint_events.contracts.translator import UPCAST_FROM, stored_schema_version
from complaint_events.domain.case import ComplaintCase
from complaint_events.domain.rules.triage import shows_distress

FILED: Final = "ComplaintFiled"
CURRENT_FILED_VERSION: Final = EVENT_PAYLOADS[FILED][0]


class FiledUpcaster:
    """Turns a ``ComplaintFiled`` stored in an older version into the current one."""

    def __init__(self, keys: ConsumerKeys) -> None:
        self.keys = keys

    def upcast(self, event: DomainEventProtocol[UUID]) -> DomainEventProtocol[UUID]:
        """``event`` in the current version (itself when it is stored in it already)."""
        if not isinstance(event, ComplaintCase.ComplaintFiled):  # type: ignore[attr-defined]
            return event
        version = stored_schema_version(FILED, vars(event))
        if version >= CURRENT_FILED_VERSION:
            return event  # type: ignore[no-any-return]
        state: dict[str, Any] = dict(vars(event))
        consumer_id = str(state["consumer_id"])
        label = f"{event_id_for(state['originator_id'], state['originator_version'])}"
        key = self._key(consumer_id)
        contact = state["contact"]
        if not is_sealed(contact):
            state["contact"] = (
                _unopenable(consumer_id, f"{label}:contact")
                if key is None
                else seal_contact(
                    contact_from_record(contact), consumer_id, key, f"{label}:contact"
                ).to_record()
            )
        description = state["description"]
        if isinstance(description, str):
            state["description"] = (
                _unopenable(consumer_id, f"{label}:description")
                if key is None
                else seal_text(description, consumer_id, key, f"{label}:description").to_record()
            )
            state["distress"] = shows_distress(description)
        state["meta"] = {**dict(state.get("meta") or {}), UPCAST_FROM: version}
        upcast: DomainEventProtocol[UUID] = object.__new__(type(event))
        object.__setattr__(upcast, "__dict__", state)
        return upcast

    def _key(self, consumer_id: str) -> bytes | None:
        """The consumer's key; made now if they never had one; None if it was erased."""
        key = self.keys.get(consumer_id)
        if key is not None:
            return key
        if self.keys.erasures(consumer_id):
            return None
        return self.keys.get_or_create(consumer_id)


class UpcastingMapper(Mapper[UUID]):
    """The application's mapper: stored events read in their current version.

    ``upcaster`` is set by the application once its consumer keys exist (the
    mapper is built before them); until then events are read as stored.
    """

    upcaster: FiledUpcaster | None = None

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        event = super().to_domain_event(stored_event)
        return event if self.upcaster is None else self.upcaster.upcast(event)

    def stored_form(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        """The event exactly as it was stored: the form its hash covers (for the audit)."""
        return super().to_domain_event(stored_event)


def _unopenable(consumer_id: str, label: str) -> dict[str, str]:
    """A sealed record of an erased consumer's text: no key opens it (there is none)."""
    digest = hashlib.sha256(f"erased:{label}".encode()).digest()
    return {
        "sealed": SEALED_CONTACT_FORM,
        "key_id": consumer_id,
        "nonce": base64.b64encode(digest[:NONCE_BYTES]).decode("ascii"),
        "ciphertext": base64.b64encode(digest).decode("ascii"),
    }
