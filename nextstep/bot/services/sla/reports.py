"""What heads and admins ask for: the morning digest (a PNG chart with buttons, through the
outbox's "photo" op), `/team` (the same figures, now), `/health` (pairing health) and
`/schedule`. Figures come from the pure `engine.sla.digest`/`team`; texts are rendered here in
the reader's language."""

from __future__ import annotations

import base64
import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from nextstep.bot.charts import digest_png
from nextstep.bot.engine.sla.digest import TeamFigures, morning_digest
from nextstep.bot.engine.sla.team import CrmUserRow, PairingHealth, pairing_health
from nextstep.bot.i18n import Texts
from nextstep.bot.services.cards import CardView
from nextstep.bot.services.deps import Services
from nextstep.bot.services.outbound import Outbound, one_off_key
from nextstep.bot.services.sla import drill
from nextstep.bot.services.sla.inputs import (
    Directory,
    load_deals,
    load_directory,
    load_outcomes,
    load_tasks,
    sla_config,
)
from nextstep.bot.services.sla.schedules import describe, schedule_of, shift_state
from nextstep.bot.services.staff import ADMIN, HEAD, StaffInfo
from nextstep.bot.storage import Repositories
from nextstep.bot.storage.models import CrmUser
from nextstep.bot.storage.outbox import enqueue
from nextstep.bot.textfit import CAPTION_LIMIT, fit_text
from nextstep.crm_client.errors import CrmError

log = logging.getLogger(__name__)
DIGEST_KIND = "sla_digest"
DIGEST_LATE = timedelta(hours=3)  # a digest missed by more than this (bot was down) is skipped
PROBLEM_BUTTONS = 5
SERIES = ("overdue_tasks", "no_task_deals", "stuck_deals", "taken_late", "outcomes")


def _problem_lines(figures: TeamFigures, directory: Directory, t: Texts) -> list[str]:
    return [
        t(
            "sla.digest.problem",
            deal=p.name or f"#{p.deal_id}",
            manager=directory.name(p.manager_id),
            problem=t(f"sla.problem.{p.problem}"),
            price=t.money(p.price),
        )
        for p in figures.problems
    ]


def _summary(figures: TeamFigures, t: Texts, key: str) -> str:
    return t(
        key,
        taken_late=figures.taken_late,
        overdue=figures.overdue_tasks,
        overdue_budget=t.money(figures.overdue_budget),
        no_task=figures.no_task_deals,
        no_task_budget=t.money(figures.no_task_budget),
        stuck=figures.stuck_deals,
        stuck_budget=t.money(figures.stuck_budget),
    )


# --- the morning digest ------------------------------------------------------------------------


async def send_digest(services: Services, head: StaffInfo, key: str | None = None) -> bool:
    """One digest to `head` as a photo with buttons; False when it was sent before (key)."""
    if head.telegram_id is None:
        return False
    now = services.now()
    cfg = sla_config(services.playbook)
    t = services.texts_for(head)
    async with services.db.transaction() as session:
        directory = await load_directory(session, services.playbook)
        deals = await load_deals(session, services.playbook)
        tasks = await load_tasks(session)
        outcomes = await load_outcomes(session)
        figures = morning_digest(
            head.crm_user_id, deals, tasks, directory.staff, cfg, outcomes, now
        )
        labels = {s: t(f"sla.digest.series.{s}") for s in SERIES}
        names = {m.crm_user_id: directory.name(m.crm_user_id) for m in figures.managers}
        png = digest_png(figures, names, labels, title=t("sla.digest.title"))
        lines = [_summary(figures, t, "sla.digest.caption")]
        lines += _problem_lines(figures, directory, t)[:PROBLEM_BUTTONS]
        caption = fit_text("\n".join(lines), CAPTION_LIMIT)
        out = Outbound(session, now)
        card = await out.repos.cards.add(
            chat_id=head.telegram_id, kind=DIGEST_KIND, now=now, owner_staff_id=head.id
        )
        buttons: list[list[dict[str, str]]] = []
        for problem in figures.problems[:PROBLEM_BUTTONS]:
            # Remind at once, or open the deal's card: reassign, take myself, a next step.
            name = problem.name or f"#{problem.deal_id}"
            deal = {"deal": problem.deal_id}
            remind = await out.repos.cards.add_callback(card.id, "sla_remind", now, deal)
            more = await out.repos.cards.add_callback(
                card.id, drill.DEAL_ACTION, now, {**deal, "head": head.crm_user_id}
            )
            buttons.append(
                [
                    {"text": f"{t('sla.button.remind')} · {name}"[:64], "cb": remind},
                    {"text": t("sla.button.deal_actions"), "cb": more},
                ]
            )
        payload = {
            "op": "photo",
            "chat_id": head.telegram_id,
            "png_b64": base64.b64encode(png).decode(),
            "caption": caption,
            "buttons": buttons,
            "card_id": card.id,
        }
        row = await enqueue(
            session,
            "telegram",
            payload,
            key or one_off_key(f"digest:{head.id}"),
            chat_id=head.telegram_id,
            now=now,
            order_key=f"chat:{head.telegram_id}",
        )
        if row is None:
            await session.delete(card)
            return False
        card.outbox_id = row
    services.woke({"telegram"})
    return True


async def heads(services: Services) -> list[StaffInfo]:
    async with services.db.transaction() as session:
        rows = await Repositories(session).staff.list(HEAD)
    return [StaffInfo.of(r) for r in rows if r.telegram_id is not None]


async def run_digests(services: Services) -> int:
    """Each head's digest once per local day, at the playbook's `sla.digest.at` (a timer key
    per head and date makes it once, across restarts and processes)."""
    digest = services.playbook.playbook.sla.digest
    if not digest.enabled:
        return 0
    now = services.now()
    sent = 0
    for head in await heads(services):
        tz = ZoneInfo(head.timezone or services.playbook.playbook.schedules.default.timezone)
        local = now.astimezone(tz)
        due = datetime.combine(local.date(), digest.at, tzinfo=tz)
        if not due <= local < due + DIGEST_LATE:
            continue
        key = f"digest:{head.crm_user_id}:{local.date().isoformat()}"
        async with services.db.transaction() as session:
            timers = Repositories(session).timers
            await timers.schedule("digest", key, due.astimezone(now.tzinfo), now)
            timer = await timers.get(key)
            fired = timer is not None and await timers.fire(timer.id, now) is not None
        if fired and await send_digest(services, head, key):
            sent += 1
    return sent


# --- /team ---------------------------------------------------------------------------------------


async def team_card(services: Services, head: StaffInfo) -> CardView:
    """/team: the figures now, a line per manager, the top problem deals, and a button per
    manager with problems to drill down (`drill.py`)."""
    now = services.now()
    t = services.texts_for(head)
    team = await drill.team_now(services, head.crm_user_id)
    figures, directory = team.figures, team.directory
    if not figures.managers:
        return CardView(t("sla.team.empty"))
    lines = [_summary(figures, t, "sla.team.header"), ""]
    for m in figures.managers:
        member = directory.staff.get(m.crm_user_id)
        calendar = directory.staff.calendar(m.crm_user_id)
        on = calendar is None or calendar.is_on_shift(now)
        lines.append(
            t(
                "sla.team.line",
                name=directory.name(m.crm_user_id),
                shift=t("sla.schedule.on_shift") if on else t("sla.schedule.off_shift"),
                open=m.open_deals,
                overdue=m.overdue_tasks,
                no_task=m.no_task_deals,
                stuck=m.stuck_deals,
            )
            + ("" if member is None or member.can_be_told else " ⚠️")
        )
    top = sla_config(services.playbook).sla.digest.top
    problems = _problem_lines(figures, directory, t)[:top]
    if problems:
        lines += ["", *problems]
    return CardView(fit_text("\n".join(lines)), drill.manager_buttons(figures, directory, t))


async def send_team(services: Services, head: StaffInfo, chat_id: int) -> None:
    view = await team_card(services, head)
    await drill.send_sla_card(services, head, view, f"sla:team:{head.id}", chat_id)


# --- /health -------------------------------------------------------------------------------------


async def crm_users(services: Services) -> list[CrmUserRow]:
    """Users as the CRM has them now (the mirror's copy when the CRM does not answer)."""
    try:
        return [CrmUserRow(u.id, u.name, u.is_active) for u in await services.crm.list_users()]
    except CrmError as exc:
        log.warning("health: CRM users from the mirror, CRM error: %s", exc)
    async with services.db.transaction() as session:
        rows = (await session.scalars(select(CrmUser))).all()
    return [CrmUserRow(r.id, r.name, r.is_active) for r in rows]


async def health(services: Services) -> tuple[PairingHealth, Directory]:
    users = await crm_users(services)
    async with services.db.transaction() as session:
        directory = await load_directory(session, services.playbook)
    for user in users:
        directory.names.setdefault(user.id, user.name)
    return pairing_health(users, directory.staff), directory


async def health_text(services: Services, reader: StaffInfo) -> str:
    t = services.texts_for(reader)
    if reader.role not in (ADMIN, HEAD):
        return t("sla.health.not_allowed")
    found, directory = await health(services)
    if found.healthy:
        return t("sla.health.ok")

    def names(ids: tuple[int, ...]) -> str:
        return ", ".join(f"{directory.name(i)} ({i})" for i in ids)

    lines = [t("sla.health.header")]
    for key, ids in (
        ("sla.health.unpaired", found.unpaired_users),
        ("sla.health.unreachable", found.unreachable_staff),
        ("sla.health.headless", found.managers_without_head),
        ("sla.health.heads_not_paired", found.heads_not_paired),
        ("sla.health.deactivated", found.deactivated),
    ):
        if ids:
            lines.append(t(key, names=names(ids)))
    return "\n".join(lines)


# --- /schedule -----------------------------------------------------------------------------------


async def schedule_line(services: Services, t: Texts, person: StaffInfo) -> str:
    """One person's schedule, days off included, and whether they are on shift now."""
    schedule, own = await schedule_of(services.db, services.playbook, person.id)
    on, next_start = shift_state(schedule, services.now())
    state = (
        t("sla.schedule.on_shift")
        if on
        else t("sla.schedule.off_shift")
        + (f" → {t.when(next_start)}" if next_start is not None else "")
    )
    return t(
        "sla.schedule.show",
        name=person.name or f"#{person.crm_user_id}",
        schedule=describe(schedule) + ("" if own else " " + t("sla.schedule.default")),
        state=state,
    )


async def schedule_people(services: Services, reader: StaffInfo) -> list[StaffInfo]:
    """Whose schedules `reader` sees in /schedule: their own; a head also their team's."""
    people = [reader]
    if reader.role == HEAD:
        async with services.db.transaction() as session:
            team = await Repositories(session).staff.team_of(reader.crm_user_id)
        people += [StaffInfo.of(r) for r in team]
    return people


async def schedule_text(services: Services, reader: StaffInfo) -> str:
    """The reader's schedule and whether they are on shift; a head also sees the team's."""
    t = services.texts_for(reader)
    lines = [
        await schedule_line(services, t, person)
        for person in await schedule_people(services, reader)
    ]
    if reader.role in (HEAD, ADMIN):
        lines += ["", t("sla.schedule.usage")]
    return "\n".join(lines)
