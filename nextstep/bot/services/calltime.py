"""Call-back times: quick choices and what a manager types ("завтра в 10", "tomorrow 3pm").

A small deterministic reader for the common phrases; the result is always echoed back in the
person's zone for confirmation, so a miss costs one "Change" press, never a wrong task.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta, tzinfo

EVENING = time(19, 0)
MORNING = time(10, 0)

_DAY_WORDS = {
    "сегодня": 0,
    "today": 0,
    "завтра": 1,
    "tomorrow": 1,
    "послезавтра": 2,
}
_HOUR_UNITS = ("час", "ч", "h", "hour", "hours")
_MIN_UNITS = ("мин", "минут", "минуты", "минуту", "m", "min", "mins", "minutes")
_IN = re.compile(r"^(?:через|in)\s+(\d+|полчаса|час|an?)\s*([a-zа-я]*)$")
_CLOCK = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm|утра|дня|вечера|ночи)?")
_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})(?:\.(\d{2,4}))?\s*(?:в|at)?\s*(.*)$")


def quick_choices(now: datetime, tz: tzinfo) -> list[tuple[str, datetime]]:
    """(message key, moment): in an hour, this evening (if still ahead), tomorrow morning."""
    local = now.astimezone(tz)
    choices = [("calltime.in_hour", now + timedelta(hours=1))]
    evening = datetime.combine(local.date(), EVENING, tz)
    if evening - local > timedelta(hours=1):
        choices.append(("calltime.this_evening", evening.astimezone(UTC)))
    tomorrow = datetime.combine(local.date() + timedelta(days=1), MORNING, tz)
    choices.append(("calltime.tomorrow_morning", tomorrow.astimezone(UTC)))
    return choices


def parse_call_time(text: str, now: datetime, tz: tzinfo) -> datetime | None:
    """The moment `text` means, in `tz`; None when it is not understood or not ahead."""
    phrase = " ".join(text.lower().replace("ё", "е").split())
    moment = _relative(phrase, now) or _dated(phrase, now.astimezone(tz), tz)
    if moment is None or moment <= now:
        return None
    return moment.astimezone(UTC)


def _relative(phrase: str, now: datetime) -> datetime | None:
    match = _IN.match(phrase)
    if match is None:
        return None
    amount, unit = match.groups()
    if amount == "полчаса":
        return now + timedelta(minutes=30)
    count = 1 if amount in ("час", "a", "an") else int(amount)
    if amount == "час" or unit.startswith(_HOUR_UNITS):
        return now + timedelta(hours=count)
    if unit.startswith(_MIN_UNITS):
        return now + timedelta(minutes=count)
    return None


def _dated(phrase: str, local: datetime, tz: tzinfo) -> datetime | None:
    day, rest = local.date(), phrase
    words = phrase.split(" ", 1)
    if words[0] in _DAY_WORDS:
        day = day + timedelta(days=_DAY_WORDS[words[0]])
        rest = words[1] if len(words) > 1 else ""
    elif (dated := _DATE.match(phrase)) is not None:
        d, m, y, rest = dated.groups()
        year = int(y) + (2000 if y and len(y) == 2 else 0) if y else day.year
        try:
            day = day.replace(year=year, month=int(m), day=int(d))
        except ValueError:
            return None
    rest = re.sub(r"^(?:в|at)\s+", "", rest.strip())
    clock = _clock(rest) if rest else (MORNING if day != local.date() else None)
    if clock is None:
        return None
    return datetime.combine(day, clock, tz)


def _clock(rest: str) -> time | None:
    match = _CLOCK.fullmatch(rest.replace(" часов", "").replace(" часа", "").strip())
    if match is None:
        return None
    hour, minute, part = int(match[1]), int(match[2] or 0), match[3]
    if part in ("pm", "дня", "вечера") and hour < 12:
        hour += 12
    if part in ("am", "ночи", "утра") and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)
