"""format_when echoes the understood time; quick_choices offers the one-press buttons."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from nextstep.bot.engine.when import QuickChoice, format_when, parse_when, quick_choices

MSK = ZoneInfo("Europe/Moscow")
VLAT = ZoneInfo("Asia/Vladivostok")
SUNDAY = datetime(2026, 11, 22, 14, 0, tzinfo=MSK)


def msk(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=MSK)


@pytest.mark.parametrize(
    ("dt", "locale", "expected"),
    [
        (msk(11, 22, 19), "ru", "сегодня, 19:00"),
        (msk(11, 23, 10), "ru", "завтра, 23 ноября, 10:00"),
        (msk(11, 27, 15, 30), "ru", "пятница, 27 ноября, 15:30"),
        (msk(11, 24, 9, 5), "ru", "вторник, 24 ноября, 09:05"),
        (msk(3, 10, 9, year=2027), "ru", "среда, 10 марта 2027, 09:00"),  # another year
        (msk(11, 22, 19), "en", "today, 19:00"),
        (msk(11, 23, 10), "en", "tomorrow, 23 November, 10:00"),
        (msk(11, 27, 15, 30), "en", "Friday, 27 November, 15:30"),
        (msk(3, 10, 9, year=2027), "en", "Wednesday, 10 March 2027, 09:00"),
        (msk(11, 23, 10), "ru-RU", "завтра, 23 ноября, 10:00"),
        (msk(11, 23, 10), "en_GB", "tomorrow, 23 November, 10:00"),
        (msk(11, 23, 10), "xx", "tomorrow, 23 November, 10:00"),  # unknown → English
        (msk(11, 23, 10), "de", "Montag, 23 November, 10:00"),  # no day words: the weekday
    ],
)
def test_format_when(dt: datetime, locale: str, expected: str) -> None:
    assert format_when(dt, locale, MSK, now=SUNDAY) == expected


def test_format_when_without_now_names_the_weekday() -> None:
    assert format_when(msk(11, 23, 10), "ru", MSK) == "понедельник, 23 ноября, 10:00"


def test_format_when_speaks_in_the_persons_zone() -> None:
    instant = datetime(2026, 11, 22, 16, 0, tzinfo=UTC)  # 19:00 Moscow, 02:00 (23rd) Vladivostok
    assert format_when(instant, "ru", MSK, now=SUNDAY) == "сегодня, 19:00"
    assert format_when(instant, "ru", VLAT, now=SUNDAY) == "завтра, 23 ноября, 02:00"


def test_parse_then_echo() -> None:
    dt = parse_when("в пятницу в 15:30", now=SUNDAY, tz=MSK)
    assert dt is not None
    assert format_when(dt, "ru", MSK, now=SUNDAY) == "пятница, 27 ноября, 15:30"


@pytest.mark.parametrize(
    ("now", "in_1h", "evening", "tomorrow"),
    [
        (msk(11, 22, 14, 0), msk(11, 22, 15), msk(11, 22, 19), msk(11, 23, 10)),
        (msk(11, 22, 17, 59), msk(11, 22, 18, 59), msk(11, 22, 19), msk(11, 23, 10)),
        (msk(11, 22, 18, 0), msk(11, 22, 19), msk(11, 23, 19), msk(11, 23, 10)),
        (msk(11, 22, 23, 30), msk(11, 23, 0, 30), msk(11, 23, 19), msk(11, 23, 10)),
        (msk(11, 23, 0, 10), msk(11, 23, 1, 10), msk(11, 23, 19), msk(11, 24, 10)),
    ],
)
def test_quick_choices(
    now: datetime, in_1h: datetime, evening: datetime, tomorrow: datetime
) -> None:
    assert quick_choices(now, MSK) == [
        (QuickChoice.IN_1H, in_1h),
        (QuickChoice.THIS_EVENING, evening),
        (QuickChoice.TOMORROW_MORNING, tomorrow),
    ]


def test_quick_choices_follow_the_persons_zone_and_cut_seconds() -> None:
    now = datetime(2026, 11, 22, 11, 0, 42, tzinfo=UTC)  # 14:00 Moscow, 21:00 Vladivostok
    keyed = dict(quick_choices(now, VLAT))
    assert keyed[QuickChoice.IN_1H] == datetime(2026, 11, 22, 22, 0, tzinfo=VLAT)
    assert keyed[QuickChoice.THIS_EVENING] == datetime(2026, 11, 23, 19, 0, tzinfo=VLAT)
    assert keyed[QuickChoice.TOMORROW_MORNING] == datetime(2026, 11, 23, 10, 0, tzinfo=VLAT)
    assert [key.value for key, _ in quick_choices(now, MSK)] == ["in_1h", "evening", "tomorrow"]
