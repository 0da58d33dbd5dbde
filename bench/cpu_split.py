"""Where a worker's CPU goes: py-spy samples grouped by the library that was running.

``end_to_end.py --py-spy`` attaches ``py-spy record --format raw`` to every
worker process; each line of such a file is one stack (root first, frames
separated by ``;``, each ``function (path:line)``) and how many samples saw it.
A sample is counted against the component of its innermost frame that
belongs to a known component, its "self" time: work done inside pydantic's
validator counts as pydantic, the domain method that asked for it does not;
the standard library's work counts for the library that called it (``ssl``
under aiokafka counts as aiokafka), and only stacks with no known frame at all
count as "other". py-spy samples only threads that are
running (not waiting on I/O), so the shares are shares of CPU.

    .venv/bin/python bench/cpu_split.py PROFILE.txt [...]
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

# (component, pattern on the innermost frame's path): the first that matches wins.
COMPONENTS: tuple[tuple[str, str], ...] = (
    ("domain (case, rules)", r"complaint_events/domain/"),
    ("contracts (our envelopes, commands)", r"complaint_events/contracts/"),
    ("application (filing, ledger, chains)", r"complaint_events/application/"),
    ("projections", r"complaint_events/projections/|/projections/"),
    ("our adapters and processors", r"complaint_events/|/consumers/"),
    ("pydantic", r"pydantic"),
    ("json", r"/json/|orjson|msgspec"),
    ("eventsourcing", r"eventsourcing/"),
    ("psycopg", r"psycopg"),
    ("faust and mode", r"/faust/|/mode/"),
    ("aiokafka", r"aiokafka/"),
    ("kafka-python", r"/kafka/"),
    ("asyncio", r"asyncio/|selectors\.py|uvloop"),
    ("cryptography", r"cryptography/"),
    ("logging", r"/logging/"),
)
OTHER = "other (stdlib, interpreter)"
FRAME_PATH = re.compile(r"\(([^():]+)(?::\d+)?\)\s*$")


def component_of(frame: str) -> str:
    """The component a frame (``function (path:line)``) belongs to."""
    found = FRAME_PATH.search(frame)
    path = found[1] if found else frame
    for name, pattern in COMPONENTS:
        if re.search(pattern, path):
            return name
    return OTHER


def split(lines: Iterable[str]) -> Counter[str]:
    """Samples per component, from py-spy raw (collapsed stack) lines."""
    samples: Counter[str] = Counter()
    for line in lines:
        stack, _, count = line.rstrip().rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        found = (component_of(f) for f in reversed(frames))
        samples[next((c for c in found if c != OTHER), OTHER)] += int(count)
    return samples


def shares(samples: Counter[str]) -> dict[str, float]:
    """Each component's share of the samples, largest first, in percent."""
    total = sum(samples.values()) or 1
    return {name: round(100 * n / total, 1) for name, n in samples.most_common()}


def print_split(title: str, samples: Counter[str]) -> None:
    print(f"\n{title} ({sum(samples.values()):,} samples)")
    for name, share in shares(samples).items():
        print(f"  {name:<40} {share:5.1f} %")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("profiles", nargs="+", type=Path, help="py-spy raw output files")
    args = parser.parse_args()
    for path in args.profiles:
        print_split(str(path), split(path.read_text(errors="replace").splitlines()))


if __name__ == "__main__":
    main()
