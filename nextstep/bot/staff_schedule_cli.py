"""`nextstep staff schedule`: a person's work schedule from the shell.

    nextstep staff schedule --crm-user 4501 --weekly "mon-fri 09:00-18:00" --weekly "sat 10-14"
    nextstep staff schedule --crm-user 4502 --cycle 2/2 --anchor 2026-03-02 --hours 09:00-21:00
        [--tz Europe/Moscow] [--days-off 2026-05-04 2026-05-05]
    nextstep staff schedule --crm-user 4501 --show

Hooked under the `staff` command (registered before this module, as `playbook simulate` is).
Whoever has no schedule of their own works the playbook's `schedules.default`.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, date, datetime

from nextstep.bot.config import Settings
from nextstep.bot.engine.schedule import Schedule
from nextstep.bot.playbook.sections.schedules import DAYS_OFF_ONLY
from nextstep.bot.services.sla.days_off import days_off_of
from nextstep.bot.services.sla.schedules import ScheduleError, describe, set_schedule, spec_of
from nextstep.bot.storage import Database, Repositories, upgrade


async def _show(db: Database, crm_user_id: int) -> int:
    async with db.transaction() as session:
        repos = Repositories(session)
        staff = await repos.staff.by_crm_user_id(crm_user_id)
        spec = await repos.schedules.get(staff.id) if staff is not None else None
    if staff is None:
        print(f"error: CRM user {crm_user_id} is not staff yet")
        return 1
    if spec is None or set(spec) <= DAYS_OFF_ONLY:
        off = ", ".join(str(d) for d in (spec or {}).get("days_off", []))
        print(
            f"CRM user {crm_user_id}: no own schedule (the playbook's default applies)"
            + (f"; off: {off}" if off else "")
        )
    else:
        print(f"CRM user {crm_user_id}: {describe(Schedule.model_validate(spec))}")
    return 0


async def days_off_held(db: Database, crm_user_id: int) -> set[date]:
    async with db.transaction() as session:
        staff = await Repositories(session).staff.by_crm_user_id(crm_user_id)
    return await days_off_of(db, staff.id) if staff is not None else set()


async def _schedule(args: argparse.Namespace, settings: Settings) -> int:
    await upgrade(settings.database_url)
    db = Database(settings.database_url)
    try:
        if args.show:
            return await _show(db, args.crm_user)
        days_off = args.days_off
        if days_off is None:  # not given: keep the days off already held (some set from chat)
            days_off = sorted(await days_off_held(db, args.crm_user))
        spec = spec_of(
            weekly=args.weekly,
            cycle=args.cycle,
            anchor=args.anchor,
            hours=args.hours,
            timezone=args.tz,
            days_off=days_off,
        )
        await set_schedule(db, args.crm_user, spec, datetime.now(UTC))
    except ScheduleError as exc:
        print(f"error: {exc}")
        return 1
    finally:
        await db.dispose()
    print(f"CRM user {args.crm_user}: {describe(Schedule.model_validate(spec))}")
    return 0


def _run(args: argparse.Namespace) -> int:
    settings = Settings()
    if args.database_url:
        settings = settings.model_copy(update={"database_url": args.database_url})
    result: int = asyncio.run(_schedule(args, settings))
    return result


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    leaf = commands.add_parser("schedule", help="set (or --show) a person's work schedule")
    leaf.add_argument("--crm-user", type=int, required=True, help="the CRM user id")
    leaf.add_argument(
        "--weekly",
        action="append",
        metavar='"DAYS HOURS"',
        help='days and hours, e.g. "mon-fri 09:00-18:00" (repeat for more)',
    )
    leaf.add_argument("--cycle", help="a shift cycle such as 2/2 (on/off days)")
    leaf.add_argument("--anchor", type=date.fromisoformat, help="first day of an on-block")
    leaf.add_argument("--hours", help="the cycle's hours, e.g. 09:00-21:00")
    leaf.add_argument("--tz", help="time zone, e.g. Europe/Moscow (default: the playbook's)")
    leaf.add_argument(
        "--days-off",
        nargs="*",
        type=date.fromisoformat,
        metavar="DATE",
        help="personal days off (replace the held ones; `--days-off` alone clears them; "
        "not given: the held ones, some perhaps set from the chat, are kept)",
    )
    leaf.add_argument("--show", action="store_true", help="print the stored schedule")
    leaf.add_argument("--database-url", help="default: DATABASE_URL from the settings")
    leaf.set_defaults(func=_run)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Adds `schedule` under the `staff` command (registered before this module)."""
    staff = sub.choices.get("staff")
    if staff is None:
        raise RuntimeError(
            "register nextstep.bot.staff_cli before nextstep.bot.staff_schedule_cli"
        )
    for action in staff._actions:
        if isinstance(action, argparse._SubParsersAction):
            add_parser(action)
            return
    raise RuntimeError("the staff command has no sub-commands")
