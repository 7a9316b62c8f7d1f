"""Days off and vacations from the chat (`/schedule`): a person for themselves, a head for their
team. They are stored in the person's schedule spec, where `nextstep staff schedule --days-off`
puts them, so the next sweep, distribution and reminder already skip those days.

Someone with no schedule of their own gets a spec holding only `days_off`: the playbook's
default plus those days (see `Schedules.schedule_for`), so later playbook edits still apply.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from nextstep.bot.engine.schedule import Schedule
from nextstep.bot.engine.when import parse_when
from nextstep.bot.playbook.resolved import ResolvedPlaybook
from nextstep.bot.storage import Database, Repositories

#: The longest range one message may add (a long leave is for `nextstep staff schedule`).
MAX_RANGE_DAYS = 62
# "10.03-14.03", "10.03 – 14.03", "10.03 по 14.03", "March 10 to March 14"; not "2026-03-10".
_RANGE = re.compile(
    r"\s+(?:-|–|—|по|до|to|till|until)\s+|(?<=\d)\s*[-–—]\s*(?=\d{1,2}[./]\d)", re.IGNORECASE
)
_FROM = re.compile(r"^\s*(?:с|со|from)\s+", re.IGNORECASE)


class DaysOffError(ValueError):
    """Typed words that do not name days off; `key` is the message key that says why."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def person_zone(rp: ResolvedPlaybook, spec: dict[str, Any] | None, tz: str | None) -> ZoneInfo:
    """The zone a person's days are counted in: their own, their schedule's, the default's."""
    if tz:
        return ZoneInfo(tz)
    return rp.playbook.schedules.schedule_for(spec).tz


def parse_days(text: str, *, now: datetime, tz: ZoneInfo) -> list[date]:
    """One day ("завтра", "15.03", "в пятницу") or a range ("10.03-14.03", "с 10.03 по
    14.03"), each end read by the project's date parser; today or later only."""
    parts = _RANGE.split(_FROM.sub("", text.strip()), maxsplit=1)
    ends: list[date] = []
    for part in parts:
        moment = parse_when(part, now=now, tz=tz)
        if moment is None:
            raise DaysOffError("sla.days_off.not_understood")
        ends.append(moment.date())
    first, last = ends[0], ends[-1]
    if last < first:
        raise DaysOffError("sla.days_off.backwards")
    if first < now.astimezone(tz).date():
        raise DaysOffError("sla.days_off.past")
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise DaysOffError("sla.days_off.too_long")
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _with_days_off(spec: dict[str, Any] | None, days: Iterable[date]) -> dict[str, Any]:
    """`spec` with exactly `days` as its days off, validated like every stored spec."""
    listed = sorted(set(days))
    if spec is None or set(spec) <= {"days_off"}:
        Schedule.model_validate({"days_off": listed})  # dates are dates
        return {"days_off": [d.isoformat() for d in listed]}
    updated = Schedule.model_validate({**spec, "days_off": listed})
    return updated.model_dump(mode="json")


async def days_off_of(db: Database, staff_id: int) -> set[date]:
    async with db.transaction() as session:
        spec = await Repositories(session).schedules.get(staff_id)
    if spec is None:
        return set()
    return set(Schedule.model_validate(spec).days_off)


async def change_days_off(
    db: Database,
    staff_id: int,
    now: datetime,
    *,
    add: Iterable[date] = (),
    remove: Iterable[date] = (),
) -> set[date]:
    """Add and remove personal days off in one transaction; returns the days off now held."""
    async with db.transaction() as session:
        repo = Repositories(session).schedules
        spec = await repo.get(staff_id)
        held = set(Schedule.model_validate(spec).days_off) if spec is not None else set()
        wanted = (held | set(add)) - set(remove)
        if wanted != held:
            await repo.set(staff_id, _with_days_off(spec, wanted), now)
    return wanted
