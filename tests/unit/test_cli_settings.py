"""The command line's settings: the environment's, with what the options gave on top."""

from __future__ import annotations

import pytest

from complaint_events.cli.options import settings_given


def test_an_option_left_out_keeps_the_environments_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COMPLAINTS_KAFKA_BOOTSTRAP", "kafka.internal:9092")
    monkeypatch.setenv("COMPLAINTS_STORE", "postgres")

    settings = settings_given(store=None, kafka=None, postgres="postgresql://db/complaints")

    assert settings.kafka_bootstrap == "kafka.internal:9092"
    assert settings.store == "postgres"
    assert settings.postgres_dsn == "postgresql://db/complaints"


def test_an_option_given_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPLAINTS_KAFKA_BOOTSTRAP", "kafka.internal:9092")

    settings = settings_given(kafka="127.0.0.1:19092", relay_batch_size=7)

    assert (settings.kafka_bootstrap, settings.relay_batch_size) == ("127.0.0.1:19092", 7)


def test_a_bad_option_is_refused_as_the_environment_would_be() -> None:
    with pytest.raises(ValueError, match="store"):
        settings_given(store="mysql")
