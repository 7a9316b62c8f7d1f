"""The ladder: opened once, no re-send while it lasts, raised after each level's time, closed
when cleared; CRM activity restarts the clock; acknowledge; snooze 30m / 2h / tomorrow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from nextstep.bot.engine.sla.actions import Close, Open, Raise, Remind, Update
from nextstep.bot.engine.sla.calendar import ScheduleCalendar
from nextstep.bot.engine.sla.escalation import acknowledge, snooze, snooze_until
from nextstep.bot.engine.sla.record import EscalationState, Rule, Status
from tests.unit.sla.sla_world import (
    ANNA,
    BIG_BOSS,
    HEAD,
    NOW,
    OFFICE,
    Runtime,
    deal,
    kinds,
    later,
)

H = timedelta(hours=1)
KEY = "deal:55"


def quiet_deal() -> object:
    """Taken, no open task, last touched at NOW: the no-task rule (grace 1h, then 1h, 4h)."""
    return deal()


def test_no_task_opens_after_grace_raises_per_level_and_closes_when_a_task_appears() -> None:
    rt = Runtime()
    row = deal()
    assert rt.sweep([row], NOW + 59 * timedelta(minutes=1)) == []
    [ask] = rt.sweep([row], NOW + H)
    assert isinstance(ask, Open)
    assert ask.audience == ANNA
    assert [b.action for b in ask.buttons][:1] == ["next_step"]
    assert rt.sweep([row], NOW + 1.5 * H) == []
    [head] = rt.sweep([row], NOW + 2 * H)
    assert isinstance(head, Raise)
    assert head.audience == HEAD
    [boss] = rt.sweep([row], NOW + 6 * H)
    assert isinstance(boss, Raise)
    assert boss.audience == BIG_BOSS
    assert rt.sweep([row], NOW + 30 * H) == []  # the top level stays
    from tests.unit.sla.sla_world import task

    [closed] = rt.sweep([row], NOW + 31 * H, tasks={55: [task(1, due=NOW + 40 * H)]})
    assert isinstance(closed, Close)
    assert closed.reason == "task_set"


def test_activity_on_the_deal_restarts_the_levels_clock() -> None:
    rt = Runtime()
    row = deal()
    rt.sweep([row], NOW + H)  # the manager is asked
    touched = later(row, last_activity_at=NOW + 1.5 * H)  # a note in the CRM
    [update] = rt.sweep([touched], NOW + 1.6 * H)
    assert isinstance(update, Update)
    assert rt.states[(Rule.NO_TASK, KEY)].level_since == NOW + 1.5 * H
    assert rt.sweep([touched], NOW + 2.4 * H) == []  # would have been raised at 2h
    [head] = rt.sweep([touched], NOW + 2.5 * H)
    assert isinstance(head, Raise)


def test_acknowledged_card_holds_one_more_level_period() -> None:
    rt = Runtime()
    row = deal()
    rt.sweep([row], NOW + H)
    rt.press(Rule.NO_TASK, KEY, lambda s: acknowledge(s, NOW + 1.9 * H))
    assert rt.states[(Rule.NO_TASK, KEY)].status is Status.ACKED
    assert rt.sweep([row], NOW + 2.5 * H) == []
    [head] = rt.sweep([row], NOW + 2.9 * H)
    assert isinstance(head, Raise)
    assert head.state.status is Status.OPEN


@pytest.mark.parametrize("minutes", [30, 120])
def test_snooze_is_quiet_then_reminds_and_restarts_the_clock(minutes: int) -> None:
    rt = Runtime()
    row = deal()
    rt.sweep([row], NOW + H)
    pressed = NOW + 1.5 * H
    until = snooze_until(timedelta(minutes=minutes), pressed, None)
    rt.press(Rule.NO_TASK, KEY, lambda s: snooze(s, until, pressed))
    assert rt.sweep([row], until - timedelta(minutes=1)) == []
    assert rt.last.next_at == until
    [remind] = rt.sweep([row], until)
    assert isinstance(remind, Remind)
    assert remind.audience == ANNA
    assert rt.states[(Rule.NO_TASK, KEY)].status is Status.OPEN
    assert kinds(rt.sweep([row], until + H)) == ["Raise"]


def test_snooze_until_tomorrow_is_the_next_working_morning() -> None:
    friday_evening = datetime(2026, 3, 6, 14, 30, tzinfo=UTC)  # 17:30 Moscow
    until = snooze_until("tomorrow", friday_evening, ScheduleCalendar(OFFICE))
    assert until == datetime(2026, 3, 9, 6, 0, tzinfo=UTC)  # Monday 09:00 Moscow
    with pytest.raises(ValueError):
        snooze(EscalationState(Rule.TAKE, KEY, 0, NOW, NOW), NOW, NOW)


def test_record_round_trips_through_the_escalations_row() -> None:
    rt = Runtime()
    rt.sweep([deal()], NOW + H)
    state = rt.states[(Rule.NO_TASK, KEY)]
    back = EscalationState.from_record(
        state.rule,
        state.subject_key,
        state.level,
        state.status,
        state.opened_at,
        state.snoozed_until,
        state.payload(),
    )
    assert back == state


def test_nobody_to_tell_at_any_level_sends_nothing() -> None:
    from nextstep.bot.engine.sla.facts import StaffDirectory

    rt = Runtime(staff=StaffDirectory.of([]))
    assert rt.sweep([deal()], NOW + 10 * H) == []
