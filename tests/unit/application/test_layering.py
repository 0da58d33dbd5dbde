"""The application imports no adapter, and the domain no infrastructure (issue 15).

Adapters implement the application's ports and the composition root hands them
in; an import the other way would tie the application to one store again.
"""

from __future__ import annotations

import ast
from pathlib import Path

import complaint_events

PACKAGE = Path(complaint_events.__file__).parent


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, at any depth of its code."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None and node.level == 0:
            found.add(node.module)
    return found


def offending(layer: str, forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    wrong: dict[str, list[str]] = {}
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        bad = sorted(
            m
            for m in imported_modules(path)
            if any(m == f or m.startswith(f"{f}.") for f in forbidden)
        )
        if bad:
            wrong[str(path.relative_to(PACKAGE))] = bad
    return wrong


def test_the_application_imports_no_adapter() -> None:
    assert offending("application", ("complaint_events.adapters",)) == {}


def test_the_domain_imports_no_infrastructure() -> None:
    forbidden = (
        *("kafka", "faust", "psycopg", "psycopg_pool", "fastapi", "starlette", "httpx"),
        *("complaint_events.adapters", "complaint_events.api", "complaint_events.processing"),
        *("prometheus_client", "complaint_events.observability"),
    )
    assert offending("domain", forbidden) == {}


def test_metrics_are_counted_by_adapters_not_by_the_rules() -> None:
    # docs/operations-metrics.md: the agents, the API and the adapters count; what
    # the processors decide, and the case store, know nothing of Prometheus.
    forbidden = ("prometheus_client", "complaint_events.observability.metrics")
    for layer in ("domain", "processing", "application"):
        assert offending(layer, forbidden) == {}, layer


def test_the_walk_sees_imports_inside_functions(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from complaint_events.adapters.x import y\n")
    assert imported_modules(module) == {"complaint_events.adapters.x"}
