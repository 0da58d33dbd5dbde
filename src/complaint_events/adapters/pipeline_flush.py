"""psycopg's ``Pipeline.sync()`` sends everything before it waits for the results.

eventsourcing saves a transaction's events in psycopg's pipeline mode and calls
``pipeline.sync()`` before it reads their notification ids. In psycopg 3.3.9
(both its C and its Python implementation) the generator behind ``sync()``
stops sending as soon as its queue of commands is empty, whatever
``PQflush()`` answered: when the socket's send buffer was full at that moment,
the rest of the pipeline (the end of the last INSERTs and the Sync) stays in
libpq's output buffer. The client then waits for results the server cannot
send, and the server waits for the rest of the statement ("active",
``ClientRead``): both wait for ever. Filing 2,000 complaints in one call (six
thousand events and more, some megabytes) hung so on most tries here; a few
hundred fit the socket's buffer and never did.

:func:`flush_before_pipeline_sync` makes ``sync()`` send what is left, reading
the server's results meanwhile as psycopg's own ``send`` does, before it waits
for them. Where the buffer was flushed it costs one ``PQflush()`` call. Leaving
a pipeline block (``executemany``, ``with conn.pipeline()``) was never
affected: psycopg flushes there.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from psycopg import _pipeline_base, generators

_MARK = "_complaint_events_flushes"


def flush_before_pipeline_sync() -> None:
    """Make every psycopg pipeline of this process flush its output before a sync waits.

    Idempotent. Refuses, naming this module, if psycopg's internals it relies on
    have changed (a psycopg upgrade): the fix must then be looked at again.
    """
    base = _pipeline_base.BasePipeline
    original = getattr(base, "_sync_gen", None)
    if original is None or not hasattr(generators, "send"):
        raise RuntimeError(
            "psycopg's pipeline internals changed (no BasePipeline._sync_gen or "
            "generators.send): review complaint_events/adapters/pipeline_flush.py"
        )
    if getattr(original, _MARK, False):
        return

    def _sync_gen(self: Any) -> Generator[Any, Any, None]:
        self._enqueue_sync()
        yield from self._communicate_gen()
        # What the command loop left in libpq's output buffer goes out now.
        yield from generators.send(self.pgconn)
        yield from self._fetch_gen(flush=False)

    setattr(_sync_gen, _MARK, True)
    base._sync_gen = _sync_gen  # type: ignore[method-assign]
