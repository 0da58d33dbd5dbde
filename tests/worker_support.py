"""Running the workers as users run them, and talking to them the way adapters and the API do."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterable
from contextlib import suppress
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from kafka import KafkaProducer

from api_support import filed_complaint
from complaint_events.application.cases import ComplaintCases
from complaint_events.clock import FileClock
from complaint_events.contracts.topology import COMMANDS_TOPIC, INTAKE_TOPIC
from complaint_events.settings import Settings

CLI = Path(sys.executable).parent / "complaint-events"


def run_as_group(
    args: list[str], *, env: dict[str, str], timeout: float
) -> subprocess.CompletedProcess[str]:
    """Run a command that starts processes of its own (the stack demo starts workers),
    and end every one of them when it ends, or when the test gives up on it (a timeout)."""
    with subprocess.Popen(
        args,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as process:
        try:
            out, err = process.communicate(timeout=timeout)
        finally:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
    return subprocess.CompletedProcess(args, process.returncode, out, err)


def worker_env(
    settings: Settings, clock_file: Path, data_dir: Path, **extra: str
) -> dict[str, str]:
    """The environment of a worker process on the test's stack, topics and clock."""
    env = {
        **os.environ,
        "COMPLAINTS_STORE": "postgres",
        "COMPLAINTS_POSTGRES_DSN": settings.postgres_dsn,
        "COMPLAINTS_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
        "COMPLAINTS_TOPIC_PREFIX": settings.topic_prefix,
        "COMPLAINTS_PARTITIONS": str(settings.partitions),
        "COMPLAINTS_CLOCK": f"file:{clock_file}",
        "COMPLAINTS_KAFKA_SESSION_TIMEOUT": "6",
        "COMPLAINTS_DEADLINE_TICK": "0.2",
        "COMPLAINTS_BATCH_WAIT": "0.05",
        "COMPLAINTS_WORKER_DATA_DIR": str(data_dir),
        "PYTHONUNBUFFERED": "1",
    }
    env.update(extra)
    return env


class Worker:
    """One ``complaint-events worker NAME...`` process, its output kept in a log file."""

    def __init__(self, names: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.names = names
        self.env = env
        self.log_path = log_dir / f"worker-{'-'.join(names)}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> Worker:
        self.starts += 1
        log = self.log_path.open("ab")
        log.write(f"\n===== start {self.starts} =====\n".encode())
        log.flush()
        self.process = subprocess.Popen(
            [str(CLI), "worker", *self.names],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        return self

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, no final commit."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> int:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(timeout=30)

    def assert_alive(self) -> None:
        """Fail the test at once, with the worker's output, if the worker has died."""
        if not self.alive():
            raise AssertionError(f"worker {self.names} exited; its log:\n{self.log()[-8000:]}")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def returncode(self) -> int | None:
        """How the process ended (None while it runs, or if it never started)."""
        return None if self.process is None else self.process.poll()

    def log_since_start(self) -> str:
        """What the worker printed since it was last started."""
        return self.log().rsplit(f"===== start {self.starts} =====", 1)[-1]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def intake_message(n: int, **changes: Any) -> dict[str, Any]:
    """A valid intake message, as a channel adapter sends it: consumer c-n's app complaint."""
    by_app = {
        "channel": "app",
        "channel_ref": f"app-{n}",
        "consumer": {"consumer_id": f"c-{n}", "name": "林小明", "phone": "18312342807"},
        "merchant_id": f"m-{n % 5}",
    }
    return filed_complaint(n, **(by_app | changes))


def send_intake(
    bootstrap: str, settings: Settings, messages: Iterable[dict[str, Any] | bytes]
) -> int:
    """Produce intake messages (dicts as JSON; bytes as they are), keyed by channel reference."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    sent = 0
    try:
        for message in messages:
            if isinstance(message, bytes):
                key, value = b"poison", message
            else:
                key = f"{message.get('channel')}:{message.get('channel_ref')}".encode()
                value = json.dumps(message, ensure_ascii=False).encode()
            producer.send(settings.topic(INTAKE_TOPIC), key=key, value=value)
            sent += 1
        producer.flush()
    finally:
        producer.close()
    return sent


def produce(bootstrap: str, topic: str, values: Iterable[bytes]) -> None:
    """Put raw messages on a topic, as a misbehaving producer might."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        for value in values:
            producer.send(topic, key=b"odd", value=value)
        producer.flush()
    finally:
        producer.close()


def command(
    case_id: UUID, command_type: str, payload: dict[str, Any], *, actor: str, at: datetime
) -> dict[str, Any]:
    """A command envelope as the API sends it."""
    return {
        "command_id": str(uuid.uuid4()),
        "command_type": command_type,
        "schema_version": 1,
        "case_id": str(case_id),
        "actor": actor,
        "issued_at": at.isoformat(),
        "payload": payload,
    }


def send_commands(bootstrap: str, settings: Settings, commands: Iterable[dict[str, Any]]) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    try:
        for c in commands:
            producer.send(
                settings.topic(COMMANDS_TOPIC),
                key=str(c["case_id"]).encode(),
                value=json.dumps(c).encode(),
            )
        producer.flush()
    finally:
        producer.close()


def event_types(cases: ComplaintCases, case_id: UUID) -> list[str]:
    return [type(e).__name__ for e in cases.repository.event_store.get(case_id)]


def set_clock(clock_file: Path, moment: datetime) -> None:
    FileClock.write(clock_file, moment)
