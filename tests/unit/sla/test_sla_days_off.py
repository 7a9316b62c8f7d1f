"""Typed days off ("15.03", "10.03-14.03", "с 10.03 по 14.03") and a days-off-only spec that
keeps following the playbook's default schedule."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from nextstep.bot.engine.schedule import Schedule, is_on_shift
from nextstep.bot.playbook.sections.schedules import Schedules
from nextstep.bot.services.sla.days_off import DaysOffError, parse_days

MOSCOW = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # Monday 10:00 in Moscow


@pytest.mark.parametrize(
    ("text", "first", "count"),
    [
        ("завтра", date(2026, 3, 3), 1),
        ("сегодня", date(2026, 3, 2), 1),
        ("15.03", date(2026, 3, 15), 1),
        ("10.03-14.03", date(2026, 3, 10), 5),
        ("10.03 – 14.03", date(2026, 3, 10), 5),
        ("с 10.03 по 14.03", date(2026, 3, 10), 5),
        ("в пятницу", date(2026, 3, 6), 1),
        ("tomorrow", date(2026, 3, 3), 1),
    ],
)
def test_typed_days(text: str, first: date, count: int) -> None:
    days = parse_days(text, now=NOW, tz=MOSCOW)
    assert days[0] == first
    assert len(days) == count


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("потом как-нибудь", "sla.days_off.not_understood"),
        ("01.03.2026", "sla.days_off.past"),
        ("14.03-10.03", "sla.days_off.backwards"),
        ("01.04.2026-30.06.2026", "sla.days_off.too_long"),
    ],
)
def test_refused_days(text: str, key: str) -> None:
    with pytest.raises(DaysOffError) as caught:
        parse_days(text, now=NOW, tz=MOSCOW)
    assert caught.value.key == key


def test_a_days_off_only_spec_is_the_default_plus_those_days() -> None:
    section = Schedules(default=Schedule.model_validate({"weekly": {"daily": "09:00-20:00"}}))
    schedule = section.schedule_for({"days_off": ["2026-03-07"]})
    assert schedule.days_off == frozenset({date(2026, 3, 7)})
    saturday_noon = datetime(2026, 3, 14, 9, 0, tzinfo=UTC)  # the default works Saturdays
    assert is_on_shift(schedule, saturday_noon)
    assert not is_on_shift(schedule, datetime(2026, 3, 7, 9, 0, tzinfo=UTC))
