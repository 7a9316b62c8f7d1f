"""parse_when: call-back times as managers type them, against fixed clocks."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from nextstep.bot.engine.when import parse_when

MSK = ZoneInfo("Europe/Moscow")
VLAT = ZoneInfo("Asia/Vladivostok")
BERLIN = ZoneInfo("Europe/Berlin")

THURSDAY = datetime(2026, 3, 5, 14, 0, tzinfo=MSK)  # Thursday, 14:00 in Moscow


def msk(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=MSK)


# Now: Thursday 2026-03-05 14:00 Europe/Moscow.
THURSDAY_ROWS = [
    # relative days, Russian
    ("завтра в 10", msk(3, 6, 10)),
    ("завтра в 10:30", msk(3, 6, 10, 30)),
    ("завтра 10:00", msk(3, 6, 10)),
    ("завтра 10", msk(3, 6, 10)),
    ("послезавтра в 9:30", msk(3, 7, 9, 30)),
    ("завтра в 10 часов", msk(3, 6, 10)),
    ("завтра в 10 ч", msk(3, 6, 10)),
    ("завтра в 10 часов 30 минут", msk(3, 6, 10, 30)),
    ("завтра в 22", msk(3, 6, 22)),
    ("Завтра, в 10.", msk(3, 6, 10)),
    ("перезвонить завтра в 10", msk(3, 6, 10)),
    ("завтра около 11", msk(3, 6, 11)),
    ("завтра в 10.30", msk(3, 6, 10, 30)),
    ("завтра", msk(3, 6, 10)),
    ("сегодня в 18:00", msk(3, 5, 18)),
    # parts of the day
    ("в 7 вечера", msk(3, 5, 19)),
    ("в 7 утра", msk(3, 6, 7)),
    ("в семь вечера", msk(3, 5, 19)),
    ("в 2 дня", msk(3, 6, 14)),
    ("в 3 дня", msk(3, 5, 15)),
    ("в 11 вечера", msk(3, 5, 23)),
    ("в 4 вечера", msk(3, 5, 16)),
    ("tonight at 9pm", msk(3, 5, 21)),
    ("в 2 ночи", msk(3, 6, 2)),
    ("сегодня вечером", msk(3, 5, 19)),
    ("вечером", msk(3, 5, 19)),
    ("вечером в 8", msk(3, 5, 20)),
    ("завтра утром", msk(3, 6, 10)),
    ("завтра с утра", msk(3, 6, 10)),
    ("завтра утром в 9", msk(3, 6, 9)),
    ("завтра днём", msk(3, 6, 14)),
    ("завтра после обеда", msk(3, 6, 14)),
    ("завтра в полдень", msk(3, 6, 12)),
    # offsets
    ("через 2 часа", msk(3, 5, 16)),
    ("через 30 минут", msk(3, 5, 14, 30)),
    ("через 5 мин", msk(3, 5, 14, 5)),
    ("через час", msk(3, 5, 15)),
    ("через полчаса", msk(3, 5, 14, 30)),
    ("через пол часа", msk(3, 5, 14, 30)),
    ("через полтора часа", msk(3, 5, 15, 30)),
    ("через 1,5 часа", msk(3, 5, 15, 30)),
    ("через 1.5 часа", msk(3, 5, 15, 30)),
    ("через пару часов", msk(3, 5, 16)),
    ("через два часа", msk(3, 5, 16)),
    ("через 1 час 30 минут", msk(3, 5, 15, 30)),
    ("через 2ч", msk(3, 5, 16)),
    ("через 3 дня", msk(3, 8, 10)),  # a day offset names a day: default hour
    ("через 3 дня в 15:00", msk(3, 8, 15)),
    ("через день", msk(3, 6, 10)),
    ("через неделю", msk(3, 12, 10)),
    ("через 2 недели", msk(3, 19, 10)),
    # weekdays
    ("пятница 15:30", msk(3, 6, 15, 30)),
    ("в пятницу в 15:30", msk(3, 6, 15, 30)),
    ("в пн", msk(3, 9, 10)),
    ("понедельник", msk(3, 9, 10)),
    ("во вторник в 11", msk(3, 10, 11)),
    ("в среду утром", msk(3, 11, 10)),
    ("в четверг", msk(3, 12, 10)),  # today is Thursday: the next one
    ("в четверг в 18:00", msk(3, 12, 18)),
    ("в сб в 12", msk(3, 7, 12)),
    ("в следующий понедельник", msk(3, 9, 10)),
    ("на следующей неделе", msk(3, 9, 10)),
    # calendar dates
    ("10.03 в 9", msk(3, 10, 9)),
    ("10.03.2027 14:00", msk(3, 10, 14, year=2027)),
    ("10.03.27 в 14:00", msk(3, 10, 14, year=2027)),
    ("10 марта в 9:00", msk(3, 10, 9)),
    ("10 марта", msk(3, 10, 10)),
    ("1 апреля в 12", msk(4, 1, 12)),
    ("10 марта 2027 года в 9", msk(3, 10, 9, year=2027)),
    ("01.03", msk(3, 1, 10, year=2027)),  # passed this year: next year
    ("2026-03-10 14:00", msk(3, 10, 14)),
    # a time alone: today if ahead, else tomorrow
    ("в 10", msk(3, 6, 10)),
    ("в 22", msk(3, 5, 22)),
    ("в 14", msk(3, 6, 14)),  # exactly now is not ahead
    ("в 7", msk(3, 6, 7)),  # no pm guessing
    ("15:30", msk(3, 5, 15, 30)),
    ("9:15", msk(3, 6, 9, 15)),
    ("в 10.30", msk(3, 6, 10, 30)),
    ("около 16", msk(3, 5, 16)),
    # English
    ("tomorrow 3pm", msk(3, 6, 15)),
    ("tomorrow at 10", msk(3, 6, 10)),
    ("tomorrow at 10:30 am", msk(3, 6, 10, 30)),
    ("Tomorrow 9 a.m.", msk(3, 6, 9)),
    ("tomorrow morning", msk(3, 6, 10)),
    ("tomorrow evening", msk(3, 6, 19)),
    ("the day after tomorrow 9:30", msk(3, 7, 9, 30)),
    ("at 7pm", msk(3, 5, 19)),
    ("at 7", msk(3, 6, 7)),
    ("at noon", msk(3, 6, 12)),
    ("12pm", msk(3, 6, 12)),
    ("12am", msk(3, 6, 0)),
    ("tonight", msk(3, 5, 19)),
    ("this evening at 8", msk(3, 5, 20)),
    ("in 2 hours", msk(3, 5, 16)),
    ("in 30 min", msk(3, 5, 14, 30)),
    ("in 2h", msk(3, 5, 16)),
    ("in an hour", msk(3, 5, 15)),
    ("in half an hour", msk(3, 5, 14, 30)),
    ("in 1.5 hours", msk(3, 5, 15, 30)),
    ("in 3 days", msk(3, 8, 10)),
    ("in a week", msk(3, 12, 10)),
    ("friday 15:30", msk(3, 6, 15, 30)),
    ("on fri at 4pm", msk(3, 6, 16)),
    ("next monday 9am", msk(3, 9, 9)),
    ("monday", msk(3, 9, 10)),
    ("next week", msk(3, 9, 10)),
    ("today 18:00", msk(3, 5, 18)),
    ("March 10 9:00", msk(3, 10, 9)),
    ("March 10th at 9am", msk(3, 10, 9)),
    ("10 March 2027", msk(3, 10, 10, year=2027)),
    ("10th of March at 9am", msk(3, 10, 9)),
    ("call me back tomorrow at 11, please", msk(3, 6, 11)),
]


@pytest.mark.parametrize(("phrase", "expected"), THURSDAY_ROWS, ids=[r[0] for r in THURSDAY_ROWS])
def test_thursday_afternoon(phrase: str, expected: datetime) -> None:
    got = parse_when(phrase, now=THURSDAY, tz=MSK)
    assert got == expected
    assert got is not None
    assert got.tzinfo == MSK
    assert (got.hour, got.minute) == (expected.hour, expected.minute)  # the wall time, too


def test_the_table_is_big_enough() -> None:
    assert len(THURSDAY_ROWS) >= 60


SUNDAY_NIGHT = datetime(2026, 3, 8, 22, 30, tzinfo=MSK)  # Sunday, 22:30

# Now: Sunday 2026-03-08 22:30. Results roll forward; explicit days stay put.
SUNDAY_ROWS = [
    ("в 7", msk(3, 9, 7)),
    ("в 10", msk(3, 9, 10)),
    ("в 23", msk(3, 8, 23)),
    ("в 22", msk(3, 9, 22)),
    ("22:45", msk(3, 8, 22, 45)),
    ("22:30", msk(3, 9, 22, 30)),
    ("в 7 вечера", msk(3, 9, 19)),
    ("вечером", msk(3, 9, 19)),
    ("в 12 ночи", msk(3, 9, 0)),
    ("noon", msk(3, 9, 12)),
    ("завтра", msk(3, 9, 10)),
    ("в понедельник", msk(3, 9, 10)),
    ("в воскресенье", msk(3, 15, 10)),  # today is Sunday: next week
    ("sunday 9am", msk(3, 15, 9)),
    ("friday 15:30", msk(3, 13, 15, 30)),
    ("на следующей неделе", msk(3, 9, 10)),
    ("через час", msk(3, 8, 23, 30)),
    ("через 2 часа", msk(3, 9, 0, 30)),
    ("через 1,5 часа", msk(3, 9, 0, 0)),
    ("in 30 min", msk(3, 8, 23, 0)),
    ("через 3 дня", msk(3, 11, 10)),
    ("05.03", msk(3, 5, 10, year=2027)),  # passed: next year
    # An explicit day is never moved, even into the past: the caller says "that has passed".
    ("сегодня вечером", msk(3, 8, 19)),
    ("tonight", msk(3, 8, 19)),
    ("8 марта в 9", msk(3, 8, 9)),
    ("сегодня в 23:15", msk(3, 8, 23, 15)),
]


@pytest.mark.parametrize(("phrase", "expected"), SUNDAY_ROWS, ids=[r[0] for r in SUNDAY_ROWS])
def test_sunday_late_evening_rolls_forward(phrase: str, expected: datetime) -> None:
    assert parse_when(phrase, now=SUNDAY_NIGHT, tz=MSK) == expected


NEW_YEARS_EVE = datetime(2026, 12, 31, 23, 0, tzinfo=MSK)


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("завтра", msk(1, 1, 10, year=2027)),
        ("10.01", msk(1, 10, 10, year=2027)),
        ("31.12 в 23:30", msk(12, 31, 23, 30)),
        ("через 2 часа", msk(1, 1, 1, year=2027)),
        ("в пн", msk(1, 4, 10, year=2027)),
        ("29.02", msk(2, 29, 10, year=2028)),  # waits for a leap year
    ],
)
def test_year_boundary(phrase: str, expected: datetime) -> None:
    assert parse_when(phrase, now=NEW_YEARS_EVE, tz=MSK) == expected


REJECTS = [
    "",
    "   ",
    "asdf",
    "завтра asdf",
    "25:00",
    "10:60",
    "24:00",
    "завтра в 99",
    "в 25",
    "в 100",
    "10",  # a bare number is not a time without a day
    "31.04",
    "32 марта",
    "13.13",
    "13pm",
    "0am",
    "в 12 вечера",
    "в 10 дня",
    "в 7 вечера утром",
    "9pm in the morning",
    "tonight at 2am",
    "вечером в 2",
    "в 3 вечера",
    "завтра в пятницу",
    "сегодня завтра",
    "через 2 часа завтра",
    "через час в 10",
    "в 10 в 11",
    "через 0 минут",
    "через",
    "перезвонить",
    "в",
    "ночью",
    "2026",
]


@pytest.mark.parametrize("phrase", REJECTS)
def test_nonsense_is_rejected(phrase: str) -> None:
    assert parse_when(phrase, now=THURSDAY, tz=MSK) is None


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        parse_when("завтра", now=datetime(2026, 3, 5, 14, 0), tz=MSK)


def test_default_hour_is_used_and_checked() -> None:
    assert parse_when("завтра", now=THURSDAY, tz=MSK, default_hour=9) == msk(3, 6, 9)
    assert parse_when("в пн утром", now=THURSDAY, tz=MSK, default_hour=11) == msk(3, 9, 11)
    with pytest.raises(ValueError):
        parse_when("завтра", now=THURSDAY, tz=MSK, default_hour=24)


def test_offsets_are_cut_to_the_minute() -> None:
    now = datetime(2026, 3, 5, 14, 0, 59, 999, tzinfo=MSK)
    assert parse_when("через 30 минут", now=now, tz=MSK) == msk(3, 5, 14, 30)


# --- time zones: the same instant, the person's own wall clock ---

INSTANT_AFTERNOON = datetime(2026, 3, 5, 11, 0, tzinfo=UTC)  # 14:00 Moscow, 21:00 Vladivostok
INSTANT_EVENING = datetime(2026, 3, 5, 17, 0, tzinfo=UTC)  # 20:00 Moscow, 03:00 (6th) Vladivostok


@pytest.mark.parametrize(
    ("now", "phrase", "in_moscow", "in_vladivostok"),
    [
        (INSTANT_AFTERNOON, "в 22", (3, 5, 22, 0), (3, 5, 22, 0)),
        (INSTANT_AFTERNOON, "в 20", (3, 5, 20, 0), (3, 6, 20, 0)),
        (INSTANT_AFTERNOON, "завтра в 10", (3, 6, 10, 0), (3, 6, 10, 0)),
        (INSTANT_AFTERNOON, "сегодня вечером", (3, 5, 19, 0), (3, 5, 19, 0)),
        (INSTANT_AFTERNOON, "в пятницу", (3, 6, 10, 0), (3, 6, 10, 0)),
        (INSTANT_EVENING, "завтра в 10", (3, 6, 10, 0), (3, 7, 10, 0)),
        (INSTANT_EVENING, "сегодня вечером", (3, 5, 19, 0), (3, 6, 19, 0)),
        (INSTANT_EVENING, "в 10", (3, 6, 10, 0), (3, 6, 10, 0)),
        (INSTANT_EVENING, "в пятницу", (3, 6, 10, 0), (3, 13, 10, 0)),  # already Friday there
        (INSTANT_EVENING, "через 2 часа", (3, 5, 22, 0), (3, 6, 5, 0)),
    ],
)
def test_same_phrase_in_two_zones(
    now: datetime,
    phrase: str,
    in_moscow: tuple[int, int, int, int],
    in_vladivostok: tuple[int, int, int, int],
) -> None:
    m, d, h, mi = in_moscow
    assert parse_when(phrase, now=now, tz=MSK) == datetime(2026, m, d, h, mi, tzinfo=MSK)
    m, d, h, mi = in_vladivostok
    got = parse_when(phrase, now=now, tz=VLAT)
    assert got == datetime(2026, m, d, h, mi, tzinfo=VLAT)
    assert got is not None
    assert got.utcoffset() == VLAT.utcoffset(got)


def test_offsets_are_the_same_instant_in_any_zone() -> None:
    a = parse_when("через 2 часа", now=INSTANT_AFTERNOON, tz=MSK)
    b = parse_when("через 2 часа", now=INSTANT_AFTERNOON, tz=VLAT)
    assert a == b == datetime(2026, 3, 5, 13, 0, tzinfo=UTC)


def test_now_may_come_in_any_zone() -> None:
    as_utc = parse_when("завтра в 10", now=INSTANT_EVENING, tz=VLAT)
    as_local = parse_when("завтра в 10", now=INSTANT_EVENING.astimezone(VLAT), tz=VLAT)
    assert as_utc == as_local == datetime(2026, 3, 7, 10, 0, tzinfo=VLAT)


# --- DST (Europe/Berlin springs forward on 2026-03-29 at 02:00, falls back 2026-10-25 03:00) ---

SATURDAY_BEFORE_SPRING = datetime(2026, 3, 28, 23, 30, tzinfo=BERLIN)  # CET, +01:00


def test_hour_offsets_count_real_time_across_dst() -> None:
    got = parse_when("через 3 часа", now=SATURDAY_BEFORE_SPRING, tz=BERLIN)
    assert got == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 22:30 UTC + 3 h
    assert got is not None
    assert (got.day, got.hour, got.minute) == (29, 3, 30)  # the clock jumped 02:00 → 03:00


def test_wall_times_keep_their_clock_across_dst() -> None:
    got = parse_when("завтра в 10", now=SATURDAY_BEFORE_SPRING, tz=BERLIN)
    assert got == datetime(2026, 3, 29, 8, 0, tzinfo=UTC)  # 10:00 CEST


def test_a_time_inside_the_dst_gap_moves_forward() -> None:
    got = parse_when("завтра в 2:30", now=SATURDAY_BEFORE_SPRING, tz=BERLIN)
    assert got == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # shown as 03:30 CEST
    assert got is not None
    assert (got.hour, got.minute) == (3, 30)


def test_an_ambiguous_autumn_time_is_its_first_occurrence() -> None:
    now = datetime(2026, 10, 24, 12, 0, tzinfo=BERLIN)
    got = parse_when("завтра в 2:30", now=now, tz=BERLIN)
    assert got is not None
    # (PEP 495: an ambiguous time never compares equal across zones, so compare in UTC.)
    assert got.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
    assert (got.hour, got.minute, got.fold) == (2, 30, 0)
