"""Work schedules: shifts, days off, 2/2 cycles, midnight and DST edges, against fixed clocks."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import yaml
from pydantic import ValidationError

from nextstep.bot.engine.schedule import (
    Schedule,
    current_shift,
    days_off_ahead,
    is_on_shift,
    is_working_day,
    move_to_working_time,
    next_shift_start,
    next_working_day,
    next_working_morning,
    shift_end,
    shifts_on,
)

MSK = ZoneInfo("Europe/Moscow")
VLAT = ZoneInfo("Asia/Vladivostok")
BERLIN = ZoneInfo("Europe/Berlin")


def msk(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=MSK)


# Week of Monday 2026-03-02. Monday 2026-03-09 is a public holiday (8 March moved).
OFFICE = Schedule.model_validate(
    {
        "timezone": "Europe/Moscow",
        "weekly": {"mon-fri": "09:00-18:00"},
        "holidays": ["2026-03-09"],
    }
)


# --- weekly office hours ---


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (msk(3, 2, 9, 0), True),  # start is inclusive
        (msk(3, 2, 8, 59), False),
        (msk(3, 2, 17, 59), True),
        (msk(3, 2, 18, 0), False),  # end is exclusive
        (msk(3, 5, 14, 0), True),
        (msk(3, 7, 12, 0), False),  # Saturday
        (msk(3, 8, 12, 0), False),  # Sunday
        (msk(3, 9, 12, 0), False),  # holiday on a Monday
        (msk(3, 10, 12, 0), True),
        (datetime(2026, 3, 5, 6, 0, tzinfo=UTC), True),  # 09:00 Moscow
        (datetime(2026, 3, 5, 5, 59, tzinfo=UTC), False),
    ],
)
def test_office_is_on_shift(at: datetime, expected: bool) -> None:
    assert is_on_shift(OFFICE, at) is expected


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 3, 6), True),
        (date(2026, 3, 7), False),
        (date(2026, 3, 8), False),
        (date(2026, 3, 9), False),  # holiday
        (date(2026, 3, 10), True),
    ],
)
def test_office_working_days(day: date, working: bool) -> None:
    assert is_working_day(OFFICE, day) is working


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (msk(3, 5, 14, 0), msk(3, 6, 9)),
        (msk(3, 5, 7, 0), msk(3, 5, 9)),
        (msk(3, 5, 9, 0), msk(3, 6, 9)),  # strictly after
        (msk(3, 6, 18, 0), msk(3, 10, 9)),  # weekend, then the holiday
        (msk(3, 7, 23, 59), msk(3, 10, 9)),
    ],
)
def test_office_next_shift_start(after: datetime, expected: datetime) -> None:
    assert next_shift_start(OFFICE, after) == expected


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (msk(3, 5, 14, 0), msk(3, 6, 9)),  # the ladder's attempt 2: next morning
        (msk(3, 5, 8, 30), msk(3, 5, 9)),  # today's work has not begun
        (msk(3, 6, 16, 0), msk(3, 10, 9)),  # Friday → Tuesday after the holiday
    ],
)
def test_office_next_working_morning(after: datetime, expected: datetime) -> None:
    assert next_working_morning(OFFICE, after) == expected


@pytest.mark.parametrize(
    ("day", "expected", "expected_inclusive"),
    [
        (date(2026, 3, 5), date(2026, 3, 6), date(2026, 3, 5)),
        (date(2026, 3, 6), date(2026, 3, 10), date(2026, 3, 6)),
        (date(2026, 3, 7), date(2026, 3, 10), date(2026, 3, 10)),
    ],
)
def test_office_next_working_day(day: date, expected: date, expected_inclusive: date) -> None:
    assert next_working_day(OFFICE, day) == expected
    assert next_working_day(OFFICE, day, include_given=True) == expected_inclusive


@pytest.mark.parametrize(
    ("day", "off"),
    [
        (date(2026, 3, 6), 0),
        (date(2026, 3, 7), 3),  # Sat, Sun, holiday Monday: more than 2 → tell the head
        (date(2026, 3, 8), 2),
        (date(2026, 3, 9), 1),
    ],
)
def test_office_days_off_ahead(day: date, off: int) -> None:
    assert days_off_ahead(OFFICE, day) == off


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (msk(3, 5, 14, 0), msk(3, 5, 18)),
        (msk(3, 5, 9, 0), msk(3, 5, 18)),
        (msk(3, 5, 18, 0), None),
        (msk(3, 7, 12, 0), None),
    ],
)
def test_office_shift_end(at: datetime, expected: datetime | None) -> None:
    assert shift_end(OFFICE, at) == expected


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        (msk(3, 5, 14, 0), msk(3, 5, 14, 0)),  # a working day: unchanged
        (msk(3, 5, 21, 0), msk(3, 5, 21, 0)),  # a working day, after hours: still unchanged
        (msk(3, 7, 15, 0), msk(3, 10, 15, 0)),  # Saturday → Tuesday (Monday is a holiday)
        (msk(3, 7, 7, 0), msk(3, 10, 9, 0)),  # before hours → the start
        (msk(3, 8, 20, 0), msk(3, 10, 18, 0)),  # after hours → the end of the day
        (msk(3, 9, 11, 30), msk(3, 10, 11, 30)),  # the holiday itself
        (datetime(2026, 3, 7, 12, 0, tzinfo=UTC), msk(3, 10, 15, 0)),  # local time counts
    ],
)
def test_office_move_to_working_time(due: datetime, expected: datetime) -> None:
    assert move_to_working_time(OFFICE, due) == expected


def test_personal_days_off_are_a_vacation() -> None:
    vacation = {date(2026, 3, 2) + timedelta(days=i) for i in range(5)}  # Mon..Fri
    person = OFFICE.model_copy(update={"days_off": frozenset(vacation)})
    assert not is_working_day(person, date(2026, 3, 4))
    assert days_off_ahead(person, date(2026, 3, 2)) == 8  # through the next Monday's holiday
    assert move_to_working_time(person, msk(3, 3, 11, 0)) == msk(3, 10, 11, 0)
    assert next_working_morning(person, msk(2, 27, 19, 0)) == msk(3, 10, 9)


# --- split days and overnight shifts ---

SPLIT = Schedule.model_validate(
    {"timezone": "Europe/Moscow", "weekly": {"sat": ["10:00-14:00", "15:00-18:00"]}}
)


@pytest.mark.parametrize(
    ("at", "on", "next_start", "next_morning"),
    [
        (msk(3, 7, 13, 0), True, msk(3, 7, 15), msk(3, 14, 10)),
        (msk(3, 7, 14, 30), False, msk(3, 7, 15), msk(3, 14, 10)),  # lunch break
        (msk(3, 7, 9, 0), False, msk(3, 7, 10), msk(3, 7, 10)),
        (msk(3, 7, 18, 0), False, msk(3, 14, 10), msk(3, 14, 10)),
    ],
)
def test_split_day(at: datetime, on: bool, next_start: datetime, next_morning: datetime) -> None:
    assert is_on_shift(SPLIT, at) is on
    assert next_shift_start(SPLIT, at) == next_start
    assert next_working_morning(SPLIT, at) == next_morning


def test_split_day_moves_a_lunch_time_task_to_the_afternoon_shift() -> None:
    assert move_to_working_time(SPLIT, msk(3, 5, 14, 30)) == msk(3, 7, 15, 0)
    assert move_to_working_time(SPLIT, msk(3, 5, 12, 0)) == msk(3, 7, 12, 0)


NIGHTS = Schedule.model_validate(
    {"timezone": "Europe/Moscow", "weekly": {"mon-fri": "20:00-08:00"}}
)


@pytest.mark.parametrize(
    ("at", "on", "end"),
    [
        (msk(3, 6, 19, 59), False, None),
        (msk(3, 6, 20, 0), True, msk(3, 7, 8)),
        (msk(3, 6, 23, 59), True, msk(3, 7, 8)),
        (msk(3, 7, 0, 0), True, msk(3, 7, 8)),  # Saturday midnight: Friday's shift goes on
        (msk(3, 7, 7, 59), True, msk(3, 7, 8)),
        (msk(3, 7, 8, 0), False, None),
        (msk(3, 9, 2, 0), False, None),  # Monday 02:00: Sunday had no shift
        (msk(3, 3, 2, 0), True, msk(3, 3, 8)),
    ],
)
def test_overnight_shift(at: datetime, on: bool, end: datetime | None) -> None:
    assert is_on_shift(NIGHTS, at) is on
    assert shift_end(NIGHTS, at) == end


def test_overnight_shift_belongs_to_the_day_it_starts() -> None:
    assert is_working_day(NIGHTS, date(2026, 3, 6))
    assert not is_working_day(NIGHTS, date(2026, 3, 7))
    assert shifts_on(NIGHTS, date(2026, 3, 6)) == [(msk(3, 6, 20), msk(3, 7, 8))]
    assert current_shift(NIGHTS, msk(3, 7, 3)) == (msk(3, 6, 20), msk(3, 7, 8))
    assert next_working_morning(NIGHTS, msk(3, 6, 21)) == msk(3, 9, 20)


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        (msk(3, 7, 3, 0), msk(3, 7, 3, 0)),  # on Friday's night shift: unchanged
        (msk(3, 7, 12, 0), msk(3, 9, 20, 0)),  # before Monday's shift → its start
        (msk(3, 8, 23, 0), msk(3, 9, 23, 0)),  # inside Monday's shift
    ],
)
def test_overnight_move_to_working_time(due: datetime, expected: datetime) -> None:
    assert move_to_working_time(NIGHTS, due) == expected


ROUND_THE_CLOCK = Schedule.model_validate(
    {"timezone": "Europe/Moscow", "weekly": {"daily": "00:00-24:00"}}
)


def test_whole_days_run_midnight_to_midnight() -> None:
    assert is_on_shift(ROUND_THE_CLOCK, msk(3, 5, 0, 0))
    assert is_on_shift(ROUND_THE_CLOCK, msk(3, 5, 23, 59))
    assert shift_end(ROUND_THE_CLOCK, msk(3, 5, 14)) == msk(3, 6, 0)
    assert next_shift_start(ROUND_THE_CLOCK, msk(3, 5, 14)) == msk(3, 6, 0)
    assert days_off_ahead(ROUND_THE_CLOCK, date(2026, 3, 5)) == 0


# --- 2/2 shift cycles (story 003) ---

ANCHOR = date(2026, 3, 2)  # Monday: on Mon, Tue; off Wed, Thu; on Fri, Sat; off Sun, Mon; on Tue


def cycle(anchor: date, **extra: object) -> Schedule:
    return Schedule.model_validate(
        {
            "timezone": "Europe/Moscow",
            "cycle": {"on_days": 2, "off_days": 2, "anchor": anchor.isoformat()},
            "hours": "09:00-21:00",
            **extra,
        }
    )


CYCLE_DAYS = [
    (date(2026, 2, 26), True),  # before the anchor
    (date(2026, 2, 27), True),
    (date(2026, 2, 28), False),
    (date(2026, 3, 1), False),
    (date(2026, 3, 2), True),  # the anchor
    (date(2026, 3, 3), True),
    (date(2026, 3, 4), False),
    (date(2026, 3, 5), False),
    (date(2026, 3, 6), True),
    (date(2026, 3, 7), True),
    (date(2026, 3, 8), False),
    (date(2026, 3, 9), False),
    (date(2026, 3, 10), True),
]


@pytest.mark.parametrize(
    "anchor",
    [ANCHOR, ANCHOR - timedelta(days=400), ANCHOR + timedelta(days=400)],
    ids=["anchor-now", "anchor-past", "anchor-future"],
)
@pytest.mark.parametrize(("day", "working"), CYCLE_DAYS, ids=[str(d) for d, _ in CYCLE_DAYS])
def test_two_by_two_days(anchor: date, day: date, working: bool) -> None:
    assert is_working_day(cycle(anchor), day) is working


@pytest.mark.parametrize(
    ("at", "on", "next_start"),
    [
        (msk(3, 3, 20, 59), True, msk(3, 6, 9)),
        (msk(3, 3, 21, 0), False, msk(3, 6, 9)),  # end of the 2nd day: two days off follow
        (msk(3, 6, 8, 59), False, msk(3, 6, 9)),
        (msk(3, 6, 9, 0), True, msk(3, 7, 9)),
        (msk(3, 7, 22, 0), False, msk(3, 10, 9)),
    ],
)
def test_two_by_two_hours(at: datetime, on: bool, next_start: datetime) -> None:
    schedule = cycle(ANCHOR)
    assert is_on_shift(schedule, at) is on
    assert next_shift_start(schedule, at) == next_start


def test_two_by_two_days_off_and_moves() -> None:
    schedule = cycle(ANCHOR)
    assert days_off_ahead(schedule, date(2026, 3, 4)) == 2
    assert days_off_ahead(schedule, date(2026, 3, 5)) == 1
    assert move_to_working_time(schedule, msk(3, 4, 15, 0)) == msk(3, 6, 15, 0)
    assert move_to_working_time(schedule, msk(3, 5, 22, 0)) == msk(3, 6, 21, 0)
    assert next_working_morning(schedule, msk(3, 2, 10)) == msk(3, 3, 9)


def test_a_vacation_on_a_cycle_counts_towards_the_head_rule() -> None:
    schedule = cycle(ANCHOR, days_off=["2026-03-06", "2026-03-07"])
    assert days_off_ahead(schedule, date(2026, 3, 4)) == 6  # off 4, 5, vacation 6, 7, off 8, 9


def test_shift_workers_work_holidays_unless_told_otherwise() -> None:
    holiday = "2026-03-06"
    assert is_working_day(cycle(ANCHOR, holidays=[holiday]), date(2026, 3, 6))
    stopped = cycle(ANCHOR, holidays=[holiday], holidays_stop_cycles=True)
    assert not is_working_day(stopped, date(2026, 3, 6))
    assert next_working_day(stopped, date(2026, 3, 5)) == date(2026, 3, 7)


def test_cycle_in_another_zone_reads_the_instant_in_its_own() -> None:
    far_east = Schedule.model_validate(
        {"timezone": "Asia/Vladivostok", "cycle": {"pattern": "2/2", "anchor": "2026-03-02"}}
    )
    # Moscow 02:30 on Friday is 09:30 in Vladivostok: on shift there.
    assert is_on_shift(far_east, msk(3, 6, 2, 30))
    assert not is_on_shift(far_east, msk(3, 6, 1, 30))
    assert next_shift_start(far_east, msk(3, 5, 12)) == datetime(2026, 3, 6, 9, tzinfo=VLAT)


# --- daylight saving time ---

BERLIN_EVERY_DAY = Schedule.model_validate(
    {"timezone": "Europe/Berlin", "weekly": {"daily": "09:00-18:00"}}
)


def berlin_shift(day: date, hours: str) -> tuple[datetime, datetime]:
    schedule = Schedule.model_validate({"timezone": "Europe/Berlin", "weekly": {"daily": hours}})
    (shift,) = shifts_on(schedule, day)
    return shift


@pytest.mark.parametrize(
    ("day", "hours", "start_utc", "length"),
    [
        (date(2026, 3, 28), "09:00-18:00", datetime(2026, 3, 28, 8, 0, tzinfo=UTC), 9),
        (date(2026, 3, 29), "09:00-18:00", datetime(2026, 3, 29, 7, 0, tzinfo=UTC), 9),
        (date(2026, 3, 28), "20:00-08:00", datetime(2026, 3, 28, 19, 0, tzinfo=UTC), 11),
        (date(2026, 10, 24), "20:00-08:00", datetime(2026, 10, 24, 18, 0, tzinfo=UTC), 13),
        (date(2026, 3, 29), "00:00-24:00", datetime(2026, 3, 28, 23, 0, tzinfo=UTC), 23),
        (date(2026, 10, 25), "00:00-24:00", datetime(2026, 10, 24, 22, 0, tzinfo=UTC), 25),
        # 02:30 does not exist on the spring night: the start moves forward to 03:30 CEST.
        (date(2026, 3, 29), "02:30-06:00", datetime(2026, 3, 29, 1, 30, tzinfo=UTC), 2.5),
    ],
)
def test_berlin_shifts_keep_wall_clock_across_dst(
    day: date, hours: str, start_utc: datetime, length: float
) -> None:
    start, end = berlin_shift(day, hours)
    assert start.astimezone(UTC) == start_utc
    # Same-zone subtraction is wall-clock arithmetic in Python; real hours need UTC.
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=length)


def test_berlin_repeated_autumn_hour_is_compared_in_real_time() -> None:
    schedule = Schedule.model_validate(
        {"timezone": "Europe/Berlin", "weekly": {"sun": "01:00-03:00"}}
    )
    # 01:00 CEST (23:00 UTC) → 03:00 CET (02:00 UTC): three real hours.
    first_0230 = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
    second_0230 = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 CET, the repeat
    assert is_on_shift(schedule, first_0230)
    assert is_on_shift(schedule, second_0230)
    assert is_on_shift(schedule, second_0230.astimezone(BERLIN))
    assert not is_on_shift(schedule, datetime(2026, 10, 25, 2, 0, tzinfo=UTC))


def test_berlin_move_over_the_spring_weekend_keeps_the_local_time() -> None:
    office = Schedule.model_validate({"timezone": "Europe/Berlin", "weekly": {"mon-fri": "09-18"}})
    due = datetime(2026, 3, 28, 10, 0, tzinfo=BERLIN)  # Saturday, CET (09:00 UTC)
    moved = move_to_working_time(office, due)
    assert moved == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)  # Monday 10:00 CEST
    assert (moved.hour, moved.minute) == (10, 0)
    assert next_working_morning(office, datetime(2026, 3, 27, 19, tzinfo=BERLIN)) == datetime(
        2026, 3, 30, 7, 0, tzinfo=UTC
    )


def test_berlin_autumn_weekend() -> None:
    office = Schedule.model_validate({"timezone": "Europe/Berlin", "weekly": {"mon-fri": "09-18"}})
    due = datetime(2026, 10, 25, 10, 0, tzinfo=BERLIN)  # Sunday, already CET
    assert move_to_working_time(office, due) == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)
    assert is_on_shift(BERLIN_EVERY_DAY, datetime(2026, 10, 25, 8, 0, tzinfo=UTC))  # 09:00 CET


@pytest.mark.parametrize("zone", ["Europe/Moscow", "Asia/Vladivostok"])
@pytest.mark.parametrize("day", [date(2026, 3, 29), date(2026, 10, 25), date(2026, 7, 1)])
def test_dst_free_zones_have_the_same_offsets_all_year(zone: str, day: date) -> None:
    schedule = Schedule.model_validate({"timezone": zone, "weekly": {"daily": "20:00-08:00"}})
    ((start, end),) = shifts_on(schedule, day)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=12)
    assert start.utcoffset() == timedelta(hours=3 if zone == "Europe/Moscow" else 10)


# --- the model as data ---


@pytest.mark.parametrize(
    "schedule",
    [OFFICE, SPLIT, NIGHTS, ROUND_THE_CLOCK, cycle(ANCHOR, days_off=["2026-05-04", "2026-05-01"])],
    ids=["office", "split", "nights", "round-the-clock", "cycle"],
)
def test_round_trips_through_dict_json_and_yaml(schedule: Schedule) -> None:
    data = schedule.model_dump(mode="json")
    assert Schedule.model_validate(data) == schedule
    assert Schedule.model_validate(json.loads(json.dumps(data))) == schedule
    assert Schedule.model_validate(yaml.safe_load(yaml.safe_dump(data))) == schedule


def test_dump_is_plain_and_readable() -> None:
    data = cycle(ANCHOR, days_off=["2026-05-04", "2026-05-01"]).model_dump(mode="json")
    assert data["cycle"] == {
        "on_days": 2,
        "off_days": 2,
        "anchor": "2026-03-02",
        "start": "09:00",
        "end": "21:00",
    }
    assert data["days_off"] == ["2026-05-01", "2026-05-04"]  # sorted, stable
    assert OFFICE.model_dump(mode="json")["weekly"]["fri"] == ["09:00-18:00"]
    assert ROUND_THE_CLOCK.model_dump(mode="json")["weekly"]["sun"] == ["00:00-24:00"]


def test_playbook_yaml_shapes() -> None:
    text = """
timezone: Asia/Vladivostok
days: [mon, tue, wed, thu, fri]
hours: "10:00-19:00"
days_off: [2026-05-04]
"""
    schedule = Schedule.model_validate(yaml.safe_load(text))
    assert schedule.weekly is not None
    assert set(schedule.weekly.days) == {0, 1, 2, 3, 4}
    assert is_on_shift(schedule, datetime(2026, 3, 5, 10, tzinfo=VLAT))
    assert not is_working_day(schedule, date(2026, 5, 4))

    spec_like = {
        "timezone": "Europe/Moscow",
        "days": ["mon"],
        "hours": {"start": "09:00:00", "end": "21:00:00"},
        "weekly": None,
        "cycle": {"on": 2, "off": 2, "anchor": "2026-03-02"},
        "days_off": [],
    }
    assert Schedule.model_validate(spec_like) == cycle(ANCHOR)
    assert Schedule() == Schedule.model_validate({"weekly": {"пн-пт": "9:00-18:00"}})


@pytest.mark.parametrize(
    "data",
    [
        {"timezone": "Mars/Olympus"},
        {"weekly": {"mon": "09:00-18:00"}, "cycle": {"pattern": "2/2", "anchor": "2026-03-02"}},
        {"weekly": {"mon-fri": "09:00-18:00", "fri": "10:00-12:00"}},
        {"weekly": {"funday": "09:00-18:00"}},
        {"weekly": {"mon": "9 to 6"}},
        {"weekly": {"mon": "25:00-26:00"}},
        {"weekly": {"mon": ["09:00-14:00", "13:00-18:00"]}},
        {"weekly": {}},
        {"cycle": {"pattern": "two/two", "anchor": "2026-03-02"}},
        {"cycle": {"on_days": 0, "off_days": 2, "anchor": "2026-03-02"}},
        {"weekly": {"mon": "09:00-18:00"}, "surprise": 1},
    ],
)
def test_bad_schedules_fail_validation(data: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Schedule.model_validate(data)


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2026, 3, 5, 14, 0)
    for check in (is_on_shift, next_shift_start, next_working_morning, move_to_working_time):
        with pytest.raises(ValueError):
            check(OFFICE, naive)
