"""Which JSON encoder: pydantic-core, the standard library, orjson, msgspec, on our messages.

    .venv/bin/python bench/json_codecs.py            # orjson / msgspec measured if installed
    .venv/bin/pip install orjson msgspec             # not dependencies of the project

Files 300 complaints in an embedded store (a temporary SQLite file) and takes
each through the steps of ``rebuild_rate.py``, so the events are the pipeline's
own: ``ComplaintFiled`` with its sealed contact, acknowledgements, triage,
evidence requests. Then, per event, over every stored event, it times the JSON
work the pipeline does on the hot path and what each alternative would do in
its place:

- a case event's message value, envelope -> bytes (the relay): pydantic-core's
  ``model_dump_json`` against ``model_dump(mode="json")`` then ``json.dumps`` /
  ``orjson.dumps`` / ``msgspec.json.encode``;
- a message value -> a checked envelope (every consumer of the events topic):
  ``model_validate_json`` against parsing with the library, then
  ``model_validate`` on the dict;
- the bare parse alone, for scale;
- the event store's record of the event (eventsourcing's ``JSONTranscoder``,
  the standard library's encoder with the transcodings' ``default`` hook) against
  ``orjson.dumps`` with the same hook.

Prints µs per event and the ratio to what the pipeline uses today.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rebuild_rate import T0, details, steps
from support import Figure, HelpFormatter, print_figures, write_results

from complaint_events.bootstrap import build_cases
from complaint_events.contracts.envelope import EventEnvelope
from complaint_events.contracts.translator import to_envelope, to_json_bytes
from complaint_events.domain.acting import Acting
from complaint_events.domain.case import ComplaintCase
from complaint_events.settings import Settings

RESULTS = Path(__file__).parent / "results" / "json_codecs.json"
ROUNDS = 5  # each measure is the best of this many passes over every event


def optional(name: str) -> Any:
    try:
        return __import__(name)
    except ImportError:
        return None


def best_per_item(work: Callable[[Any], object], items: list[Any]) -> float:
    """µs per item: the fastest of ``ROUNDS`` passes over ``items``."""
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for item in items:
            work(item)
        best = min(best, time.perf_counter() - started)
    return 1e6 * best / len(items)


def sample_events(cases_count: int) -> tuple[list[EventEnvelope], list[Any], Any]:
    """The envelopes of every stored event, the stored domain events, and the transcoder."""
    with tempfile.TemporaryDirectory(prefix="json-codecs-") as folder:
        settings = Settings(store="sqlite", sqlite_path=Path(folder) / "events.sqlite")
        cases = build_cases(settings)
        outcomes = cases.file_complaints(
            [(details(i), Acting("adapter:app", T0)) for i in range(cases_count)]
        )
        cases.apply_commands(
            [c for i, o in enumerate(outcomes) for c in steps(o.case_id, i, cases.policy)]
        )
        notifications = cases.recorder.select_notifications(start=1, limit=1_000_000)
        domain_events = [
            cases.mapper.to_domain_event(n)
            for n in notifications
            if n.topic.startswith(f"{ComplaintCase.__module__}:ComplaintCase.")
        ]
        envelopes = [to_envelope(e) for e in domain_events]
        return envelopes, domain_events, cases.mapper.transcoder


def measure(cases_count: int) -> list[Figure]:
    orjson, msgspec = optional("orjson"), optional("msgspec")
    envelopes, domain_events, transcoder = sample_events(cases_count)
    values = [to_json_bytes(e) for e in envelopes]
    dicts = [e.model_dump(mode="json") for e in envelopes]
    # What eventsourcing's mapper encodes: the event's attributes without its id and version.
    states = [
        {k: v for k, v in e.__dict__.items() if k not in ("originator_id", "originator_version")}
        for e in domain_events
    ]
    note = f"{len(envelopes):,} events of {cases_count:,} cases, best of {ROUNDS}"
    figures: list[Figure] = []

    def add(key: str, label: str, work: Callable[[Any], object], items: list[Any]) -> None:
        figures.append(Figure(key, label, best_per_item(work, items), "µs/event", note))

    add("encode.pydantic", "envelope -> bytes, pydantic-core (today)", to_json_bytes, envelopes)
    add("encode.dump_then_json", "envelope -> dict -> json.dumps",
        lambda e: json.dumps(e.model_dump(mode="json"), ensure_ascii=False).encode(),
        envelopes)  # fmt: skip
    add("decode.pydantic", "bytes -> checked envelope, pydantic-core (today)",
        EventEnvelope.model_validate_json, values)  # fmt: skip
    add("decode.json_then_validate", "bytes -> json.loads -> model_validate",
        lambda v: EventEnvelope.model_validate(json.loads(v)), values)  # fmt: skip
    add("parse.json", "bytes -> dict, json.loads (parse alone)", json.loads, values)
    add("store.encode.json", "stored state -> bytes, eventsourcing JSONTranscoder (today)",
        transcoder.encode, states)  # fmt: skip
    stored = [transcoder.encode(s) for s in states]
    add("store.decode.json", "bytes -> stored state, eventsourcing JSONTranscoder (today)",
        transcoder.decode, stored)  # fmt: skip
    if orjson is not None:
        add("encode.dump_then_orjson", "envelope -> dict -> orjson.dumps",
            lambda e: orjson.dumps(e.model_dump(mode="json")), envelopes)  # fmt: skip
        add("decode.orjson_then_validate", "bytes -> orjson.loads -> model_validate",
            lambda v: EventEnvelope.model_validate(orjson.loads(v)), values)  # fmt: skip
        add("parse.orjson", "bytes -> dict, orjson.loads (parse alone)", orjson.loads, values)
        add("encode.dict_orjson", "dict -> bytes, orjson.dumps (no model)", orjson.dumps, dicts)
        hook = transcoder.encoder.default  # the transcodings (UUID, Decimal, dates...)
        add("store.encode.orjson", "stored state -> bytes, orjson.dumps with the same hook",
            lambda s: orjson.dumps(s, default=hook), states)  # fmt: skip
        # orjson writes UUIDs and datetimes itself, never calling the hook: the
        # transcoder then reads them back as strings, not the values stored.
        same = sum(
            transcoder.decode(orjson.dumps(s, default=hook)) == transcoder.decode(b)
            for s, b in zip(states, stored, strict=True)
        )
        figures.append(Figure("store.orjson_round_trips", "orjson-stored states read back equal",
                              100 * same / len(states), "%", note))  # fmt: skip
    if msgspec is not None:
        add("parse.msgspec", "bytes -> dict, msgspec.json.decode (parse alone)",
            msgspec.json.decode, values)  # fmt: skip
        add("decode.msgspec_then_validate", "bytes -> msgspec -> model_validate",
            lambda v: EventEnvelope.model_validate(msgspec.json.decode(v)), values)  # fmt: skip
    missing = [n for n, m in (("orjson", orjson), ("msgspec", msgspec)) if m is None]
    if missing:
        print(f"json_codecs: not installed, not measured: {', '.join(missing)}", file=sys.stderr)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=HelpFormatter)
    parser.add_argument("--cases", type=int, default=300, help="complaints to file and step")
    args = parser.parse_args()
    figures = measure(args.cases)
    print_figures("JSON on the hot path, µs per event (lower is faster)", figures)
    write_results(RESULTS, {"benchmark": "json_codecs", "cases": args.cases}, figures)


if __name__ == "__main__":
    main()
