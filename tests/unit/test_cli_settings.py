"""The command line's settings: the environment's, with what the options gave on top."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from complaint_events.cli.options import (
    KAFKA,
    POSTGRES,
    STORE,
    setting_options,
    settings_given,
    settings_of,
)
from complaint_events.settings import Settings


def test_an_option_left_out_keeps_the_environments_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COMPLAINTS_KAFKA_BOOTSTRAP", "kafka.internal:9092")
    monkeypatch.setenv("COMPLAINTS_STORE", "postgres")

    settings = settings_given(
        store=None, kafka_bootstrap=None, postgres_dsn="postgresql://db/complaints"
    )

    assert settings.kafka_bootstrap == "kafka.internal:9092"
    assert settings.store == "postgres"
    assert settings.postgres_dsn == "postgresql://db/complaints"


def test_an_option_given_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPLAINTS_KAFKA_BOOTSTRAP", "kafka.internal:9092")

    settings = settings_given(kafka_bootstrap="127.0.0.1:19092", relay_batch_size=7)

    assert (settings.kafka_bootstrap, settings.relay_batch_size) == ("127.0.0.1:19092", 7)


def test_a_bad_option_is_refused_as_the_environment_would_be() -> None:
    with pytest.raises(ValueError, match="store"):
        settings_given(store="mysql")


# --------------------------------------------------------- through a command line


seen: list[Settings] = []
app = typer.Typer()
group = typer.Typer()
app.add_typer(group, name="group")


@app.callback()
@setting_options(STORE, POSTGRES, KAFKA)
def _root(ctx: typer.Context) -> None:
    pass


@group.command("show")
@setting_options(KAFKA)
def _show(ctx: typer.Context, batch: int = 500) -> None:
    seen.append(settings_of(ctx, relay_batch_size=batch))
    seen.append(settings_of(ctx))


@group.command("quiet")
def _quiet() -> None:
    """Reads no setting."""


def run(*args: str) -> Settings:
    seen.clear()
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    first, second = seen
    assert first is second  # one Settings per invocation
    return first


def test_an_option_is_taken_before_the_command_or_after_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COMPLAINTS_KAFKA_BOOTSTRAP", "kafka.internal:9092")

    assert run("group", "show").kafka_bootstrap == "kafka.internal:9092"
    assert run("--kafka", "before:1", "group", "show").kafka_bootstrap == "before:1"
    assert run("group", "show", "--kafka", "after:1").kafka_bootstrap == "after:1"
    assert run("--kafka", "before:1", "group", "show", "--kafka", "after:1").kafka_bootstrap == (
        "after:1"
    )


def test_a_command_takes_only_the_options_it_uses_after_it() -> None:
    result = CliRunner().invoke(app, ["group", "show", "--store", "postgres"])

    assert result.exit_code == 2
    assert "--store" in result.output


def test_the_commands_own_options_join_the_ones_given() -> None:
    settings = run("--store", "postgres", "group", "show", "--batch", "7")

    assert (settings.store, settings.relay_batch_size) == ("postgres", 7)


def test_a_command_that_reads_no_setting_does_not_read_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COMPLAINTS_STORE", "mongodb")

    result = CliRunner().invoke(app, ["--store", "mongodb", "group", "quiet"])

    assert result.exit_code == 0, result.output
