"""Where time comes from. Rules never read the wall clock; they are handed ``now``.

The application and the processors take a :class:`Clock`; production uses
:class:`SystemClock`, tests and the embedded demo use :class:`SimulatedClock`
and move it forward instead of sleeping.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current time, timezone-aware in UTC."""

    def now(self) -> datetime: ...


class SystemClock:
    """The wall clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(tz=UTC)


class SimulatedClock:
    """A clock that only moves when told to. Thread-safe; never goes backwards."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("SimulatedClock needs a timezone-aware start time")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward by ``delta`` and return the new time."""
        if delta < timedelta(0):
            raise ValueError("a simulated clock cannot go backwards")
        with self._lock:
            self._now += delta
            return self._now

    def set(self, moment: datetime) -> None:
        """Jump to ``moment``, which must not be earlier than the current time."""
        moment = moment.astimezone(UTC)
        with self._lock:
            if moment < self._now:
                raise ValueError(f"cannot move the clock back from {self._now} to {moment}")
            self._now = moment


class FileClock:
    """A clock another process controls: the time is the ISO timestamp written in a file.

    For end-to-end tests and demonstrations of workers running as separate
    processes: the test writes a new time into the file instead of sleeping.
    The file is re-read only when it changes.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen: tuple[int, int, int] | None = None
        self._now: datetime | None = None
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            try:
                stat = self.path.stat()
            except FileNotFoundError:
                raise ClockError(
                    f"clock file {self.path} does not exist; write an ISO timestamp into it "
                    "(e.g. 2026-01-05T09:00:00+00:00) or use COMPLAINTS_CLOCK=system"
                ) from None
            version = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
            if version != self._seen or self._now is None:
                self._now = _parse_moment(self.path.read_text().strip(), self.path)
                self._seen = version
            return self._now

    @staticmethod
    def write(path: Path, moment: datetime) -> None:
        """Set the time of every FileClock reading ``path`` (atomically)."""
        if moment.tzinfo is None:
            raise ValueError("the clock's time must be timezone-aware")
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(moment.astimezone(UTC).isoformat())
        tmp.replace(path)


class ClockError(RuntimeError):
    """The configured clock cannot tell the time."""


def _parse_moment(text: str, source: Path) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ClockError(f"clock file {source} holds {text!r}, not an ISO timestamp") from None
    if moment.tzinfo is None:
        raise ClockError(f"clock file {source} holds {text!r} without a timezone")
    return moment.astimezone(UTC)


def clock_from_spec(spec: str) -> Clock:
    """The clock named by ``COMPLAINTS_CLOCK``: ``system`` or ``file:PATH``."""
    if spec == "system":
        return SystemClock()
    if spec.startswith("file:") and spec[5:]:
        return FileClock(Path(spec[5:]))
    raise ClockError(f"unknown clock {spec!r}; use 'system' or 'file:/path/to/clock-file'")
