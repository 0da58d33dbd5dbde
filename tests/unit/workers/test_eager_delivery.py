"""Eager hand-over of fetched messages: the same outcomes as faust's ``wait_first``, fewer tasks."""

from __future__ import annotations

import asyncio
import warnings

import faust
import pytest

from complaint_events.consumers.app import build_app
from complaint_events.consumers.eager_delivery import (
    EagerConsumer,
    EagerTransport,
    start_eagerly,
    use_eager_delivery,
)
from complaint_events.settings import Settings


async def no_wait(value: int, log: list[str]) -> int:
    log.append("ran")
    return value * 2


async def wait_for(gate: asyncio.Future[int], log: list[str]) -> int:
    log.append("started")
    try:
        value = await gate
    finally:
        log.append("finished")
    return value + 1


def eager_consumer() -> EagerConsumer:
    """A worker's consumer, made in the running loop (its stop and crash events are bound to it)."""
    app = faust.App("eager", broker="kafka://127.0.0.1:1", autodiscover=False, web_enabled=False)
    use_eager_delivery(app)
    consumer = app.consumer
    assert isinstance(consumer, EagerConsumer)
    return consumer


def test_a_coroutine_that_does_not_wait_finishes_in_the_callers_task() -> None:
    async def main() -> None:
        log: list[str] = []
        before = len(asyncio.all_tasks())
        finished, result = start_eagerly(no_wait(21, log))
        assert (finished, result, log) == (True, 42, ["ran"])
        assert len(asyncio.all_tasks()) == before

    asyncio.run(main())


def test_a_coroutine_that_waits_goes_on_where_it_stopped() -> None:
    async def main() -> None:
        log: list[str] = []
        gate: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        finished, rest = start_eagerly(wait_for(gate, log))
        assert not finished
        assert log == ["started"]
        task = asyncio.ensure_future(rest)
        await asyncio.sleep(0)
        gate.set_result(9)
        assert await task == 10
        assert log == ["started", "finished"]

    asyncio.run(main())


def test_cancelling_the_rest_cancels_the_coroutine_inside() -> None:
    async def main() -> None:
        log: list[str] = []
        gate: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        _, rest = start_eagerly(wait_for(gate, log))
        task = asyncio.ensure_future(rest)
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert gate.cancelled()
        assert log == ["started", "finished"]

    asyncio.run(main())


def test_an_error_before_the_first_wait_is_raised_at_once() -> None:
    async def fails() -> None:
        raise ValueError("bad message")

    with pytest.raises(ValueError, match="bad message"):
        start_eagerly(fails())


def test_the_workers_app_consumes_through_the_eager_consumer() -> None:
    app = build_app(Settings(kafka_bootstrap="127.0.0.1:1"), ["acknowledgement"])
    assert isinstance(app.transport, EagerTransport)
    assert isinstance(app.consumer, EagerConsumer)


def test_a_hand_over_that_finishes_at_once_wins_and_the_other_waits_are_never_started() -> None:
    async def main() -> None:
        consumer = eager_consumer()
        log: list[str] = []
        suspend = asyncio.Event()
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a never-awaited coroutine would warn
            results = await consumer.wait_first(no_wait(1, log), suspend.wait())
        assert results.results == [2]
        assert not results.stopped
        assert len(results.done) == 1

    asyncio.run(main())


def test_a_hand_over_held_up_by_back_pressure_loses_to_suspended_flow_as_in_faust() -> None:
    async def main() -> None:
        consumer = eager_consumer()
        log: list[str] = []
        gate: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        suspend = asyncio.Event()
        delivery = wait_for(gate, log)
        waiting = asyncio.ensure_future(consumer.wait_first(delivery, suspend.wait()))
        await asyncio.sleep(0)
        assert log == ["started"]
        suspend.set()
        results = await waiting
        assert len(results.done) == 1
        assert results.done[0] is not delivery
        await asyncio.sleep(0)
        assert gate.cancelled()
        assert log == ["started", "finished"]

    asyncio.run(main())


def test_a_hand_over_held_up_then_released_reports_the_delivery_as_winner() -> None:
    async def main() -> None:
        consumer = eager_consumer()
        log: list[str] = []
        gate: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        delivery = wait_for(gate, log)
        waiting = asyncio.ensure_future(consumer.wait_first(delivery, asyncio.Event().wait()))
        await asyncio.sleep(0)
        gate.set_result(4)
        results = await waiting
        assert results.done == [delivery]
        assert results.results == [5]

    asyncio.run(main())
