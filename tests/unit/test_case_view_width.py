"""``case show`` on an 80-column terminal: every deadline is named in full."""

from __future__ import annotations

from rich.console import Console

from complaint_events.cli.case_view import case_tables


def _deadline(deadline_id: str, state: str) -> dict[str, object]:
    return {
        "deadline_id": deadline_id,
        "kind": deadline_id.split("@", maxsplit=1)[0],
        "state": state,
        "started_at": "2026-03-05T05:48:00+00:00",
        "due_at": "2026-03-09T10:28:00+00:00",
        "remind_at": "2026-03-08T22:28:00+00:00",
        "reminded": True,
    }


def test_deadline_names_are_not_cut_at_80_columns() -> None:
    names = ["acknowledgement@1", "merchant_evidence@9", "remedy_answer@14", "appeal_window@18"]
    state = {
        "case_id": "ccd97845-6146-5937-b537-24eab948b5b6",
        "version": 19,
        "deadlines": [_deadline(name, "expired") for name in names],
    }
    console = Console(width=80, record=True, color_system=None)
    console.print(case_tables(state, "now"))
    shown = console.export_text()
    assert "…" not in shown
    assert max(len(line) for line in shown.splitlines()) <= 80
    # a folded name reads back whole once the table's borders and padding are taken out
    cells = "".join(
        line.split("│")[1].strip() for line in shown.splitlines() if line.startswith("│")
    )
    for name in names:
        assert name in cells, name
