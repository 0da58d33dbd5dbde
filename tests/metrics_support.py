"""Scraping ``/metrics`` as Prometheus (or curl) does, and reading samples from the page."""

from __future__ import annotations

import socket
import urllib.request
from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families


def free_port() -> int:
    """A port nobody listens on right now (the OS's choice), for a process to take."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class Page:
    """One scrape: the sample names and their values by labels."""

    text: str

    def names(self) -> set[str]:
        return {
            sample.name
            for family in text_string_to_metric_families(self.text)
            for sample in family.samples
        }

    def families(self) -> set[str]:
        """The metrics described on the page, with samples or not yet (counters without
        their ``_total``)."""
        return {family.name for family in text_string_to_metric_families(self.text)}

    def has(self, name: str, **labels: str) -> bool:
        """Whether a sample ``name`` with (at least) ``labels`` is on the page."""
        return any(
            sample.name == name and labels.items() <= sample.labels.items()
            for family in text_string_to_metric_families(self.text)
            for sample in family.samples
        )

    def value(self, name: str, **labels: str) -> float:
        """The sum of ``name``'s samples whose labels include ``labels`` (0 if none)."""
        return sum(
            sample.value
            for family in text_string_to_metric_families(self.text)
            for sample in family.samples
            if sample.name == name and labels.items() <= sample.labels.items()
        )


def scrape(url: str, timeout: float = 5.0) -> Page | None:
    """GET ``url`` as Prometheus does; None while nothing answers there yet."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return Page(answer.read().decode("utf-8"))
    except OSError:
        return None
