"""faust's Kafka transport, handing each fetched message over without four tasks when it can.

faust's drain loop hands every fetched message to the agents' queues as
``wait_first(on_message(message), suspend_flow.wait())``, and mode's
``wait_first`` wraps each awaitable, and the consumer's stopped and crashed
events, in a task of its own, waits for the first to finish and cancels the
others: four tasks made, run and cancelled for every message, though the hand-over
nearly always finishes at once (the agents' queues have room and nobody holds the
conductor's lock). Under ``bench/end_to_end.py`` that was about a third of all
the event loop ran in a worker (bench/README.md, "Where the workers' CPU goes").

:class:`EagerConsumer` starts the hand-over at once in the drain loop's own task.
If it finishes without waiting, that is the outcome faust's ``wait_first`` would
have reported. If it has to wait (an agent's queue full: back-pressure; a
rebalance holding the lock; flow suspended), the coroutine, already started, goes
on in a task and faust's own ``wait_first`` races it against ``suspend_flow``,
the stop and the crash as before. While the consumer is stopping or has crashed,
faust's path is taken untouched.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Coroutine, Generator
from typing import Any

from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import AppT
from mode.services import WaitArgT, WaitResults


class StartedCoroutine(Awaitable[Any]):
    """The rest of a coroutine that has already run up to its first wait (``pending``).

    Awaiting it (or making a task of it) yields ``pending`` first, then forwards
    whatever comes back, a value or an exception (a cancellation), as ``yield from``
    the coroutine would have from there on.
    """

    __slots__ = ("_coro", "_pending")

    def __init__(self, coro: Coroutine[Any, Any, Any], pending: Any) -> None:
        self._coro = coro
        self._pending = pending

    def __await__(self) -> Generator[Any, Any, Any]:
        coro, value = self._coro, self._pending
        while True:
            try:
                received = yield value
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as error:  # noqa: BLE001 - a cancellation, thrown on into it
                try:
                    value = coro.throw(error)
                except StopIteration as finished:
                    return finished.value
            else:
                try:
                    value = coro.send(received)
                except StopIteration as finished:
                    return finished.value


def start_eagerly(coro: Coroutine[Any, Any, Any]) -> tuple[bool, Any]:
    """Run ``coro`` up to its first wait: ``(True, its result)`` if it finished, else
    ``(False, the StartedCoroutine to await for the rest)``. Its exceptions propagate."""
    try:
        pending = coro.send(None)
    except StopIteration as finished:
        return True, finished.value
    return False, StartedCoroutine(coro, pending)


class EagerConsumer(faust_aiokafka.Consumer):
    """faust's aiokafka consumer whose ``wait_first`` starts a coroutine first argument at once."""

    async def wait_first(self, *coros: WaitArgT, timeout: Any = None) -> WaitResults:
        first = coros[0] if coros else None
        if (
            not inspect.iscoroutine(first)
            or inspect.getcoroutinestate(first) != inspect.CORO_CREATED
            or self._stopped.is_set()
            or self._crashed.is_set()
        ):
            return await super().wait_first(*coros, timeout=timeout)
        finished, outcome = start_eagerly(first)
        if finished:
            for other in coros[1:]:
                if inspect.iscoroutine(other):
                    other.close()  # never started: nothing to cancel
            return WaitResults([first], [outcome], False)
        results = await super().wait_first(outcome, *coros[1:], timeout=timeout)
        done = [first if winner is outcome else winner for winner in results.done]
        return WaitResults(done, results.results, results.stopped)


class EagerTransport(faust_aiokafka.Transport):
    """faust's aiokafka transport, with :class:`EagerConsumer` as its consumer."""

    Consumer = EagerConsumer


def use_eager_delivery(app: AppT) -> None:
    """Give ``app`` the eager transport; call before anything has used ``app.transport``
    (defining a topic does)."""
    app.transport = EagerTransport(app.conf.broker_consumer, app)
