"""The rendered report shows each figure with its money, per manager and in total."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from rich.console import Console

from nextstep.bot.audit.compute import AuditReport
from nextstep.bot.audit.render import money, print_report
from tests.unit.audit.audit_world import ANNA, BORIS, NOW, audit, deal, moved, task


def _render(report: AuditReport, **kw: Any) -> str:
    console = Console(width=200, record=True, color_system=None)
    print_report(report, console, names={ANNA: "Anna", BORIS: "Boris"}, currency="USD", **kw)
    return console.export_text()


def test_money_is_grouped_by_thousands_without_cents() -> None:
    assert money(14136.4, "$") == "14 136 $"
    assert money(0) == "0"


def test_report_lists_managers_totals_and_worst_cases() -> None:
    report = audit(
        deals=[deal(1, price=14136, created_days_ago=45), deal(2, BORIS, price=736)],
        tasks=[task(1, 2, BORIS, due_in_hours=-30)],
        events=[moved(2, 1, to=20, frm=143)],
    )
    text = _render(report, title="Audit of Studio")
    assert "Audit of Studio" in text
    for line in ("Anna", "Boris", "Total"):
        assert line in text
    assert "1  ·  14 136 USD" in text  # Anna's deal without a task
    assert "1  ·  736 USD" in text  # Boris's overdue task and the deal reopened
    assert "Stuck > 30 d" in text
    assert "Deals with no open task" in text
    assert "Overdue tasks (top 10" in text
    assert "Moved back from a closed stage" in text
    assert (NOW - timedelta(hours=30)).strftime("%Y-%m-%d %H:%M") in text


def test_empty_account_says_there_is_nothing_to_audit() -> None:
    text = _render(audit())
    assert "No open deals" in text
    assert "Deals with no open task" not in text
