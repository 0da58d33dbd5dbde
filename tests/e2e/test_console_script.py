"""``scripts/console``: one command puts the embedded demo's cases in the handler console.

Run as the README says, with its output folder in a temporary place: it plays
the demo (no Kafka, no PostgreSQL), prints the console's address and a fresh
handler token, and serves the API. Signed in with that token in Chromium, the
queue lists the demo's cases. The demo's own auditor token keeps working.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from browser_support import headless_chromium
from complaint_events.demo.hand_off import free_port

pytestmark = pytest.mark.e2e

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "console"
KEPT = Path(__file__).resolve().parents[2] / "demo-output" / "console"
TOKEN_LINE = re.compile(r"^\s+(\S{20,})$", re.MULTILINE)


def test_scripts_console_serves_the_demo_s_cases_to_a_signed_in_handler(tmp_path: Path) -> None:
    out, port, log = tmp_path / "out", free_port(0), tmp_path / "console.log"
    with log.open("w") as sink:
        server = subprocess.Popen(
            [str(SCRIPT), "--out", str(out), "--port", str(port), "--cases", "20", "--seed", "3"],
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, "COLUMNS": "200"},
        )
    try:
        said = _until_serving(server, port, log)
        assert f"http://127.0.0.1:{port}/console/" in said
        (token,) = TOKEN_LINE.findall(said.split("sign in as handler:console with")[1])
        principals = set(json.loads((out / "api-tokens.json").read_text()).values())
        assert principals == {"auditor:demo", "handler:console"}
        with headless_chromium() as browser:
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{port}/console/")
            page.fill("#token", token)
            page.click("button[type=submit]")
            expect(page.get_by_test_id("who")).to_have_text("handler:console")
            page.goto(f"http://127.0.0.1:{port}/console/queue?status=all")
            expect(page.locator("tr[data-case]")).to_have_count(20)
            shot = tmp_path / "scripts-console-queue.png"
            page.screenshot(path=str(shot), full_page=True)
            KEPT.mkdir(parents=True, exist_ok=True)
            (KEPT / shot.name).write_bytes(shot.read_bytes())
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def test_scripts_console_refuses_a_port_that_is_not_a_number(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(SCRIPT), "--out", str(tmp_path), "--port", "eighty"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "--port takes a number, not 'eighty'" in done.stderr
    assert not (tmp_path / "events.sqlite").exists()


def _until_serving(server: subprocess.Popen[bytes], port: int, log: Path) -> str:
    """What the script said, once the API it started answers ``/healthz``."""
    give_up = time.monotonic() + 240  # installs nothing here, plays 20 cases, starts the API
    while time.monotonic() < give_up:
        if server.poll() is not None:
            pytest.fail(f"scripts/console ended (exit {server.returncode}):\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return log.read_text()
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"the console did not answer within 240 s:\n{log.read_text()}")
