"""Durations and due rules read the way a head of sales writes them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from nextstep.bot.playbook.durations import Due, DueKind, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10m", timedelta(minutes=10)),
        ("10min", timedelta(minutes=10)),
        ("2h", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("1d 2h", timedelta(days=1, hours=2)),
        ("45s", timedelta(seconds=45)),
        ("0m", timedelta(0)),
        ("2H", timedelta(hours=2)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "h", "2", "2 weeks", "1.5h", "-1h", "30m2h", 15])
def test_bad_durations(text: object) -> None:
    with pytest.raises(ValueError, match="expected a duration like 10m"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "kind", "delay"),
    [
        ("15m", DueKind.IN, timedelta(minutes=15)),
        ("next_working_morning", DueKind.NEXT_WORKING_MORNING, timedelta(0)),
        ("at", DueKind.AT, timedelta(0)),
    ],
)
def test_due(text: str, kind: DueKind, delay: timedelta) -> None:
    due = Due.model_validate(text)
    assert (due.kind, due.delay) == (kind, delay)
