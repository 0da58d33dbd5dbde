"""The demo's closing table in the terminal: the run's figures, one per line."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from rich.table import Table

from complaint_events.demo.summary import Summary


def summary_table(s: Summary, seed: int) -> Table:
    """The final table printed at the end of the demo."""
    table = Table(title=f"complaint-events demo — {s.cases} cases, seed {seed}", show_lines=False)
    table.add_column("figure")
    table.add_column("value", overflow="fold")
    rows: Sequence[tuple[str, str]] = (
        ("events recorded", str(s.events)),
        ("cases by stage", _counts(s.by_stage)),
        ("cases by outcome", _counts(s.by_outcome)),
        ("channels", _counts(s.by_channel)),
        ("languages", _counts(s.by_language)),
        ("SLA: acknowledged within 24 h", f"{s.sla_met}/{s.cases} ({s.sla_rate:.1%})"),
        ("duplicate submissions (no new case)", str(s.duplicates)),
        ("default judgments (silent merchants)", str(s.default_judgments)),
        ("spot checks ordered", str(s.spot_checks)),
        ("batch alerts", f"{s.batch_alerts} ({s.batch_linked_cases} cases linked)"),
        ("escalated cases", str(s.escalated_cases)),
        ("appeals", _counts(s.appeals) or "0"),
        ("compensation offered", f"¥{s.compensation_offered:,.2f}"),
        ("paid out (refunds + compensation)", f"¥{s.paid:,.2f}"),
        (
            "satisfaction",
            f"{s.mean_satisfaction:.2f}/5 ({len(s.satisfaction)} answers)"
            if s.mean_satisfaction is not None
            else "no answers",
        ),
        ("top merchants", ", ".join(f"{m} {n}" for m, n in s.top_merchants[:5])),
        ("top SKUs", ", ".join(f"{k} {n}" for k, n in s.top_skus[:5])),
    )
    for name, value in rows:
        table.add_row(name, value)
    return table


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counter.most_common())
