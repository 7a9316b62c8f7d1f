"""Schedule edges seen through the SLA rules: Europe/Berlin's DST changes, Moscow and
Vladivostok midnights, 2/2 cycle boundaries, a holiday."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from nextstep.bot.engine.schedule import Schedule
from nextstep.bot.engine.sla.actions import Defer, MoveTaskToWorkingDay
from nextstep.bot.engine.sla.calendar import ScheduleCalendar
from nextstep.bot.engine.sla.distribution import pick_manager
from nextstep.bot.engine.sla.record import Rule
from nextstep.bot.playbook.sections.schedules import Schedules
from tests.unit.sla.sla_world import (
    ANNA,
    BORIS,
    HEAD,
    NOW,
    Runtime,
    deal,
    of,
    task,
    team,
)

M = timedelta(minutes=1)
TWO_TWO = Schedule.model_validate(
    {
        "timezone": "Europe/Moscow",
        "cycle": {"pattern": "2/2", "anchor": "2026-03-02"},
        "hours": "09:00-21:00",
    }
)


def berlin_head_defers(evening_utc: datetime) -> datetime:
    """A lead lands at `evening_utc` (manager always on shift); the head works 09-18 Berlin
    daily: when is the head's card delivered?"""
    always = Schedule.model_validate(
        {"timezone": "Europe/Berlin", "weekly": {"daily": "00:00-24:00"}}
    )
    berlin = Schedule.model_validate(
        {"timezone": "Europe/Berlin", "weekly": {"daily": "09:00-18:00"}}
    )
    rt = Runtime(staff=team(anna=always, head=berlin))
    lead = deal(
        status=101,
        created_at=evening_utc,
        stage_entered_at=evening_utc,
        last_activity_at=evening_utc,
    )
    rt.sweep([lead], evening_utc + 5 * M)
    [held] = rt.sweep([lead], evening_utc + 10 * M)
    assert isinstance(held, Defer)
    return held.until


def test_berlin_spring_forward_shift_starts_at_0700_utc() -> None:
    # Saturday 28 March 2026, 20:00 CET; the clocks go forward that night.
    assert berlin_head_defers(datetime(2026, 3, 28, 19, 0, tzinfo=UTC)) == datetime(
        2026, 3, 29, 7, 0, tzinfo=UTC
    )


def test_berlin_fall_back_shift_starts_at_0800_utc() -> None:
    # Saturday 24 October 2026, 20:00 CEST; the clocks go back that night.
    assert berlin_head_defers(datetime(2026, 10, 24, 18, 0, tzinfo=UTC)) == datetime(
        2026, 10, 25, 8, 0, tzinfo=UTC
    )


def test_moscow_card_after_midnight_waits_for_nine_local() -> None:
    cal = ScheduleCalendar(Schedule.model_validate({"timezone": "Europe/Moscow"}))
    just_after_midnight = datetime(2026, 3, 2, 21, 1, tzinfo=UTC)  # Tue 00:01 Moscow
    assert not cal.is_on_shift(just_after_midnight)
    assert cal.next_shift_start(just_after_midnight) == datetime(2026, 3, 3, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("due", "moved_to"),
    [
        # Saturday 23:30 in Vladivostok (13:30 UTC): a day off there → Monday, by the end of
        # the working day (18:00 local, 08:00 UTC).
        (datetime(2026, 3, 7, 13, 30, tzinfo=UTC), datetime(2026, 3, 9, 8, 0, tzinfo=UTC)),
        # Monday 00:30 in Vladivostok is still Sunday in UTC: a working day there, unmoved.
        (datetime(2026, 3, 8, 14, 30, tzinfo=UTC), None),
    ],
)
def test_vladivostok_midnight_decides_by_the_local_date(
    due: datetime, moved_to: datetime | None
) -> None:
    far_east = Schedule.model_validate({"timezone": "Asia/Vladivostok"})
    actions = Runtime(staff=team(anna=far_east)).sweep([deal()], NOW, {55: [task(1, due=due)]})
    moves = [a.new_due for a in actions if isinstance(a, MoveTaskToWorkingDay)]
    assert moves == ([moved_to] if moved_to else [])


def test_two_two_cycle_boundaries_for_distribution() -> None:
    staff = team(anna=TWO_TWO)
    tuesday_2059 = datetime(2026, 3, 3, 17, 59, tzinfo=UTC)
    tuesday_2100 = datetime(2026, 3, 3, 18, 0, tzinfo=UTC)
    assert pick_manager(staff.team(HEAD), {}, {}, {}, 0, tuesday_2059)[0] == ANNA
    assert pick_manager(staff.team(HEAD), {}, {}, {}, 0, tuesday_2100)[0] is None  # all off
    wednesday = datetime(2026, 3, 4, 7, 0, tzinfo=UTC)  # Anna's off block begins
    assert pick_manager(staff.team(HEAD), {}, {}, {}, 0, wednesday)[0] == BORIS
    friday = datetime(2026, 3, 6, 6, 0, tzinfo=UTC)  # back on
    assert pick_manager(staff.team(HEAD), {}, {}, {}, 0, friday)[0] == ANNA


def test_two_two_off_block_moves_a_task_but_a_longer_absence_is_handed_over() -> None:
    wednesday_noon = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
    actions = Runtime(staff=team(anna=TWO_TWO)).sweep(
        [deal()], NOW, {55: [task(1, due=wednesday_noon)]}
    )
    [move] = [a for a in actions if isinstance(a, MoveTaskToWorkingDay)]
    assert move.new_due == datetime(2026, 3, 6, 9, 0, tzinfo=UTC)  # Friday 12:00
    sick = TWO_TWO.model_copy(update={"days_off": frozenset({datetime(2026, 3, 6).date()})})
    actions = Runtime(staff=team(anna=sick)).sweep(
        [deal()], NOW, {55: [task(1, due=wednesday_noon)]}
    )
    assert [dict(a.facts)["days_off"] for a in of(actions, Rule.HANDOVER)] == [3]  # type: ignore[union-attr]


def test_holiday_stops_weekly_schedules_but_not_shift_cycles() -> None:
    section = Schedules(holidays=(datetime(2026, 3, 10).date(),))
    office = section.schedule_for(None)
    shifts = section.schedule_for(TWO_TWO)
    tuesday_noon = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    assert ScheduleCalendar(office).is_day_off(tuesday_noon)
    assert not ScheduleCalendar(shifts).is_day_off(tuesday_noon)  # 10 March: an on block
    actions = Runtime(staff=team(anna=office)).sweep(
        [deal()], NOW, {55: [task(1, due=tuesday_noon)]}
    )
    [move] = [a for a in actions if isinstance(a, MoveTaskToWorkingDay)]
    assert move.new_due == tuesday_noon + timedelta(days=1)


@pytest.mark.parametrize(
    "due",
    [
        datetime(2026, 3, 7, 3, 0, tzinfo=UTC),  # Saturday early
        datetime(2026, 3, 7, 12, 0, tzinfo=UTC),
        datetime(2026, 3, 8, 20, 0, tzinfo=UTC),  # Sunday 23:00 Moscow
        datetime(2026, 3, 29, 1, 30, tzinfo=UTC),  # Berlin's spring-forward night
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # Berlin's fall-back night
    ],
)
@pytest.mark.parametrize("zone", ["Europe/Moscow", "Europe/Berlin", "Asia/Vladivostok"])
def test_the_cached_calendar_agrees_with_the_schedule(due: datetime, zone: str) -> None:
    from nextstep.bot.engine import schedule as sched

    for spec in (
        {"timezone": zone},
        {
            "timezone": zone,
            "cycle": {"pattern": "2/2", "anchor": "2026-03-02"},
            "hours": "20:00-08:00",
        },
    ):
        schedule = Schedule.model_validate(spec)
        cal = ScheduleCalendar(schedule)
        assert cal.move_to_working_time(due) == sched.move_to_working_time(schedule, due)
        assert cal.is_on_shift(due) == sched.is_on_shift(schedule, due)
