"""What the demo prints last: commands that look at this run's cases, ready to paste.

A demo that ends with figures alone leaves its cases out of reach: the store
is somewhere the other commands do not look by default, and the API wants a
token. So the demo ends with the exact lines that show one of its cases,
verify that case's hash chain and start the API on the same store (with the
handler console's address), with a request for the case: every path written
as it is typed from the folder the demo ran in (``.venv/bin/complaint-events``
from the repository root), every setting the commands need given on the line
itself or on one ``export`` line, quoted for the shell. An e2e test runs the lines as printed.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import socket
import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

from complaint_events.contracts.envelope import EventEnvelope

API_PRINCIPAL = "auditor:demo"
"""Who the demo's API token speaks for: an auditor reads every case and changes none."""

API_TOKENS_FILE = "api-tokens.json"
_PREFERRED_PORT = 8080


@dataclass(frozen=True)
class HandOff:
    """The commands that look at one case of a finished run, and how they find its store.

    ``env`` points the commands at the run's store; ``inline`` puts it before each
    command (a few short settings), otherwise it is one ``export`` line printed first.
    ``as_of`` is set when the API's read models are not there (the SQLite store): the
    case is then read from the event store as it stood at that instant.
    """

    executable: str
    env: Mapping[str, str]
    case_id: UUID
    token: str
    tokens_file: str
    port: int
    inline: bool = True
    as_of: datetime | None = None
    _quoted_env: str = field(init=False, repr=False)

    def __post_init__(self) -> None:
        quoted = " ".join(f"{name}={shlex.quote(value)}" for name, value in self.env.items())
        object.__setattr__(self, "_quoted_env", quoted)

    def _command(self, *args: str, env: Mapping[str, str] | None = None) -> str:
        words = " ".join(shlex.quote(a) for a in (self.executable, *args))
        extra = " ".join(f"{name}={shlex.quote(value)}" for name, value in (env or {}).items())
        prefix = " ".join(p for p in (self._quoted_env if self.inline else "", extra) if p)
        return f"{prefix} {words}" if prefix else words

    def case_url(self) -> str:
        url = f"http://127.0.0.1:{self.port}/v1/cases/{self.case_id}"
        if self.as_of is not None:
            url += "?as_of=" + self.as_of.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return url

    def console_url(self) -> str:
        """Where the API started by :meth:`lines` serves the handler console."""
        return f"http://127.0.0.1:{self.port}/console/"

    def lines(self) -> list[str]:
        """Comment lines (``#``) and command lines, in the order to run them."""
        case = str(self.case_id)
        api_env = {"COMPLAINTS_API_TOKENS_FILE": self.tokens_file}
        shown = "as it stood at the end of the run" if self.as_of else "from the read models"
        then = (
            f"# then, from another terminal: is it up, and the case {shown} "
            f"({API_PRINCIPAL}'s token; only its SHA-256 is in {self.tokens_file})"
        )
        found: list[str] = []
        if not self.inline:
            found += ["# point this shell at the run's cases", f"export {self._quoted_env}"]
        return [
            *found,
            "# one case of this run: its state and deadlines, its history",
            self._command("case", "show", case),
            self._command("audit", "history", case),
            "# verify its hash chain (no event altered, removed, reordered or inserted)",
            self._command("audit", "verify", case),
            "# the HTTP API on this store (Ctrl-C stops it)",
            self._command("api", "--port", str(self.port), env=api_env),
            (
                f"# the handler console: open {self.console_url()} in a browser and sign in "
                "with the token of the request below"
            ),
            then,
            f"curl -s http://127.0.0.1:{self.port}/healthz",
            "curl -s -H "
            + shlex.quote(f"Authorization: Bearer {self.token}")
            + " "
            + shlex.quote(self.case_url()),
        ]


def as_typed(path: Path, here: Path | None = None) -> str:
    """``path`` as typed from ``here`` (the current folder): relative inside it, else absolute."""
    here = (here or Path.cwd()).absolute()
    absolute = path.absolute()  # not resolved: a linked .venv stays .venv
    try:
        return str(absolute.relative_to(here))
    except ValueError:
        return str(absolute)


def executable() -> Path:
    """This installation's ``complaint-events``: as it was started, else beside the Python
    running it (as in a venv), else the one on PATH."""
    started = Path(sys.argv[0])
    if started.name == "complaint-events" and started.is_file():
        return started
    beside = Path(sys.executable).parent / "complaint-events"
    if beside.exists():
        return beside
    found = shutil.which("complaint-events")
    return Path(found) if found else Path("complaint-events")


def busiest_case(envelopes: Iterable[EventEnvelope]) -> UUID:
    """The case with the most events (the first such): the one with the most to show."""
    counts = Counter(envelope.case_id for envelope in envelopes)
    if not counts:
        raise ValueError("the run has no events")
    return UUID(str(counts.most_common(1)[0][0]))


def write_api_token(folder: Path) -> tuple[Path, str]:
    """A fresh token for :data:`API_PRINCIPAL`; its hash goes to ``folder``/api-tokens.json."""
    from complaint_events.api.auth import hash_token, new_token  # noqa: PLC0415 - FastAPI

    token = new_token()
    path = folder / API_TOKENS_FILE
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        json.dump({hash_token(token): API_PRINCIPAL}, file, indent=2)
        file.write("\n")
    return path, token


def free_port(preferred: int = _PREFERRED_PORT) -> int:
    """``preferred`` if nothing listens on it now, else a port the system says is free."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", preferred))
        except OSError:
            probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
