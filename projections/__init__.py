"""Read-model projections of ``complaints.events.v1`` into PostgreSQL (issue 4).

Each read model is a :class:`~complaint_events.projections.base.Projection` in its own module,
listed in :data:`complaint_events.projections.catalog.ALL_PROJECTIONS`:

* ``case_summary`` — one row per case: status, stage, decisions, clocks (the API's lists);
* ``case_timeline`` — one row per event, with a one-line summary (case pages, auditors);
* ``sla`` — per filing day and channel: acknowledgements, merchant answers, closures;
* ``merchant_scorecard`` — per merchant: complaints, liability, answers, penalties;
* ``sku_quality`` — per SKU: complaints, spot checks, confirmed defects, batch alerts.

Their folds are pure functions of (row, event); :mod:`complaint_events.projections.table_io`
holds the batched SQL they share (one SELECT in, one executemany out).
"""
