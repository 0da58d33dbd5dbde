"""What the benchmarks share: realistic intake messages, a fresh database, topic clean-up.

Every benchmark runs on the local stack (``scripts/devstack up && eval
"$(scripts/devstack env)"``) in a database and under a topic prefix of its own,
removed afterwards unless ``--keep`` is given.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
from kafka import KafkaAdminClient
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from complaint_events.contracts.intake import IntakeMessageV1
from complaint_events.domain.complaint import ComplaintDetails, Contact, EvidenceRef
from complaint_events.domain.values import Channel, Demand, EvidenceKind, ProblemCategory
from complaint_events.settings import Settings

CLI = Path(sys.executable).parent / "complaint-events"

CHANNELS = ("web", "app", "chat", "hotline", "email", "social", "review")
CATEGORIES = (
    "quality_defect", "not_as_described", "counterfeit", "food_safety",
    "damaged_in_transit", "after_sales_broken_promise", "no_reason_return", "other",
)  # fmt: skip
DEMANDS = ("refund", "return", "exchange", "repair", "compensation")
PRODUCTS = (
    ("电热水壶", "壶底漏水，通电后跳闸", "zh"),
    ("蓝牙耳机", "左耳没有声音，充电仓无法充电", "zh"),
    ("婴儿奶粉", "开罐后有结块和异味，宝宝喝后腹泻", "zh"),
    ("运动鞋", "穿了两天鞋底开胶，与商品详情页描述不符", "zh"),
    ("Phone charger", "The charger gets very hot and smells of burning plastic.", "en"),
    ("羽绒服", "含绒量与吊牌不符，怀疑是假货", "zh"),
    ("Blender", "Arrived with a cracked jar; the box was crushed in transit.", "en"),
)
NAMES = ("林小明", "王芳", "张伟", "李娜", "Chen Jie", "刘洋", "赵敏")


def intake_message(n: int) -> dict[str, Any]:
    """The n-th distinct, valid intake message: its own channel ref, consumer and order."""
    channel = CHANNELS[n % len(CHANNELS)]
    product, description, language = PRODUCTS[n % len(PRODUCTS)]
    received = datetime(2026, 3, 1, 8, tzinfo=UTC) + timedelta(seconds=n)
    bought = date(2026, 2, 1) + timedelta(days=n % 20)
    message: dict[str, Any] = {
        "channel": channel,
        "channel_ref": f"{channel}-{n}",
        "received_at": received.isoformat(),
        "consumer": {
            "consumer_id": f"c-{n}",
            "name": NAMES[n % len(NAMES)],
            "phone": f"183{n:08d}",
        },
        "order_id": f"o-{n}",
        "merchant_id": f"m-{n % 97}",
        "sku": f"sku-{n}",  # distinct: no batch-quality recall in the throughput runs
        "product_name": product,
        "purchase_date": bought.isoformat(),
        "delivered_on": (bought + timedelta(days=2)).isoformat(),
        "price": f"{19 + n % 500}.{n % 100:02d}",
        "quantity": 1 + n % 3,
        "description": f"{description}（第{n}号投诉）",
        "evidence": [{"kind": "photo", "uri": f"s3://evidence/{n}.jpg"}],
        "demand": DEMANDS[n % len(DEMANDS)],
        "category": CATEGORIES[n % len(CATEGORIES)],
        "language": language,
    }
    if n % 50 == 0:
        message["safety_flags"] = ["injury"]
    return message


def kettle_complaint(
    n: int, channel_ref: str, received_at: datetime, **overrides: Any
) -> ComplaintDetails:
    """The n-th distinct complaint, filed straight into the store: its own order, a photo."""
    base = ComplaintDetails(
        channel=Channel.APP,
        channel_ref=channel_ref,
        received_at=received_at,
        consumer_id=f"c-{n}",
        contact=Contact(f"Consumer {n}", "18312342807"),
        order_id=f"o-{n}",
        merchant_id=f"m-{n % 97}",
        sku=f"sku-{n % 1013}",
        product_name="电热水壶",
        description="壶底漏水",
        demand=Demand.REFUND,
        category=ProblemCategory.QUALITY_DEFECT,
        price=Decimal("199.00"),
        evidence=(EvidenceRef(EvidenceKind.PHOTO, f"s3://e/{n}.jpg"),),
    )
    return replace(base, **overrides)


def encoded_messages(count: int) -> list[tuple[bytes, bytes]]:
    """(key, value) pairs, each checked against the intake contract so none is dead-lettered."""
    pairs = []
    for n in range(count):
        message = intake_message(n)
        value = json.dumps(message, ensure_ascii=False).encode()
        intake = IntakeMessageV1.model_validate_json(value)
        intake.to_details()
        pairs.append((intake.kafka_key(), value))
    return pairs


@contextmanager
def fresh_database(admin_dsn: str, keep: bool) -> Iterator[str]:
    """A new, empty database on the server of ``admin_dsn``; dropped afterwards unless kept."""
    name = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    info = conninfo_to_dict(admin_dsn)
    info["dbname"] = name
    try:
        yield make_conninfo(**info)  # type: ignore[arg-type]
    finally:
        if keep:
            print(f"kept database {name}")
        else:
            with psycopg.connect(admin_dsn, autocommit=True) as conn:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )


def delete_topics(bootstrap: str, prefix: str) -> None:
    """Delete every topic of this run: the project's and faust's own (all carry the prefix)."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="bench-cleanup")
    try:
        mine = [t for t in admin.list_topics() if t.startswith(prefix)]
        if mine:
            admin.delete_topics(mine)
    finally:
        admin.close()


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is not None:
        return
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(timeout=30)


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured figure, as ``bench/run_all.py`` prints it and writes it to JSON.

    ``key`` is stable (``"ceiling.kafka_produce"``, ``"peer.end_to_end"``,
    ``"ours.relay"`` …): the runner looks figures up by it to print the ratios.
    """

    key: str
    label: str
    value: float
    unit: str  # "msg/s", "rows/s", "events/s", "cases/s", "ms", "MiB" …
    note: str = ""


def print_figures(title: str, figures: list[Figure]) -> None:
    """The figures as an aligned table on stdout."""
    print(f"\n{title}")
    width = max((len(f.label) for f in figures), default=0)
    for f in figures:
        note = f"  ({f.note})" if f.note else ""
        print(f"  {f.label:<{width}}  {f.value:>12,.1f} {f.unit}{note}")


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """The module docstring as written, and each option's default."""


def write_results(path: Path, document: dict[str, Any], figures: list[Figure]) -> None:
    """Write ``document`` with the figures, when and where they were measured, as JSON."""
    document = {
        **document,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "host": f"{platform.node()} ({os.cpu_count()} cpu)",
        "load_average_after": [round(load, 2) for load in os.getloadavg()],  # shared machine
        "figures": [asdict(f) for f in figures],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    print(f"\nfigures written to {path}")


def worker_env(settings: Settings, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a ``complaint-events worker`` on the benchmark's database and
    topics (short session timeout, as in the tests); ``extra`` adds or overrides."""
    return {
        **os.environ,
        "COMPLAINTS_STORE": "postgres",
        "COMPLAINTS_POSTGRES_DSN": settings.postgres_dsn,
        "COMPLAINTS_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
        "COMPLAINTS_TOPIC_PREFIX": settings.topic_prefix,
        "COMPLAINTS_PARTITIONS": str(settings.partitions),
        "COMPLAINTS_KAFKA_SESSION_TIMEOUT": "6",
        "COMPLAINTS_WORKER_DATA_DIR": str(data_dir),
        "PYTHONUNBUFFERED": "1",
        **extra,
    }
