"""A large filing batch is saved, however big its transaction.

The intake worker files a batch of complaints in one transaction, which
eventsourcing saves as one INSERT of an array of events. With psycopg 3.3.9
a batch of 2,000 complaints (some megabytes) hung on most tries here, the end
of the statement never sent (``adapters/pipeline_flush.py``;
``test_pipeline_flush.py`` shows the cause on its own, on every try).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import timedelta

import pytest
from tests.complaint_support import T0, numbered_complaint

from complaint_events.application.cases import ComplaintCases
from complaint_events.application.filing import FilingOutcome
from complaint_events.bootstrap import build_cases
from complaint_events.domain.acting import Acting
from complaint_events.domain.complaint import ComplaintDetails
from complaint_events.settings import Settings

pytestmark = pytest.mark.integration

BATCH = 2_000
ROUNDS = 2
PATIENCE = 90.0  # seconds for one batch; it takes about 4 s on this machine


def test_batches_of_two_thousand_complaints_are_filed(postgres_dsn: str) -> None:
    cases = build_cases(Settings(store="postgres", postgres_dsn=postgres_dsn))
    try:
        for round_ in range(ROUNDS):
            batch = [
                (complaint(n), Acting("adapter:app", T0 + n * timedelta(seconds=1)))
                for n in range(round_ * BATCH, (round_ + 1) * BATCH)
            ]
            outcomes = file_within(cases, batch)
            assert len(outcomes) == BATCH
            assert all(o.opened for o in outcomes)
            assert len(cases.get_cases(o.case_id for o in outcomes)) == BATCH
    finally:
        cases.close()


def complaint(n: int) -> ComplaintDetails:
    """The n-th distinct complaint; a thousand consumers file them."""
    return numbered_complaint(n, T0 + n * timedelta(seconds=1), consumer_id=f"c-{n % 1000}")


def file_within(
    cases: ComplaintCases, batch: Sequence[tuple[ComplaintDetails, Acting]]
) -> list[FilingOutcome]:
    """File the batch in one call, failing the test if it does not end in PATIENCE."""
    outcomes: list[FilingOutcome] = []
    filer = threading.Thread(
        target=lambda: outcomes.extend(cases.file_complaints(batch)), daemon=True
    )
    filer.start()
    filer.join(PATIENCE)
    assert not filer.is_alive(), (
        f"filing {len(batch):,} complaints in one call did not end within {PATIENCE:.0f} s"
    )
    return outcomes
