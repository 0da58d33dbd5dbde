"""The workers of the demo's stack mode: ``complaint-events worker`` processes it starts and stops.

Two processes: every processor but the acknowledgement in one, the
acknowledgement (the notification gateway's side) in the other, so the
scenario's gateway outage is a real one: that worker is stopped while the
gateway is down and started again when it is back. Both read the time from a
file the demo moves (``COMPLAINTS_CLOCK=file:PATH``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from complaint_events.consumers.topology import PROCESSORS, app_id, app_name
from complaint_events.settings import Settings

ACKNOWLEDGEMENT = "acknowledgement"
MAIN = [name for name in PROCESSORS if name != ACKNOWLEDGEMENT]
_STOP_WAIT = 30.0


class WorkerExitedError(RuntimeError):
    """A worker process ended on its own; the message carries the end of its log."""


class StackWorkers:
    """The demo's two worker processes, their consumer groups and their logs."""

    def __init__(self, settings: Settings, clock_file: Path, workdir: Path) -> None:
        self.settings = settings
        self.workdir = workdir
        self.env = {
            **os.environ,
            "COMPLAINTS_STORE": "postgres",
            "COMPLAINTS_POSTGRES_DSN": settings.postgres_dsn,
            "COMPLAINTS_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
            "COMPLAINTS_TOPIC_PREFIX": settings.topic_prefix,
            "COMPLAINTS_PARTITIONS": str(settings.partitions),
            "COMPLAINTS_CLOCK": f"file:{clock_file}",
            # Quick steps: the demo waits for the workers to settle at every simulated moment.
            "COMPLAINTS_KAFKA_SESSION_TIMEOUT": "6",
            "COMPLAINTS_KAFKA_COMMIT_INTERVAL": "0.1",
            "COMPLAINTS_DEADLINE_TICK": "0.05",
            "COMPLAINTS_BATCH_WAIT": "0.02",
            "COMPLAINTS_RELAY_IDLE_WAIT": "0.02",
            "COMPLAINTS_WORKER_DATA_DIR": str(workdir / "worker-data"),
            "PYTHONUNBUFFERED": "1",
        }
        self._running: dict[str, subprocess.Popen[bytes]] = {}

    def log_path(self, which: str) -> Path:
        return self.workdir / f"worker-{which}.log"

    def start(self, which: str) -> None:
        """Start ``main`` (every processor but the acknowledgement) or ``acknowledgement``."""
        names = MAIN if which == "main" else [ACKNOWLEDGEMENT]
        with self.log_path(which).open("ab") as log:
            self._running[which] = subprocess.Popen(  # noqa: S603 - our own CLI, fixed args
                [sys.executable, "-m", "complaint_events.cli.main", "worker", *names],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def stop(self, which: str) -> None:
        """Stop a worker cleanly (SIGTERM: it commits what it has done)."""
        process = self._running.pop(which, None)
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=_STOP_WAIT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=_STOP_WAIT)

    def stop_all(self) -> None:
        for which in list(self._running):
            self.stop(which)

    def running(self, which: str) -> bool:
        return which in self._running

    def check_alive(self) -> None:
        """Raise :class:`WorkerExitedError`, with its log's tail, if a worker has died."""
        for which, process in self._running.items():
            if process.poll() is not None:
                tail = self.log_path(which).read_text(errors="replace")[-4000:]
                raise WorkerExitedError(
                    f"the {which} worker exited with code {process.returncode}; "
                    f"the end of {self.log_path(which)}:\n{tail}"
                )

    def groups(self) -> list[tuple[str, list[str]]]:
        """The consumer group of each running worker and the topics it consumes."""
        found: list[tuple[str, list[str]]] = []
        for which in self._running:
            names = MAIN if which == "main" else [ACKNOWLEDGEMENT]
            sources = {self.settings.topic(t) for name in names for t in PROCESSORS[name].sources}
            found.append((app_id(self.settings, app_name(names)), sorted(sources)))
        return found
