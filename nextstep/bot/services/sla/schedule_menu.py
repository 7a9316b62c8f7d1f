"""`/schedule` as a menu: the schedules as text, with buttons to take a day off tomorrow, pick
a date or a range (typed), and remove a coming day off. A head first picks the person (their
team and themselves); everyone else acts on their own schedule at once.

The presses are the handler's (handlers/schedule.py); who may change whose days is
`may_act_for`: the person, their head, an admin.
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from nextstep.bot.i18n import Texts
from nextstep.bot.services.cards import ButtonSpec, CardView
from nextstep.bot.services.deps import Services
from nextstep.bot.services.sla.days_off import days_off_of, person_zone
from nextstep.bot.services.sla.reports import schedule_line, schedule_people, schedule_text
from nextstep.bot.services.staff import HEAD, StaffInfo
from nextstep.bot.storage import Repositories

MENU_KIND = "schedule"
PERSON = "sched_person"  # args: {staff}
TEAM = "sched_team"  # back to the list of people
TOMORROW = "sched_tomorrow"  # args: {staff, day}
PICK = "sched_pick"  # args: {staff}: the next typed text names the days
REMOVE = "sched_remove"  # args: {staff, day}
ACTIONS = (PERSON, TEAM, TOMORROW, PICK, REMOVE)
REMOVE_BUTTONS = 6  # coming days off shown with a remove button


def day_label(day: date, this_year: int | None = None) -> str:
    """ "03.03"; with the year when it is not `this_year` ("01.03.2027")."""
    return day.strftime("%d.%m" if this_year in (None, day.year) else "%d.%m.%Y")


def days_label(days: list[date], this_year: int | None = None) -> str:
    """ "03.03" or "10.03–14.03" for a run of consecutive days; runs joined by commas."""
    runs: list[tuple[date, date]] = []
    for day in sorted(days):
        if runs and day == runs[-1][1] + timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return ", ".join(
        day_label(a, this_year)
        if a == b
        else f"{day_label(a, this_year)}–{day_label(b, this_year)}"
        for a, b in runs
    )


async def staff_by_id(services: Services, staff_id: int) -> StaffInfo | None:
    async with services.db.transaction() as session:
        row = await Repositories(session).staff.get(staff_id)
    return StaffInfo.of(row) if row is not None else None


async def zone_of(services: Services, person: StaffInfo) -> ZoneInfo:
    """Where `person`'s days are counted: their own zone, their schedule's, the default's."""
    async with services.db.transaction() as session:
        spec = await Repositories(session).schedules.get(person.id)
    return person_zone(services.playbook, spec, person.timezone)


async def today_of(services: Services, person: StaffInfo) -> date:
    return services.now().astimezone(await zone_of(services, person)).date()


def _rows(buttons: list[ButtonSpec], per_row: int) -> list[tuple[ButtonSpec, ...]]:
    return [tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)]


async def person_view(
    services: Services, reader: StaffInfo, person: StaffInfo, notice: str = ""
) -> CardView:
    """One person's schedule, their coming days off, and the buttons to change them."""
    t = services.texts_for(reader)
    today = await today_of(services, person)
    coming = sorted(d for d in await days_off_of(services.db, person.id) if d >= today)
    lines = [await schedule_line(services, t, person)]
    lines.append(
        t("sla.days_off.coming", days=days_label(coming, today.year))
        if coming
        else t("sla.days_off.none")
    )
    if notice:
        lines += ["", notice]
    tomorrow = today + timedelta(days=1)
    base = {"staff": person.id}
    rows: list[tuple[ButtonSpec, ...]] = [
        (
            ButtonSpec(
                t("sla.days_off.button.tomorrow", day=day_label(tomorrow)),
                TOMORROW,
                {**base, "day": tomorrow.isoformat()},
            ),
            ButtonSpec(t("sla.days_off.button.pick"), PICK, base),
        )
    ]
    removable = [
        ButtonSpec(
            t("sla.days_off.button.remove", day=day_label(d, today.year)),
            REMOVE,
            {**base, "day": d.isoformat()},
        )
        for d in coming[:REMOVE_BUTTONS]
    ]
    rows += _rows(removable, 3)
    if reader.role == HEAD:
        rows.append((ButtonSpec(t("sla.days_off.button.team"), TEAM, {}),))
    return CardView("\n".join(lines), tuple(rows))


async def menu_view(services: Services, reader: StaffInfo) -> CardView:
    """What `/schedule` shows: a head picks the person; anyone else sees their own buttons."""
    if reader.role != HEAD:
        return await person_view(services, reader, reader)
    t = services.texts_for(reader)
    people = await schedule_people(services, reader)
    buttons = [
        ButtonSpec(
            t("sla.days_off.button.person", name=p.name or f"#{p.crm_user_id}"),
            PERSON,
            {"staff": p.id},
        )
        for p in people
    ]
    return CardView(await schedule_text(services, reader), tuple(_rows(buttons, 2)))


def added_notice(t: Texts, person: StaffInfo, days: list[date], today: date) -> str:
    name = person.name or f"#{person.crm_user_id}"
    return t("sla.days_off.added", name=name, days=days_label(days, today.year))
