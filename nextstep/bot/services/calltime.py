"""Call-back times for the buttons and the echo, on top of the engine's `when` reader.

The understood time is always echoed back in the person's zone for confirmation, so a miss
costs one "Change" press, never a wrong task.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from nextstep.bot.engine.when import QuickChoice, format_when, parse_when
from nextstep.bot.engine.when import quick_choices as _quick_choices
from nextstep.bot.i18n import N_

QUICK_KEYS = {
    QuickChoice.IN_1H: N_("calltime.in_hour"),
    QuickChoice.THIS_EVENING: N_("calltime.this_evening"),
    QuickChoice.TOMORROW_MORNING: N_("calltime.tomorrow_morning"),
}


def quick_choices(now: datetime, tz: ZoneInfo) -> list[tuple[str, datetime]]:
    """(message key, UTC moment): in an hour, this evening, tomorrow morning."""
    return [(QUICK_KEYS[c], at.astimezone(UTC)) for c, at in _quick_choices(now, tz)]


def parse_call_time(text: str, now: datetime, tz: ZoneInfo) -> datetime | None:
    """The UTC moment `text` means in `tz`; None when not understood or already past."""
    moment = parse_when(text, now=now, tz=tz)
    if moment is None or moment <= now:
        return None
    return moment.astimezone(UTC)


def echo(moment: datetime, locale: str, tz: ZoneInfo, now: datetime) -> str:
    """ "завтра, 3 марта, 15:00" / "tomorrow, 3 March, 15:00"."""
    return format_when(moment, locale, tz, now=now)
