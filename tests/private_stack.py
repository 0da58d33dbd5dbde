"""Kafka and PostgreSQL of one test alone, for tests that stop and restart them.

:class:`PrivateStack` starts either or both with ``scripts/devstack`` in a
temporary state directory on free ports, restarts either alone
(``scripts/devstack stop|start kafka|postgres``) and removes everything
afterwards, so the shared stack the other tests use is never disturbed.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

DEVSTACK = Path(__file__).resolve().parents[1] / "scripts" / "devstack"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivateStack:
    """Kafka and PostgreSQL of one test, started by ``scripts/devstack`` on free ports."""

    def __init__(self) -> None:
        # /var/tmp and mode 755: the postgres OS user (devstack runs as root in CI) must
        # reach its data directory.
        self.dir = Path(tempfile.mkdtemp(prefix="complaints-chaos-", dir="/var/tmp"))
        self.dir.chmod(0o755)
        kafka, controller, postgres = free_port(), free_port(), free_port()
        self.env = {
            **os.environ,
            "COMPLAINTS_STACK_DIR": str(self.dir),
            "COMPLAINTS_KAFKA_PORT": str(kafka),
            "COMPLAINTS_KAFKA_CONTROLLER_PORT": str(controller),
            "COMPLAINTS_PG_PORT": str(postgres),
            "COMPLAINTS_KAFKA_HEAP_OPTS": "-Xms256m -Xmx768m",
        }
        self.bootstrap = f"127.0.0.1:{kafka}"
        self.dsn = f"postgresql://postgres@127.0.0.1:{postgres}/complaints"

    def devstack(self, *args: str) -> None:
        done = subprocess.run(
            [str(DEVSTACK), *args], env=self.env, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise AssertionError(f"scripts/devstack {' '.join(args)} failed:\n{done.stderr}")

    def up(self) -> PrivateStack:
        self.devstack("up")
        return self

    def stop(self, service: str) -> None:
        self.devstack("stop", service)

    def start(self, service: str) -> None:
        self.devstack("start", service)

    def down(self, *, keep: bool = False) -> None:
        """Stop both services; remove the state directory unless asked to keep it."""
        self.devstack("down")
        if not keep:
            shutil.rmtree(self.dir, ignore_errors=True)
