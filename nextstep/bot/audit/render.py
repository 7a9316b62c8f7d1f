"""The audit report on a terminal: one table per manager and in total, then the worst cases.

Each figure is a count with the money at stake next to it, because that is what makes a head of
sales act ("2,799 deals without a task, 14,136 $").
"""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from nextstep.bot.audit.compute import AuditFigures, AuditReport, DealRef


def money(value: float, currency: str = "") -> str:
    """12 345 (thousands split by a space, no cents: the audit is about orders of magnitude)."""
    text = f"{value:,.0f}".replace(",", " ")
    return f"{text} {currency}".rstrip()


def _pair(count: int, budget: float, currency: str) -> str:
    return f"{count}  ·  {money(budget, currency)}" if count else "—"


def _cells(f: AuditFigures, currency: str) -> list[str]:
    return [
        str(f.open_deals),
        money(f.open_budget, currency),
        _pair(f.no_task_deals, f.no_task_budget, currency),
        _pair(f.overdue_tasks, f.overdue_budget, currency),
        _pair(f.stuck_deals, f.stuck_budget, currency),
        _pair(f.reopened_deals, f.reopened_budget, currency),
    ]


def summary_table(report: AuditReport, currency: str = "", title: str = "") -> Table:
    table = Table(title=title or None, show_footer=True, header_style="bold", footer_style="bold")
    headers = [
        "Open deals",
        "Budget",
        "No open task",
        "Overdue tasks",
        f"Stuck > {report.stuck_days} d",
        "Back from closed",
    ]
    table.add_column("Manager", footer="Total")
    for header, cell in zip(headers, _cells(report.total, currency), strict=True):
        table.add_column(header, footer=cell, justify="right")
    for manager in report.managers:
        table.add_row(manager.name, *_cells(manager.figures, currency))
    return table


def _deal(deal: DealRef, currency: str) -> list[str]:
    return [f"#{deal.id}", deal.name, deal.stage_name, money(deal.price, currency)]


def detail_tables(
    report: AuditReport, names: dict[int, str], currency: str = "", top: int = 10
) -> list[Table]:
    """The `top` biggest cases of each kind (empty kinds are left out)."""

    def who(user_id: int) -> str:
        return names.get(user_id, f"user #{user_id}")

    tables: list[Table] = []
    if report.no_task and top > 0:
        t = Table(title=f"Deals with no open task (top {top} by budget)", header_style="bold")
        for col in ("Deal", "Name", "Stage", "Budget", "Manager"):
            t.add_column(col, justify="right" if col == "Budget" else "left")
        for deal in report.no_task[:top]:
            t.add_row(*_deal(deal, currency), who(deal.responsible_user_id))
        tables.append(t)
    if report.overdue and top > 0:
        t = Table(title=f"Overdue tasks (top {top}, oldest first)", header_style="bold")
        for col in ("Task", "Text", "Due", "Days late", "Deal", "Budget", "Manager"):
            t.add_column(col, justify="right" if col in ("Days late", "Budget") else "left")
        for task in report.overdue[:top]:
            t.add_row(
                f"#{task.task_id}",
                task.text,
                task.complete_till.strftime("%Y-%m-%d %H:%M"),
                str(task.days_overdue),
                f"#{task.deal.id}" if task.deal else "—",
                money(task.deal.price, currency) if task.deal else "—",
                who(task.responsible_user_id),
            )
        tables.append(t)
    if report.stuck and top > 0:
        t = Table(
            title=f"Stuck on a stage > {report.stuck_days} days (top {top}, longest first)",
            header_style="bold",
        )
        for col in ("Deal", "Name", "Stage", "Budget", "Days on stage", "Manager"):
            t.add_column(col, justify="right" if col in ("Budget", "Days on stage") else "left")
        for item in report.stuck[:top]:
            days = str(item.days_on_stage) + ("" if item.from_event else " (since created)")
            t.add_row(*_deal(item.deal, currency), days, who(item.deal.responsible_user_id))
        tables.append(t)
    if report.reopened and top > 0:
        t = Table(title=f"Moved back from a closed stage (top {top})", header_style="bold")
        for col in ("Deal", "Name", "Stage now", "Budget", "From", "When", "Manager"):
            t.add_column(col, justify="right" if col == "Budget" else "left")
        for back in report.reopened[:top]:
            t.add_row(
                *_deal(back.deal, currency),
                {142: "won", 143: "lost"}.get(back.from_status_id, f"#{back.from_status_id}"),
                back.at.strftime("%Y-%m-%d") if back.at else "—",
                who(back.deal.responsible_user_id),
            )
        tables.append(t)
    return tables


def render_report(
    report: AuditReport,
    *,
    names: dict[int, str] | None = None,
    currency: str = "",
    title: str = "",
    top: int = 10,
) -> RenderableType:
    parts: list[RenderableType] = [summary_table(report, currency, title)]
    if report.total.open_deals == 0:
        parts.append(Text("No open deals: nothing to audit."))
    parts.extend(detail_tables(report, names or {}, currency, top))
    return Group(*parts)


def print_report(
    report: AuditReport,
    console: Console | None = None,
    *,
    names: dict[int, str] | None = None,
    currency: str = "",
    title: str = "",
    top: int = 10,
) -> None:
    renderable = render_report(report, names=names, currency=currency, title=title, top=top)
    (console or Console()).print(renderable)
