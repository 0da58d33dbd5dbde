"""The JSON log format: one object a line, with the case a line is about."""

from __future__ import annotations

import json
import logging
import logging.config
from typing import Any
from uuid import UUID

import pytest

from complaint_events.observability.json_logs import (
    JsonFormatter,
    about_case,
    api_logging_config,
    case_fields,
    format_from_env,
    worker_logging_config,
)

CASE = UUID("6f1c6f3e-4d3c-5b0e-9a59-1b2f3c4d5e6f")


def line(message: str, *args: object, **kwargs: Any) -> dict[str, Any]:
    """What JsonFormatter writes for one record, parsed back."""
    record = logging.getLogger("complaint_events.worker.commands").makeRecord(
        "complaint_events.worker.commands",
        kwargs.pop("level", logging.INFO),
        __file__,
        1,
        message,
        args,
        kwargs.pop("exc_info", None),
        extra=kwargs.pop("extra", None),
    )
    text = JsonFormatter().format(record)
    assert "\n" not in text, "one object a line"
    parsed: dict[str, Any] = json.loads(text)
    return parsed


def test_a_line_has_time_level_logger_and_message() -> None:
    entry = line("commands: %d messages", 3)

    assert entry["level"] == "INFO"
    assert entry["logger"] == "complaint_events.worker.commands"
    assert entry["message"] == "commands: 3 messages"
    assert entry["time"].endswith("+00:00")
    assert "case_id" not in entry
    assert "correlation_id" not in entry


def test_a_line_about_a_case_names_it_and_its_correlation() -> None:
    entry = line("rejected", extra=case_fields(CASE, "corr-1"))

    assert entry["case_id"] == str(CASE)
    assert entry["correlation_id"] == "corr-1"


def test_an_unknown_correlation_is_left_out() -> None:
    assert case_fields(CASE) == {"case_id": str(CASE)}
    assert "correlation_id" not in line("x", extra=case_fields(CASE))


def test_a_case_bound_for_a_block_is_on_every_line_in_it() -> None:
    with about_case(CASE, "corr-2"):
        inside = line("inside")
    outside = line("outside")

    assert (inside["case_id"], inside["correlation_id"]) == (str(CASE), "corr-2")
    assert "case_id" not in outside


def test_the_record_s_own_case_wins_over_the_bound_one() -> None:
    other = UUID(int=7)
    with about_case(CASE):
        entry = line("x", extra=case_fields(other))

    assert entry["case_id"] == str(other)


def test_chinese_text_stays_readable_and_an_exception_is_kept() -> None:
    error = ValueError("坏消息")
    entry = line("处理失败", level=logging.ERROR, exc_info=(ValueError, error, None))

    assert entry["message"] == "处理失败"
    assert entry["level"] == "ERROR"
    assert "ValueError: 坏消息" in entry["exception"]


@pytest.mark.parametrize(
    ("value", "expected"), [("json", "json"), (" JSON ", "json"), ("text", "text"), ("xml", "text")]
)
def test_the_format_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: str
) -> None:
    monkeypatch.setenv("COMPLAINTS_LOG_FORMAT", value)
    assert format_from_env() == expected


def test_unset_means_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COMPLAINTS_LOG_FORMAT", raising=False)
    assert format_from_env() == "text"


def test_a_worker_logs_json_through_faust_s_logging_config() -> None:
    assert worker_logging_config("text", "info") is None
    config = worker_logging_config("json", "info")
    assert config is not None
    assert config["formatters"]["json"]["()"] is JsonFormatter
    assert config["root"] == {"level": "INFO", "handlers": ["default"]}
    assert config["disable_existing_loggers"] is False


def test_the_api_s_request_lines_are_json_too() -> None:
    assert api_logging_config("text") is None
    config = api_logging_config("json")
    assert config is not None
    logging.config.dictConfig(config)
    try:
        for name in ("uvicorn", "uvicorn.access"):
            [handler] = logging.getLogger(name).handlers
            assert isinstance(handler.formatter, JsonFormatter)
    finally:
        for name in ("uvicorn", "uvicorn.access"):
            logging.getLogger(name).handlers.clear()
            logging.getLogger(name).propagate = True
