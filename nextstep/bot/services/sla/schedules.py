"""Work schedules per person: parsed from the shell's words, stored, and described back.

`spec_of("mon-fri 09:00-18:00")` → `{"weekly": {"mon-fri": "09:00-18:00"}}`; a cycle is
`{"cycle": {"pattern": "2/2", "anchor": ...}, "hours": ...}`. Every spec is validated by
`engine.schedule.Schedule` before it is stored, so a stored one always loads.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from nextstep.bot.engine.schedule import (
    WEEKDAY_KEYS,
    Schedule,
    is_on_shift,
    next_shift_start,
)
from nextstep.bot.playbook.resolved import ResolvedPlaybook
from nextstep.bot.playbook.sections.schedules import DAYS_OFF_ONLY
from nextstep.bot.storage import Database, Repositories


class ScheduleError(ValueError):
    """Words that do not make a schedule (the message says which part)."""


def weekly_spec(entries: Sequence[str]) -> dict[str, Any]:
    """ "mon-fri 09:00-18:00", "sat 10:00-14:00" → {"mon-fri": "09:00-18:00", "sat": …}."""
    weekly: dict[str, Any] = {}
    for entry in entries:
        parts = entry.split()
        if len(parts) < 2:
            raise ScheduleError(
                f'expected days and hours like "mon-fri 09:00-18:00", got {entry!r}'
            )
        days, hours = parts[0], parts[1:]
        weekly[days] = hours[0] if len(hours) == 1 else hours
    return {"weekly": weekly}


def spec_of(
    *,
    weekly: Sequence[str] | None = None,
    cycle: str | None = None,
    anchor: date | None = None,
    hours: str | None = None,
    timezone: str | None = None,
    days_off: Sequence[date] = (),
) -> dict[str, Any]:
    """A validated, JSON-ready schedule spec (what `schedules.spec` holds)."""
    if bool(weekly) == bool(cycle):
        raise ScheduleError("give either --weekly or --cycle")
    spec: dict[str, Any]
    if weekly:
        spec = weekly_spec(weekly)
    else:
        if anchor is None:
            raise ScheduleError("a cycle needs --anchor DATE (the first day of a working block)")
        spec = {"cycle": {"pattern": cycle, "anchor": anchor.isoformat()}}
        if hours:
            spec["hours"] = hours
    if timezone:
        spec["timezone"] = timezone
    if days_off:
        spec["days_off"] = [d.isoformat() for d in days_off]
    try:
        return Schedule.model_validate(spec).model_dump(mode="json")
    except ValidationError as exc:
        problems = "; ".join(str(e["msg"]) for e in exc.errors())
        raise ScheduleError(problems) from None


async def set_schedule(db: Database, crm_user_id: int, spec: dict[str, Any], now: datetime) -> int:
    """Store `spec` for the staff member paired with `crm_user_id`; returns their staff id."""
    async with db.transaction() as session:
        repos = Repositories(session)
        staff = await repos.staff.by_crm_user_id(crm_user_id)
        if staff is None:
            raise ScheduleError(
                f"CRM user {crm_user_id} is not staff yet: `nextstep staff add` or invite first"
            )
        await repos.schedules.set(staff.id, spec, now)
        return staff.id


def describe(schedule: Schedule) -> str:
    """A compact text: "mon-fri 09:00-18:00 (Europe/Moscow)", "2/2 from 2026-03-02 10:00-22:00"."""
    data = schedule.model_dump(mode="json")
    if schedule.cycle is not None:
        c = schedule.cycle
        hours = f"{data['cycle']['start']}-{data['cycle']['end']}"
        body = f"{c.on_days}/{c.off_days} from {c.anchor.isoformat()} {hours}"
    else:
        body = ", ".join(_weekly_runs(data.get("weekly") or {}))
    text = f"{body} ({schedule.timezone})"
    if schedule.days_off:
        text += "; off: " + ", ".join(d.isoformat() for d in sorted(schedule.days_off))
    return text


def _weekly_runs(weekly: dict[str, Any]) -> list[str]:
    """Consecutive days with the same hours as one range: "mon-fri 09:00-18:00"."""
    hours = [weekly.get(day) for day in WEEKDAY_KEYS]
    runs: list[str] = []
    start = 0
    while start < len(hours):
        end = start
        while end + 1 < len(hours) and hours[end + 1] == hours[start]:
            end += 1
        if hours[start]:
            value = hours[start]
            text = ",".join(value) if isinstance(value, list) else str(value)
            days = (
                WEEKDAY_KEYS[start]
                if end == start
                else f"{WEEKDAY_KEYS[start]}-{WEEKDAY_KEYS[end]}"
            )
            runs.append(f"{days} {text}")
        start = end + 1
    return runs


def shift_state(schedule: Schedule, now: datetime) -> tuple[bool, datetime | None]:
    """On shift now? and when the next shift starts (None when on shift or never)."""
    if is_on_shift(schedule, now):
        return True, None
    try:
        return False, next_shift_start(schedule, now)
    except ValueError:
        return False, None


async def schedule_of(db: Database, rp: ResolvedPlaybook, staff_id: int) -> tuple[Schedule, bool]:
    """The person's schedule (with the playbook's holidays) and whether it is their own (not
    the default, with or without days off added from the chat)."""
    async with db.transaction() as session:
        spec = await Repositories(session).schedules.get(staff_id)
    own = spec is not None and not set(spec) <= DAYS_OFF_ONLY
    return rp.playbook.schedules.schedule_for(spec), own
