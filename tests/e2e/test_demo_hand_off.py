"""The embedded demo ends with commands that work as printed: pasted, they show a case.

The demo is run as ``scripts/demo`` runs it, from the root of a checkout (here a
folder holding a link to this installation's ``.venv``), and every command
line it prints is run there by a shell, as pasted: ``case show``, ``audit
history``, ``audit verify``, the API (started in the background, asked for
``/healthz`` and for the case with the printed token, its handler console
opened in Chromium at the printed address and signed in with that token, then
stopped). No Kafka and no PostgreSQL: the console reads the SQLite store.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from uuid import UUID

import pytest
from playwright.sync_api import Page, expect

from browser_support import headless_chromium

pytestmark = pytest.mark.e2e

VENV = Path(sys.executable).parent.parent
KEPT = Path(__file__).resolve().parents[2] / "demo-output" / "console"
# The run's own secrets file (tests/conftest.py), not the user's.
ENV = {
    "PATH": f"{VENV / 'bin'}:/usr/bin:/bin",
    "COLUMNS": "200",
    "COMPLAINTS_SECRETS_FILE": os.environ["COMPLAINTS_SECRETS_FILE"],
}


def shell(line: str, root: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", line],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=ENV,
    )


def printed_commands(stdout: str) -> list[str]:
    """The command lines after the demo's hand-off heading (comments left out)."""
    _, _, hand_off = stdout.partition("look at this run's cases")
    assert hand_off, stdout
    lines = [line.strip() for line in hand_off.splitlines()[1:]]
    return [line for line in lines if line and not line.startswith("#")]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A checkout's root after ``scripts/demo --cases 6``: its folder and the demo's output."""
    root = tmp_path_factory.mktemp("checkout")
    (root / ".venv").symlink_to(VENV)
    # A previous run's store is replaced, not added to.
    (root / "demo-output").mkdir()
    (root / "demo-output" / "events.sqlite").write_bytes(b"not a store")
    result = shell(".venv/bin/complaint-events demo --cases 6 --seed 5", root, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return root, result.stdout


def test_the_demo_keeps_its_store_in_its_output_folder(demo_run: tuple[Path, str]) -> None:
    root, stdout = demo_run
    output = root / "demo-output"
    assert {p.name for p in output.iterdir()} >= {
        "events.sqlite",
        "events.jsonl",
        "report.html",
        "api-tokens.json",
    }
    assert "event store: sqlite (demo-output/events.sqlite)" in stdout
    assert not (root / "complaints.sqlite").exists()
    assert oct((output / "api-tokens.json").stat().st_mode & 0o777) == "0o600"


def test_the_printed_commands_show_and_verify_a_case_of_the_run(
    demo_run: tuple[Path, str],
) -> None:
    root, stdout = demo_run
    commands = printed_commands(stdout)
    show, history, verify = (c for c in commands if " case show " in c or " audit " in c)
    for line in (show, history, verify):
        assert line.split("=", 1)[0] == "COMPLAINTS_STORE", line  # settings on the line
        assert " .venv/bin/complaint-events " in line, line  # as typed from the root
    case_id = UUID(show.split()[-1])
    case_ids = {
        line.split('"case_id":"', 1)[1][:36]
        for line in (root / "demo-output" / "events.jsonl").read_text().splitlines()
    }
    assert str(case_id) in case_ids

    shown = shell(show, root)
    assert shown.returncode == 0, shown.stderr
    assert f"case {case_id}" in shown.stdout
    assert "status" in shown.stdout
    told = shell(history, root)
    assert told.returncode == 0, told.stderr
    assert "ComplaintFiled" in told.stdout
    verified = shell(verify, root)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "OK: no event altered, removed, reordered or inserted" in verified.stdout
    assert not (root / "complaints.sqlite").exists()


def test_the_printed_api_command_serves_the_case_to_the_printed_request(
    demo_run: tuple[Path, str], tmp_path: Path
) -> None:
    root, stdout = demo_run
    commands = printed_commands(stdout)
    (serve,) = (c for c in commands if " api --port " in c)
    health, read = (c for c in commands if c.startswith("curl "))
    port = int(serve.split("--port ")[1].split()[0])
    server = subprocess.Popen(
        ["bash", "-c", serve],
        cwd=root,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        up = _until_up(health, root, server)
        assert '"status":"ok"' in up
        answered = shell(f"{read} -w '\\n%{{http_code}}'", root)
        body, _, code = answered.stdout.rpartition("\n")
        assert code == "200", answered.stdout + answered.stderr
        case_id = shlex.split(read)[-1].split("/v1/cases/")[1].split("?")[0]
        assert f'"case_id":"{case_id}"' in body
        assert '"status":' in body
        token = shlex.split(read)[3].removeprefix("Authorization: Bearer ")
        _look_in_the_console(_console_url(stdout), token, case_id, tmp_path)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)  # its own session: the shell and the API
        output, _ = server.communicate(timeout=30)
    assert f"127.0.0.1:{port}" in output


def _console_url(stdout: str) -> str:
    (line,) = (line for line in stdout.splitlines() if "/console/" in line)
    (url,) = (word for word in line.split() if word.endswith("/console/"))
    return url


def _look_in_the_console(url: str, token: str, case_id: str, shots: Path) -> None:
    """Sign in to the console at ``url``: the run's cases are on screen, read-only."""
    with headless_chromium() as browser:
        page = browser.new_page()
        page.goto(url)
        page.fill("#token", token)
        page.click("button[type=submit]")
        expect(page.get_by_test_id("who")).to_have_text("auditor:demo")
        page.goto(url + "queue?status=all")
        expect(page.locator("tr[data-case]").first).to_be_visible()
        _keep(page, shots / "0-demo-queue.png")
        page.click(f"tr[data-case='{case_id}'] a")
        expect(page.get_by_test_id("chain")).to_contain_text("✔")
        expect(page.locator("tr[data-event]").first).to_have_attribute(
            "data-event", "ComplaintFiled"
        )
        _keep(page, shots / "0-demo-case.png")


def _keep(page: Page, path: Path) -> None:
    page.screenshot(path=str(path), full_page=True)
    KEPT.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, KEPT / path.name)


def _until_up(health: str, root: Path, server: subprocess.Popen[str]) -> str:
    give_up = time.monotonic() + 60
    while time.monotonic() < give_up:
        answered = shell(health, root)
        if answered.returncode == 0 and answered.stdout:
            return answered.stdout
        if server.poll() is not None:
            pytest.fail(f"the API ended: {server.communicate()[0]}")
        time.sleep(0.3)
    pytest.fail("the API did not answer /healthz within 60 s")
