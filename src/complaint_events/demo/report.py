"""The demo's HTML report, for the complaints manager who reads it: one self-contained page.

It holds what the terminal's closing table prints and what a manager asks next:
the cases still open with their stage and next deadline, the stage funnel, why
cases closed, escalations, appeals, spot checks, satisfaction, channels and
languages, acknowledgement on time per day. Every label is in Chinese first and
English beside (:mod:`complaint_events.labels`); the charts are inline SVG
(:mod:`complaint_events.demo.report_charts`); the page loads nothing from
anywhere. The layout is the package's Jinja2 template ``templates/report.html.j2``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from complaint_events.demo.report_charts import (
    BarChart,
    LineChart,
    bar_chart,
    percent_line_chart,
)
from complaint_events.demo.summary import Summary
from complaint_events.labels import Label, label

SLA_TARGET = 95.0  # the demo's target: % of cases acknowledged within 24 h (docs/demo-report.md)

FUNNEL_COLOURS = ("#2f6db5", "#8a94a6", "#e08a1e")
CASES = Label("案件数", "Cases")
EMBEDDED = Label("嵌入式运行", "embedded: SQLite, in-process bus")
ON_STACK = Label("在 Kafka、PostgreSQL 与工作进程上运行", "on Kafka, PostgreSQL and the workers")


@dataclass(frozen=True)
class Figure:
    """One headline figure: its words, its value, and what it counts in a few words more."""

    label: Label
    value: str
    note: Label | None = None


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("complaint_events.demo", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _counted(counter: Counter[str]) -> list[tuple[Label, list[int]]]:
    return [(label(k), [n]) for k, n in counter.most_common()]


def _figures(s: Summary) -> list[Figure]:
    satisfaction = f"{s.mean_satisfaction:.2f} / 5" if s.mean_satisfaction is not None else "—"
    return [
        Figure(Label("案件", "Cases"), str(s.cases), Label(f"{s.events} 个事件", "events")),
        Figure(Label("已关闭", "Closed"), str(s.closed)),
        Figure(Label("仍在处理", "Still open"), str(len(s.open_cases))),
        Figure(
            Label("24小时内确认", "Acknowledged within 24 h"),
            f"{s.sla_rate:.1%}",
            Label(f"{s.sla_met}/{s.cases}，目标 {SLA_TARGET:g}%", f"target {SLA_TARGET:g}%"),
        ),
        Figure(Label("升级案件", "Escalated cases"), str(s.escalated_cases)),
        Figure(Label("申诉", "Appeals filed"), str(s.appeals["filed"])),
        Figure(Label("抽检", "Spot checks ordered"), str(s.spot_checks)),
        Figure(
            Label("满意度", "Satisfaction"),
            satisfaction,
            Label(f"{len(s.satisfaction)} 份回答", "answers"),
        ),
        Figure(
            Label("缺席认定", "Default judgments"),
            str(s.default_judgments),
            Label("商家未举证", "silent merchants"),
        ),
        Figure(
            Label("批次预警", "Batch alerts"),
            str(s.batch_alerts),
            Label(f"关联 {s.batch_linked_cases} 件案件", "cases linked"),
        ),
        Figure(
            Label("重复提交", "Duplicate submissions"),
            str(s.duplicates),
            Label("未新建案件", "no new case"),
        ),
        Figure(Label("已提出赔偿", "Compensation offered"), f"¥{s.compensation_offered:,.2f}"),
        Figure(
            Label("已支付", "Paid out"),
            f"¥{s.paid:,.2f}",
            Label("退款与赔偿", "refunds and compensation"),
        ),
    ]


def _charts(s: Summary) -> dict[str, BarChart | LineChart]:
    outcomes = _counted(s.by_resolution)
    if s.open_cases:
        outcomes.append((Label("仍在处理", "Still open"), [len(s.open_cases)]))
    scores = Counter(s.satisfaction)
    days = list(s.sla_by_day)
    return {
        "funnel": bar_chart(
            [(label(f.step), [f.went_on, f.closed_here, f.open_here]) for f in s.funnel],
            CASES,
            FUNNEL_COLOURS,
            (
                Label("继续下一步", "Went on"),
                Label("在此结案", "Closed here"),
                Label("在此等待", "Open here"),
            ),
        ),
        "outcomes": bar_chart(outcomes, CASES),
        "open_stages": bar_chart(_counted(s.open_by_stage), CASES),
        "satisfaction": bar_chart(
            [(Label(f"{n} 分", f"{n} of 5"), [scores[n]]) for n in range(5, 0, -1)],
            Label("回答数", "Answers"),
        ),
        "channels": bar_chart(_counted(s.by_channel), CASES),
        "languages": bar_chart(_counted(s.by_language), CASES),
        "merchants": bar_chart([(Label(m, ""), [n]) for m, n in s.top_merchants], CASES),
        "skus": bar_chart([(Label(k, ""), [n]) for k, n in s.top_skus], CASES),
        "sla": percent_line_chart(
            [d.strftime("%m-%d") for d in days],
            [100 * met / filed for met, filed in s.sla_by_day.values()],
            SLA_TARGET,
            Label("受理日", "Filing day"),
            Label("及时确认率", "on time, %"),
            Label("确认及时率", "On time"),
            Label(f"目标 {SLA_TARGET:g}%", f"target {SLA_TARGET:g}%"),
        ),
    }


def render_report(s: Summary, seed: int, events_file: str, on_stack: bool = False) -> str:
    """The report's HTML."""
    escalation_levels = [
        (Label(f"{level} 级", f"level {level}"), n)
        for level, n in sorted(s.escalations_by_level.items())
    ]
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            s=s,
            seed=seed,
            where=ON_STACK if on_stack else EMBEDDED,
            events_file=events_file,
            figures=_figures(s),
            charts=_charts(s),
            label=label,
            escalation_levels=escalation_levels,
            referrals=[(label(k), n) for k, n in s.referrals.most_common()],
            appeals=[
                (Label("提出申诉", "Filed"), s.appeals["filed"]),
                (label("upheld"), s.appeals["upheld"]),
                (label("dismissed"), s.appeals["dismissed"]),
            ],
            spot_check_results=[(label(k), n) for k, n in s.spot_check_results.most_common()],
        )
    )


def write_report(
    s: Summary, path: Path, seed: int, events_file: str, on_stack: bool = False
) -> None:
    """Write the self-contained HTML report to ``path``."""
    path.write_text(render_report(s, seed, events_file, on_stack), encoding="utf-8")
