"""docs/configuration.md documents every setting; docker-compose.yml runs only real commands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml

from complaint_events.cli.main import app
from complaint_events.consumers.topology import resolve
from complaint_events.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
CONFIGURATION = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENTRYPOINT = "complaint-events"
APP_SERVICES = {"topics", "worker", "api"}


def _env_var(field: str) -> str:
    return f"{Settings.model_config.get('env_prefix', '')}{field}".upper()


# Typer builds its command tree from click-style classes (its own copy of click in recent
# versions), so groups are recognised by their ``commands`` and not by a class.
Command = Any


def _is_group(command: Command) -> bool:
    return isinstance(getattr(command, "commands", None), dict)


def _commands(group: Command) -> dict[str, Command]:
    return dict(group.commands)


def _every_command(command: Command) -> list[Command]:
    found = [command]
    if _is_group(command):
        for sub in _commands(command).values():
            found += _every_command(sub)
    return found


def _compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def _app_services() -> dict[str, dict[str, Any]]:
    """The services that run the application image (whose entrypoint is the CLI)."""
    return {
        name: service
        for name, service in _compose()["services"].items()
        if "build" in service or str(service.get("image", "")).startswith(f"{ENTRYPOINT}:")
    }


CLI = typer.main.get_command(app)


def test_the_cli_has_the_commands_the_docs_and_compose_use() -> None:
    assert _is_group(CLI)
    names = set(_commands(CLI))
    assert {"topics", "worker", "api", "adapters", "projections", "health", "audit"} <= names


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_setting_is_in_the_configuration_page(field: str) -> None:
    assert f"`{_env_var(field)}`" in CONFIGURATION, (
        f"docs/configuration.md does not document {_env_var(field)}"
    )


def test_every_environment_variable_of_a_cli_option_is_in_the_configuration_page() -> None:
    envvars = {
        envvar
        for command in _every_command(CLI)
        for param in command.params
        for envvar in (
            [param.envvar] if isinstance(param.envvar, str) else list(param.envvar or [])
        )
    }
    missing = sorted(e for e in envvars if f"`{e}`" not in CONFIGURATION)
    assert not missing, f"docs/configuration.md does not document {missing}"


def test_compose_file_parses_and_runs_the_application() -> None:
    compose = _compose()
    services = compose["services"]
    assert {"kafka", "postgres"} <= set(services)
    assert set(_app_services()) >= APP_SERVICES
    assert services["kafka"]["image"].startswith("apache/kafka:4.")
    assert services["postgres"]["image"] == "postgres:15"
    for name, service in services.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} depends on unknown service {dependency}"
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if not source.startswith(("/", ".", "$")):
                assert source in compose.get("volumes", {}), f"{name}: undeclared volume {source}"


def _resolve(args: list[str]) -> tuple[list[str], Command, list[str]]:
    """Walk the CLI's groups along ``args``: the command path, the command, its arguments."""
    command: Command = CLI
    path: list[str] = []
    rest = list(args)
    while _is_group(command) and rest and not rest[0].startswith("-"):
        sub = _commands(command).get(rest[0])
        assert sub is not None, f"'{ENTRYPOINT} {' '.join([*path, rest[0]])}' is no command"
        path.append(rest.pop(0))
        command = sub
    return path, command, rest


@pytest.mark.parametrize("service", sorted(_app_services()))
def test_compose_services_run_existing_commands(service: str) -> None:
    spec = _app_services()[service]
    assert "entrypoint" not in spec, "the image's entrypoint is the CLI"
    args = spec["command"]
    assert isinstance(args, list)
    assert all(isinstance(a, str) for a in args)
    path, command, rest = _resolve(args)
    assert path, f"{service}: {args} names no command"
    if _is_group(command):
        assert command.invoke_without_command, f"{service}: '{' '.join(path)}' needs a subcommand"
    # the command's own parser checks (and converts) the arguments without running the command
    command.make_context(" ".join([ENTRYPOINT, *path]), list(rest))
    if path == ["worker"]:
        resolve(rest)  # known processor names


def test_dockerfile_entrypoint_is_the_cli() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert f'ENTRYPOINT ["{ENTRYPOINT}"]' in dockerfile
    assert "pip install -c constraints.txt ." in dockerfile
    assert "\nUSER " in dockerfile
