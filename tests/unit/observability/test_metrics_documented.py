"""docs/operations-metrics.md and the Grafana dashboard name every series, and only real ones."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import Counter, Histogram
from prometheus_client.metrics import MetricWrapperBase

from complaint_events.observability import metrics

ROOT = Path(__file__).resolve().parents[3]
PAGE = (ROOT / "docs" / "operations-metrics.md").read_text(encoding="utf-8")
DASHBOARD: dict[str, Any] = json.loads(
    (ROOT / "docs" / "grafana" / "complaint-events.json").read_text(encoding="utf-8")
)
NAMED = re.compile(r"\bcomplaints_[a-z_]+")
SUFFIXES = ("_total", "_bucket", "_sum", "_count")


def defined() -> dict[str, MetricWrapperBase]:
    """Every series the metrics module defines, by the name it has on the page."""
    found: dict[str, MetricWrapperBase] = {}
    for value in vars(metrics).values():
        if isinstance(value, MetricWrapperBase):
            [family] = value.describe()
            name = family.name
            found[f"{name}_total" if isinstance(value, Counter) else name] = value
    return found


def base(name: str) -> str:
    """``complaints_x_total`` -> ``complaints_x`` (and a histogram's parts to its name)."""
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return name.removesuffix(suffix)
    return name


def expressions() -> list[str]:
    return [target["expr"] for panel in DASHBOARD["panels"] for target in panel.get("targets", [])]


def test_the_module_defines_the_series_the_issue_asks_for() -> None:
    assert {
        "complaints_messages_in_total",
        "complaints_messages_out_total",
        "complaints_dead_letters_total",
        "complaints_batch_seconds",
        "complaints_consumer_lag",
        "complaints_deadlines_pending",
        "complaints_deadlines_fired_total",
        "complaints_stall_seconds",
        "complaints_relay_position",
    } <= set(defined())
    assert isinstance(defined()["complaints_batch_seconds"], Histogram)


@pytest.mark.parametrize("name", sorted(defined()))
def test_every_series_is_documented_and_on_the_dashboard(name: str) -> None:
    assert f"`{name}`" in PAGE, f"docs/operations-metrics.md does not describe {name}"
    assert any(name in expr for expr in expressions()), f"no dashboard panel shows {name}"


def test_the_page_and_the_dashboard_name_no_series_that_does_not_exist() -> None:
    known = {base(name) for name in defined()}
    named = set(NAMED.findall(PAGE)) | {n for e in expressions() for n in NAMED.findall(e)}
    unknown = sorted(n for n in named if base(n) not in known)
    assert not unknown, f"not defined in observability/metrics.py: {unknown}"


def test_the_dashboard_asks_for_its_prometheus_data_source() -> None:
    variables = {v["name"]: v for v in DASHBOARD["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    [needed] = DASHBOARD["__inputs"]
    assert needed["pluginId"] == "prometheus"
    for panel in DASHBOARD["panels"]:
        if panel["type"] == "row":
            continue
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel["title"]
        assert panel["targets"], panel["title"]
        assert all(t["datasource"] == panel["datasource"] for t in panel["targets"])


def test_the_dashboard_is_a_grafana_model() -> None:
    assert DASHBOARD["uid"] == "complaint-events"
    assert DASHBOARD["id"] is None  # Grafana gives it one on import
    assert isinstance(DASHBOARD["schemaVersion"], int)
    ids = [panel["id"] for panel in DASHBOARD["panels"]]
    assert len(ids) == len(set(ids))
    for panel in DASHBOARD["panels"]:
        position = panel["gridPos"]
        assert position["x"] + position["w"] <= 24, panel["title"]
