"""What a merchant is sent when asked for evidence: the case without the person behind it.

Merchants need the order, the SKU, the complaint and the evidence, not the
consumer (个人信息保护法 Art. 6, data minimisation). The summary is stored in
``MerchantEvidenceRequested`` for good, so it holds no personal data at all,
not even masked: free text is scrubbed of phone, ID, card numbers and e-mail
addresses, and the masked contact is shown at read time from the sealed
contact (so it disappears with it when the consumer's data is erased).
"""

from __future__ import annotations

from collections.abc import Sequence

from complaint_events.contracts.commands import MerchantSummaryV1, SummaryEvidenceV1
from complaint_events.domain.case import ComplaintCase
from complaint_events.domain.complaint import Contact
from complaint_events.domain.masking import ERASED, ConsumerContact, KnownDetailsRedactor


def merchant_summary(
    case: ComplaintCase,
    description: str | None,
    contact: Contact | None,
    questions: Sequence[str],
) -> MerchantSummaryV1:
    """The summary of ``case`` for its merchant, with the handler's questions.

    ``description`` and ``contact`` are the case's, in clear (the case keeps them
    sealed); None once the consumer's data was erased. Wherever the complaint
    repeats the consumer's own name, phone, e-mail or address, it is masked before
    numbers are scrubbed: a name has no shape to find it by, a known one does."""
    redact = KnownDetailsRedactor.for_contact(
        None if contact is None else ConsumerContact.from_contact(contact)
    )
    return MerchantSummaryV1(
        order_id=case.order_id,
        sku=case.sku,
        product_name=case.product_name,
        product_spec=case.product_spec,
        purchase_date=None if case.purchase_date is None else case.purchase_date.isoformat(),
        delivered_on=None if case.delivered_on is None else case.delivered_on.isoformat(),
        category=case.category,
        demand=case.demand,
        complaint=ERASED if description is None else redact.text(description),
        evidence=[SummaryEvidenceV1(kind=e["kind"], uri=e["uri"]) for e in case.evidence],
        questions=[redact.text(q) for q in questions],
    )
