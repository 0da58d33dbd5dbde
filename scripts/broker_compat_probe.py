#!/usr/bin/env python3
"""Check that kafka-python and aiokafka work against the running broker.

Usage:
    .venv/bin/python scripts/broker_compat_probe.py [--bootstrap 127.0.0.1:9092]

The bootstrap defaults to $COMPLAINTS_KAFKA_BOOTSTRAP, then 127.0.0.1:9092
(start the broker with `scripts/devstack up`). Prints one line per check
("PASS <name>: detail" / "FAIL <name>: error") and exits 1 if any check
failed. Every run uses fresh topic and group names (prefixed
"compat-probe-"), which it deletes at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time
import traceback
import uuid

RESULTS: list[tuple[str, bool, str]] = []
N_MESSAGES = 20
PARTITIONS = 3


def record(name: str, ok: bool, detail: str) -> None:
    RESULTS.append((name, ok, detail))
    print(f"{'PASS' if ok else 'FAIL'} {name}: {detail}", flush=True)


def check(name: str):
    """Decorator: run the check, record PASS with its returned detail or FAIL."""

    def wrap(fn):
        def run(*args, **kwargs):
            try:
                detail = fn(*args, **kwargs)
                if asyncio.iscoroutine(detail):
                    detail = asyncio.run(detail)
                record(name, True, detail or "ok")
                return True
            except Exception as exc:
                if os.environ.get("PROBE_DEBUG"):
                    traceback.print_exc()
                record(name, False, f"{type(exc).__name__}: {exc}")
                return False

        return run

    return wrap


def expect(cond: bool, msg: str) -> None:
    if not cond:
        raise AssertionError(msg)


def messages(tag: str) -> list[tuple[bytes, bytes]]:
    # keyed, compressible payloads (lz4 has something to do)
    return [
        (f"complaint-{i % 5}".encode(), (f"{tag}-{i:03d} " + "x" * 200).encode())
        for i in range(N_MESSAGES)
    ]


# --------------------------------------------------------------- kafka-python
class KafkaPythonChecks:
    def __init__(self, bootstrap: str, run_id: str) -> None:
        self.bootstrap = bootstrap
        self.topic = f"compat-probe-{run_id}-kp-events"
        self.compacted = f"compat-probe-{run_id}-kp-compacted"
        self.group = f"compat-probe-{run_id}-kp-group"

    @check("kafka-python.metadata")
    def metadata(self):
        import kafka
        from kafka import KafkaAdminClient

        admin = KafkaAdminClient(bootstrap_servers=self.bootstrap, client_id="compat-probe")
        try:
            cluster = admin.describe_cluster()
            version = (
                admin._client.check_version() if hasattr(admin._client, "check_version") else "?"
            )
        finally:
            admin.close()
        expect(bool(cluster), "empty describe_cluster response")
        return f"kafka-python {kafka.__version__}, negotiated broker api version {version}"

    @check("kafka-python.admin.create_topics")
    def create_topics(self):
        from kafka import KafkaAdminClient
        from kafka.admin import NewTopic

        admin = KafkaAdminClient(bootstrap_servers=self.bootstrap, client_id="compat-probe")
        try:
            admin.create_topics(
                [
                    NewTopic(self.topic, num_partitions=PARTITIONS, replication_factor=1),
                    NewTopic(
                        self.compacted,
                        num_partitions=1,
                        replication_factor=1,
                        topic_configs={"cleanup.policy": "compact"},
                    ),
                ],
                timeout_ms=15000,
            )
            topics = set(admin.list_topics())
        finally:
            admin.close()
        expect(
            {self.topic, self.compacted} <= topics, f"created topics not listed: {sorted(topics)}"
        )
        return f"created {self.topic} ({PARTITIONS} partitions) and {self.compacted}"

    @check("kafka-python.admin.describe_configs(cleanup.policy=compact)")
    def describe_compacted(self):
        from kafka import KafkaAdminClient
        from kafka.admin import ConfigResource, ConfigResourceType

        admin = KafkaAdminClient(bootstrap_servers=self.bootstrap, client_id="compat-probe")
        try:
            resp = admin.describe_configs(
                [ConfigResource(ConfigResourceType.TOPIC, self.compacted)]
            )
        finally:
            admin.close()
        text = repr(resp)
        expect(
            "cleanup.policy" in text and "compact" in text,
            f"cleanup.policy=compact not found in {text[:300]}",
        )
        return "broker reports cleanup.policy=compact"

    def _produce(self, topic: str, tag: str) -> int:
        from kafka import KafkaProducer

        producer = KafkaProducer(
            bootstrap_servers=self.bootstrap,
            client_id="compat-probe",
            compression_type="lz4",
            enable_idempotence=True,
            acks="all",
        )
        try:
            futures = [producer.send(topic, key=k, value=v) for k, v in messages(tag)]
            producer.flush(timeout=20)
            metas = [f.get(timeout=20) for f in futures]
        finally:
            producer.close(timeout=10)
        expect(len(metas) == N_MESSAGES, "not every send was acknowledged")
        return len({m.partition for m in metas})

    @check("kafka-python.producer(lz4, enable_idempotence=True)")
    def produce(self):
        partitions = self._produce(self.topic, "kp")
        return f"{N_MESSAGES} keyed messages acked (acks=all) across {partitions} partitions"

    def _consumer(self, topic: str | None = None, **extra):
        from kafka import KafkaConsumer

        cfg = dict(
            bootstrap_servers=self.bootstrap,
            client_id="compat-probe",
            group_id=self.group,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            session_timeout_ms=6000,
            heartbeat_interval_ms=1000,
        )
        cfg.update(extra)
        return KafkaConsumer(*([topic] if topic else []), **cfg)

    def _drain(self, consumer, want: int, deadline_s: float = 30.0) -> list:
        got = []
        deadline = time.monotonic() + deadline_s
        while len(got) < want and time.monotonic() < deadline:
            for recs in consumer.poll(timeout_ms=500).values():
                got.extend(recs)
        return got

    @check("kafka-python.consumer_group(subscribe, commit, committed)")
    def consume_commit(self):

        consumer = self._consumer(self.topic)
        try:
            got = self._drain(consumer, N_MESSAGES)
            expect(len(got) == N_MESSAGES, f"consumed {len(got)}/{N_MESSAGES}")
            expect(
                sorted(r.value for r in got) == sorted(v for _, v in messages("kp")),
                "lz4 payloads differ after round trip",
            )
            consumer.commit()
            assignment = consumer.assignment()
            committed = {tp.partition: consumer.committed(tp) for tp in assignment}
            ends = consumer.end_offsets(list(assignment))
        finally:
            consumer.close()
        expect(len(assignment) == PARTITIONS, f"assignment {assignment}")
        for tp, end in ends.items():
            expect(committed[tp.partition] == end, f"committed {committed} != end offsets {ends}")
        # a new member of the same group resumes from the committed offsets
        consumer = self._consumer(self.topic)
        try:
            again = self._drain(consumer, 1, deadline_s=5)
            positions = {tp.partition: consumer.position(tp) for tp in consumer.assignment()}
        finally:
            consumer.close()
        expect(not again, f"re-read {len(again)} already committed messages")
        expect(
            positions == {tp.partition: end for tp, end in ends.items()}, f"positions {positions}"
        )
        return f"{N_MESSAGES} consumed in group {self.group}, offsets committed {sum(committed.values())} total, resumed at committed offsets"

    @check("kafka-python.admin.list_groups/list_group_offsets")
    def group_admin(self):
        from kafka import KafkaAdminClient

        admin = KafkaAdminClient(bootstrap_servers=self.bootstrap, client_id="compat-probe")
        try:
            groups = admin.list_groups()
            offsets = admin.list_group_offsets(self.group)
        finally:
            admin.close()
        expect(self.group in repr(groups), f"group not listed: {groups!r:.300}")
        offsets = offsets.get(self.group, offsets) if isinstance(offsets, dict) else offsets
        total = sum(getattr(o, "offset", 0) for o in offsets.values())
        expect(
            len(offsets) == PARTITIONS and total == N_MESSAGES,
            f"unexpected committed offsets {offsets!r:.300}",
        )
        return f"group listed, committed offsets for {len(offsets)} partitions (sum {total})"

    @check("kafka-python.compacted_topic(produce+consume)")
    def compacted_roundtrip(self):
        self._produce(self.compacted, "kp-compact")
        consumer = self._consumer(self.compacted, group_id=None)
        try:
            got = self._drain(consumer, N_MESSAGES)
        finally:
            consumer.close()
        expect(len(got) == N_MESSAGES, f"consumed {len(got)}/{N_MESSAGES}")
        return f"{N_MESSAGES} keyed lz4 messages written to and read back from the compacted topic"

    def run(self) -> None:
        self.metadata()
        if not self.create_topics():
            return
        self.describe_compacted()
        if self.produce():
            self.consume_commit()
            self.group_admin()
        self.compacted_roundtrip()


# -------------------------------------------------------------------- aiokafka
class AiokafkaChecks:
    def __init__(self, bootstrap: str, run_id: str, kp_topic: str) -> None:
        self.bootstrap = bootstrap
        self.topic = f"compat-probe-{run_id}-aio-events"
        self.compacted = f"compat-probe-{run_id}-aio-compacted"
        self.group = f"compat-probe-{run_id}-aio-group"
        self.kp_topic = kp_topic

    @check("aiokafka.admin.create_topics(incl. cleanup.policy=compact)")
    async def create_topics(self):
        import aiokafka
        from aiokafka.admin import AIOKafkaAdminClient, NewTopic

        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap, client_id="compat-probe")
        await admin.start()
        try:
            await admin.create_topics(
                [
                    NewTopic(self.topic, num_partitions=PARTITIONS, replication_factor=1),
                    NewTopic(
                        self.compacted,
                        num_partitions=1,
                        replication_factor=1,
                        topic_configs={"cleanup.policy": "compact"},
                    ),
                ]
            )
            topics = set(await admin.list_topics())
            from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

            cfg = await admin.describe_configs(
                [ConfigResource(ConfigResourceType.TOPIC, self.compacted)]
            )
        finally:
            await admin.close()
        expect(
            {self.topic, self.compacted} <= topics, f"created topics not listed: {sorted(topics)}"
        )
        expect("compact" in repr(cfg), f"cleanup.policy=compact not reported: {cfg!r:.300}")
        return f"aiokafka {aiokafka.__version__}: created {self.topic} and {self.compacted} (cleanup.policy=compact confirmed)"

    async def _produce(self, topic: str, tag: str, **extra) -> int:
        from aiokafka import AIOKafkaProducer

        producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap,
            client_id="compat-probe",
            compression_type="lz4",
            enable_idempotence=True,
            acks="all",
            **extra,
        )
        await producer.start()
        try:
            futs = [await producer.send(topic, key=k, value=v) for k, v in messages(tag)]
            metas = [await f for f in futs]
        finally:
            await producer.stop()
        return len({m.partition for m in metas})

    @check("aiokafka.producer(lz4, enable_idempotence=True)")
    async def produce(self):
        partitions = await self._produce(self.topic, "aio")
        return f"{N_MESSAGES} keyed messages acked across {partitions} partitions"

    async def _drain(self, consumer, want: int, deadline_s: float = 30.0) -> list:
        got = []
        deadline = time.monotonic() + deadline_s
        while len(got) < want and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for recs in batch.values():
                got.extend(recs)
        return got

    def _consumer(self, *topics, **extra):
        from aiokafka import AIOKafkaConsumer

        cfg = dict(
            bootstrap_servers=self.bootstrap,
            client_id="compat-probe",
            group_id=self.group,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            session_timeout_ms=6000,
            heartbeat_interval_ms=1000,
        )
        cfg.update(extra)
        return AIOKafkaConsumer(*topics, **cfg)

    @check("aiokafka.consumer_group(subscribe, commit, committed)")
    async def consume_commit(self):
        consumer = self._consumer(self.topic)
        await consumer.start()
        try:
            got = await self._drain(consumer, N_MESSAGES)
            expect(len(got) == N_MESSAGES, f"consumed {len(got)}/{N_MESSAGES}")
            expect(
                sorted(r.value for r in got) == sorted(v for _, v in messages("aio")),
                "lz4 payloads differ after round trip",
            )
            await consumer.commit()
            assignment = consumer.assignment()
            committed = {tp.partition: await consumer.committed(tp) for tp in assignment}
            ends = await consumer.end_offsets(list(assignment))
        finally:
            await consumer.stop()
        expect(len(assignment) == PARTITIONS, f"assignment {assignment}")
        for tp, end in ends.items():
            expect(committed[tp.partition] == end, f"committed {committed} != end offsets {ends}")
        consumer = self._consumer(self.topic)
        await consumer.start()
        try:
            again = await self._drain(consumer, 1, deadline_s=5)
        finally:
            await consumer.stop()
        expect(not again, f"re-read {len(again)} already committed messages")
        return f"{N_MESSAGES} consumed in group {self.group}, committed == end offsets, new member resumed there"

    @check("aiokafka.admin.list_consumer_group_offsets")
    async def group_admin(self):
        from aiokafka.admin import AIOKafkaAdminClient

        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap, client_id="compat-probe")
        await admin.start()
        try:
            groups = await admin.list_consumer_groups()
            offsets = await admin.list_consumer_group_offsets(self.group)
        finally:
            await admin.close()
        expect(self.group in repr(groups), f"group not listed: {groups!r:.300}")
        total = sum(getattr(o, "offset", 0) for o in offsets.values())
        expect(
            len(offsets) == PARTITIONS and total == N_MESSAGES,
            f"unexpected committed offsets {offsets!r:.300}",
        )
        return f"group listed, committed offsets for {len(offsets)} partitions (sum {total})"

    @check("aiokafka.compacted_topic(produce+consume)")
    async def compacted_roundtrip(self):
        await self._produce(self.compacted, "aio-compact")
        consumer = self._consumer(self.compacted, group_id=None)
        await consumer.start()
        try:
            got = await self._drain(consumer, N_MESSAGES)
        finally:
            await consumer.stop()
        expect(len(got) == N_MESSAGES, f"consumed {len(got)}/{N_MESSAGES}")
        return f"{N_MESSAGES} keyed lz4 messages written to and read back from the compacted topic"

    @check("aiokafka.reads_kafka-python_messages")
    async def cross_read(self):
        consumer = self._consumer(self.kp_topic, group_id=None)
        await consumer.start()
        try:
            got = await self._drain(consumer, N_MESSAGES)
        finally:
            await consumer.stop()
        expect(
            sorted(r.value for r in got) == sorted(v for _, v in messages("kp")),
            f"got {len(got)} messages, payloads differ",
        )
        return "aiokafka decoded the lz4 batches written by kafka-python's idempotent producer"

    @check("aiokafka.transactions(read_committed)")
    async def transactions(self):
        # faust's exactly_once guarantee relies on transactional producers
        from aiokafka import AIOKafkaProducer

        producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap,
            client_id="compat-probe",
            compression_type="lz4",
            transactional_id=f"{self.group}-txn",
        )
        await producer.start()
        try:
            async with producer.transaction():
                for k, v in messages("aio-txn-committed"):
                    await producer.send(self.compacted, key=k, value=v)
            await producer.begin_transaction()
            for k, v in messages("aio-txn-aborted")[:5]:
                await producer.send(self.compacted, key=k, value=v)
            await producer.abort_transaction()
        finally:
            await producer.stop()
        consumer = self._consumer(self.compacted, group_id=None, isolation_level="read_committed")
        await consumer.start()
        try:
            got = await self._drain(consumer, 2 * N_MESSAGES, deadline_s=10)
        finally:
            await consumer.stop()
        values = [r.value for r in got]
        expect(
            not any(b"aio-txn-aborted" in v for v in values),
            "aborted records visible under read_committed",
        )
        committed = sum(b"aio-txn-committed" in v for v in values)
        expect(
            committed == N_MESSAGES,
            f"{committed}/{N_MESSAGES} committed transactional records visible",
        )
        return "committed transaction visible, aborted one hidden under read_committed"

    @check("aiokafka.lz4_codec_installed")
    def codec(self):
        from aiokafka.codec import has_lz4

        expect(
            has_lz4(),
            "aiokafka needs cramjam for lz4: install 'aiokafka[lz4]' (pulls cramjam>=2.8)",
        )
        import cramjam

        return f"cramjam {getattr(cramjam, '__version__', '?')} present"

    def run(self) -> None:
        self.codec()
        if not self.create_topics():
            return
        if self.produce():
            self.consume_commit()
            self.group_admin()
        self.compacted_roundtrip()
        self.cross_read()
        self.transactions()


@check("kafka-python.reads_aiokafka_messages")
def kp_cross_read(bootstrap: str, topic: str):
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(
        topic, bootstrap_servers=bootstrap, client_id="compat-probe", auto_offset_reset="earliest"
    )
    got = []
    deadline = time.monotonic() + 15
    try:
        while len(got) < N_MESSAGES and time.monotonic() < deadline:
            for recs in consumer.poll(timeout_ms=500).values():
                got.extend(recs)
    finally:
        consumer.close()
    expect(
        sorted(r.value for r in got) == sorted(v for _, v in messages("aio")),
        f"got {len(got)} messages, payloads differ",
    )
    return "kafka-python decoded the lz4 batches written by aiokafka's idempotent producer"


def cleanup(bootstrap: str, prefix: str) -> None:
    try:
        from kafka import KafkaAdminClient

        admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="compat-probe")
        try:
            topics = [t for t in admin.list_topics() if t.startswith(prefix)]
            if topics:
                admin.delete_topics(topics, timeout_ms=15000)
        finally:
            admin.close()
    except Exception as exc:
        print(f"note: cleanup of {prefix}* topics failed: {exc}", file=sys.stderr)


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--bootstrap",
        default=os.environ.get("COMPLAINTS_KAFKA_BOOTSTRAP", "127.0.0.1:9092"),
        help="bootstrap servers (default: $COMPLAINTS_KAFKA_BOOTSTRAP or 127.0.0.1:9092)",
    )
    ap.add_argument("--keep", action="store_true", help="do not delete the probe topics")
    args = ap.parse_args()
    logging.basicConfig(
        level=logging.CRITICAL if not os.environ.get("PROBE_DEBUG") else logging.INFO
    )

    run_id = uuid.uuid4().hex[:8]
    print(f"probing Kafka at {args.bootstrap} (run {run_id})", flush=True)
    kp = KafkaPythonChecks(args.bootstrap, run_id)
    kp.run()
    aio = AiokafkaChecks(args.bootstrap, run_id, kp.topic)
    aio.run()
    kp_cross_read(args.bootstrap, aio.topic)
    if not args.keep:
        cleanup(args.bootstrap, f"compat-probe-{run_id}-")

    failed = [name for name, ok, _ in RESULTS if not ok]
    print(f"{len(RESULTS) - len(failed)} passed, {len(failed)} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
