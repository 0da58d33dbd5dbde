"""The demo's outputs: a self-contained HTML report with charts, and a rich summary table."""

from __future__ import annotations

import base64
import html
import io
import logging
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
logging.getLogger("matplotlib").setLevel(logging.WARNING)
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from rich.table import Table  # noqa: E402

from complaint_events.demo.summary import Summary  # noqa: E402


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


def _counts(counter: object) -> str:
    items = counter.most_common() if hasattr(counter, "most_common") else []
    return ", ".join(f"{k} {v}" for k, v in items)


def _png(fig: Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _bar(
    title: str, labels: Sequence[str], values: Sequence[float], horizontal: bool = False
) -> str:
    fig, ax = plt.subplots(figsize=(7, 3.6))
    if horizontal:
        ax.barh(list(labels)[::-1], list(values)[::-1], color="#3b7dd8")
    else:
        ax.bar(list(labels), list(values), color="#3b7dd8")
        ax.tick_params(axis="x", labelrotation=30)
    ax.set_title(title)
    return _png(fig)


def _sla_chart(s: Summary) -> str:
    fig, ax = plt.subplots(figsize=(7, 3.6))
    days = [d.strftime("%m-%d") for d in s.sla_by_day]
    rates = [100 * met / filed for met, filed in s.sla_by_day.values()]
    ax.plot(days, rates, marker="o", color="#2a9d55")
    ax.axhline(95, color="#d33", linestyle="--", linewidth=1, label="target 95%")
    ax.set_ylim(0, 105)
    ax.set_ylabel("% acknowledged within 24 h")
    ax.set_title("SLA compliance per filing day")
    ax.tick_params(axis="x", labelrotation=45)
    ax.legend(loc="lower left")
    return _png(fig)


def write_report(
    s: Summary, path: Path, seed: int, events_file: str, where: str = "embedded"
) -> None:
    """Write the self-contained HTML report (charts inline as base64 PNG)."""
    charts = [
        ("Cases per stage", _bar("Cases per stage", list(s.by_stage), list(s.by_stage.values()))),
        ("SLA compliance per day", _sla_chart(s)),
        (
            "Top SKUs by complaints",
            _bar("Top SKUs", [k for k, _ in s.top_skus], [n for _, n in s.top_skus], True),
        ),
        (
            "Top merchants by complaints",
            _bar(
                "Top merchants",
                [m for m, _ in s.top_merchants],
                [n for _, n in s.top_merchants],
                True,
            ),
        ),
        (
            "Lifecycle funnel",
            _bar(
                "Lifecycle funnel (cases reaching each step)",
                [f for f, _ in s.funnel],
                [n for _, n in s.funnel],
                True,
            ),
        ),
    ]
    rows = "".join(
        f"<tr><td>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>"
        for k, v in (
            ("cases", str(s.cases)),
            ("events", str(s.events)),
            ("SLA (acknowledged within 24 h)", f"{s.sla_rate:.1%}"),
            ("default judgments", str(s.default_judgments)),
            ("batch alerts", str(s.batch_alerts)),
            ("duplicates", str(s.duplicates)),
            ("compensation offered", f"¥{s.compensation_offered:,.2f}"),
            ("paid out", f"¥{s.paid:,.2f}"),
            ("outcomes", _counts(s.by_outcome)),
        )
    )
    figures = "".join(
        f'<figure><img alt="{html.escape(t)}" src="data:image/png;base64,{png}">'
        f"<figcaption>{html.escape(t)}</figcaption></figure>"
        for t, png in charts
    )
    path.write_text(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<title>complaint-events demo report</title><style>"
        "body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;color:#222}"
        "table{border-collapse:collapse}td{border:1px solid #ccc;padding:4px 10px}"
        "figure{display:inline-block;margin:10px}img{max-width:460px}</style></head><body>"
        f"<h1>complaint-events demo — {html.escape(where)}</h1><p>Seed {seed}; simulated clock; "
        f"event log: <code>{html.escape(events_file)}</code> (check it with "
        f"<code>complaint-events audit verify --file {html.escape(events_file)}</code>).</p>"
        f"<table>{rows}</table>{figures}</body></html>",
        encoding="utf-8",
    )
