"""The noise budget: quiet hours hold pings, a cap groups the rest into one summary card."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from nextstep.bot.engine.sla.actions import Defer, Open, Summary
from nextstep.bot.engine.sla.noise import GROUP, SEND, Hold, budget
from nextstep.bot.playbook.sections.sla import QuietHours
from tests.unit.sla.sla_world import ANNA, NOW, Runtime, deal, playbook_cfg

QUIET = QuietHours(start=time(21), end=time(9))


def test_budget_sends_groups_or_holds() -> None:
    assert budget(0, 3, QUIET, NOW, "Europe/Moscow") == SEND  # 10:00 Moscow
    assert budget(3, 3, QUIET, NOW, "Europe/Moscow") == GROUP
    late = datetime(2026, 3, 2, 19, 30, tzinfo=UTC)  # 22:30 Moscow
    assert budget(0, 3, QUIET, late, "Europe/Moscow") == Hold(
        datetime(2026, 3, 3, 6, 0, tzinfo=UTC)
    )
    after_midnight = datetime(2026, 3, 2, 22, 0, tzinfo=UTC)  # 01:00 Moscow
    assert budget(0, None, QUIET, after_midnight, "Europe/Moscow") == Hold(
        datetime(2026, 3, 3, 6, 0, tzinfo=UTC)
    )
    # The same instant is 08:00 in Vladivostok: still quiet there until 09:00 local.
    assert budget(0, None, QUIET, after_midnight, "Asia/Vladivostok") == Hold(
        datetime(2026, 3, 2, 23, 0, tzinfo=UTC)
    )


def test_pings_over_the_hourly_cap_become_one_summary_card() -> None:
    rt = Runtime(playbook_cfg("sla:\n  noise:\n    manager: {per_hour: 2}\n"))
    deals = [deal(i) for i in range(1, 6)]
    actions = rt.sweep(deals, NOW + timedelta(hours=1), pings={ANNA: 1})
    assert [type(a).__name__ for a in actions] == ["Open", "Summary"]
    summary = actions[1]
    assert isinstance(summary, Summary)
    assert summary.audience == ANNA
    assert len(summary.items) == 4
    assert all(isinstance(i, Open) for i in summary.items)
    assert rt.sweep(deals, NOW + timedelta(hours=1, minutes=5)) == []  # all recorded


def test_quiet_hours_hold_a_card_until_they_end() -> None:
    rt = Runtime(playbook_cfg('sla:\n  noise:\n    head: {quiet_hours: "09:00-12:00"}\n'))
    lead = deal(status=101)
    rt.sweep([lead], NOW + timedelta(minutes=5))
    [held] = rt.sweep([lead], NOW + timedelta(minutes=10))  # 10:10 Moscow, head's quiet time
    assert isinstance(held, Defer)
    assert held.until == NOW + timedelta(hours=2)  # 12:00 Moscow
    [raised] = rt.sweep([lead], held.until)
    assert type(raised).__name__ == "Raise"
