"""Drilling down from `/team` and the morning digest to a deal a head can act on.

Figures alone make a head open the CRM ("Маша: просрочено 7" — which seven?). Each level is a
card with buttons: `/team` → 👤 a manager → their problem deals → 📂 one deal → Remind the owner,
→ a teammate on shift (least loaded first), Take myself, ➕ a next-step task. The digest's problem
deals open the same deal card. The deal card's buttons are the escalation cards' own actions
(`presses.py`), so a deal handled here is handled exactly as from an escalation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from nextstep.bot.engine.sla.digest import ProblemDeal, TeamFigures
from nextstep.bot.engine.sla.distribution import candidates
from nextstep.bot.engine.sla.team import team_now as figures_now
from nextstep.bot.i18n import Texts
from nextstep.bot.services.cards import ButtonSpec, CardView
from nextstep.bot.services.deps import Services
from nextstep.bot.services.outbound import Outbound, one_off_key
from nextstep.bot.services.presses import Press
from nextstep.bot.services.sla import render
from nextstep.bot.services.sla.inputs import (
    CARD_KIND,
    Directory,
    load_deals,
    load_directory,
    load_open_deal_counts,
    load_outcomes,
    load_tasks,
    sla_config,
)
from nextstep.bot.services.staff import StaffInfo
from nextstep.bot.storage.models import CrmDeal
from nextstep.bot.textfit import fit_lines

MEMBER_ACTION = "sla_member"
DEAL_ACTION = "sla_deal"
MANAGER_BUTTONS = 20  # managers with a button on the /team card
DEAL_BUTTONS = 8  # problem deals with a button on a manager's card
REASSIGN_TO = 3  # teammates offered on a deal's card
EVERY = 1_000_000  # no cut: a drill-down lists a manager's problems, not the team's top ones


@dataclass(frozen=True)
class TeamNow:
    figures: TeamFigures
    directory: Directory


async def team_now(services: Services, head_id: int) -> TeamNow:
    """The head's team now: every open problem (not only the digest's top), today's figures."""
    async with services.db.transaction() as session:
        directory = await load_directory(session, services.playbook)
        deals = await load_deals(session, services.playbook)
        tasks = await load_tasks(session)
        outcomes = await load_outcomes(session)
    cfg = sla_config(services.playbook)
    figures = figures_now(
        head_id, deals, tasks, directory.staff, cfg, outcomes, services.now(), top=EVERY
    )
    return TeamNow(figures, directory)


def by_deal(problems: Sequence[ProblemDeal]) -> dict[int, list[ProblemDeal]]:
    """Problems grouped per deal, in the order of the deal's first (largest budget first)."""
    grouped: dict[int, list[ProblemDeal]] = {}
    for problem in problems:
        grouped.setdefault(problem.deal_id, []).append(problem)
    return grouped


def _problems_text(problems: Sequence[ProblemDeal], t: Texts) -> str:
    return ", ".join(t(f"sla.problem.{p.problem}") for p in problems)


def manager_buttons(
    figures: TeamFigures, directory: Directory, t: Texts
) -> tuple[tuple[ButtonSpec, ...], ...]:
    """/team: one button per manager with something to look at."""
    rows: list[tuple[ButtonSpec, ...]] = []
    for m in figures.managers:
        count = len(by_deal([p for p in figures.problems if p.manager_id == m.crm_user_id]))
        if not count:
            continue
        label = t("sla.button.member", name=directory.name(m.crm_user_id), count=count)
        args = {"manager": m.crm_user_id, "head": figures.head_id}
        rows.append((ButtonSpec(label[:64], MEMBER_ACTION, args),))
    return tuple(rows[:MANAGER_BUTTONS])


def member_view(team: TeamNow, manager: int, t: Texts) -> CardView:
    """A manager's problem deals, a line each, with a button per deal (the first few)."""
    figures, directory = team.figures, team.directory
    mine = by_deal([p for p in figures.problems if p.manager_id == manager])
    name = directory.name(manager)
    if not mine:
        return CardView(t("sla.member.clear", name=name))
    lines = [
        t(
            "sla.member.line",
            deal=problems[0].name or f"#{deal_id}",
            problems=_problems_text(problems, t),
            price=t.money(problems[0].price),
        )
        for deal_id, problems in mine.items()
    ]
    text = fit_lines(
        [t("sla.member.header", name=name, count=len(mine))],
        lines,
        lambda left: t("sla.member.more", count=left),
    )
    rows = tuple(
        (
            ButtonSpec(
                t("sla.button.show_item", name=problems[0].name or f"#{deal_id}")[:64],
                DEAL_ACTION,
                {"deal": deal_id, "head": figures.head_id},
            ),
        )
        for deal_id, problems in list(mine.items())[:DEAL_BUTTONS]
    )
    return CardView(text, rows)


def deal_buttons(
    deal_id: int,
    name: str,
    reassign: Sequence[int],
    directory: Directory,
    t: Texts,
    services: Services,
) -> tuple[tuple[ButtonSpec, ...], ...]:
    deal: dict[str, Any] = {"deal": deal_id}
    rows: list[tuple[ButtonSpec, ...]] = [
        (ButtonSpec(t("sla.button.remind"), "sla_remind", deal),),
        *(
            (
                ButtonSpec(
                    t("sla.button.reassign_to", name=directory.name(who)),
                    "sla_reassign",
                    {**deal, "to": who},
                ),
            )
            for who in reassign
        ),
        (ButtonSpec(t("sla.button.take_myself"), "sla_take", deal),),
    ]
    templates = services.playbook.playbook.sla.no_task.templates
    for index in range(len(templates)):
        text = render.template_label(services.playbook, index, deal_id, name, t)
        label = t("sla.button.next_step", text=text)[:64]
        rows.append((ButtonSpec(label, "sla_next_task", {**deal, "template": index}),))
    return tuple(rows)


async def send_sla_card(
    services: Services, person: StaffInfo, view: CardView, key: str, chat_id: int | None = None
) -> None:
    """A head's card (/team, a manager's deals, a deal's actions) in its own transaction, in
    `chat_id` (default: the person's chat); its buttons are the SLA presses."""
    chat = chat_id if chat_id is not None else person.telegram_id
    if chat is None:
        return
    async with services.db.transaction() as session:
        out = Outbound(session, services.now())
        await out.send_card(
            chat_id=chat,
            owner_staff_id=person.id,
            kind=CARD_KIND,
            view=view,
            dedup_key=one_off_key(key),
        )
    services.woke(out.kinds)


def _head_of(press: Press, presser: StaffInfo) -> int:
    head = press.args.get("head")
    return head if isinstance(head, int) else presser.crm_user_id


async def on_member(services: Services, presser: StaffInfo, press: Press) -> None:
    manager = press.args.get("manager")
    if not isinstance(manager, int):
        return
    team = await team_now(services, _head_of(press, presser))
    view = member_view(team, manager, services.texts_for(presser))
    await send_sla_card(services, presser, view, f"sla:member:{manager}")


async def on_deal(services: Services, presser: StaffInfo, press: Press) -> None:
    """One problem deal with its actions; a deal whose problems are gone says so instead."""
    deal_id = press.args.get("deal")
    if not isinstance(deal_id, int):
        return
    t = services.texts_for(presser)
    team = await team_now(services, _head_of(press, presser))
    problems = by_deal(team.figures.problems).get(deal_id, [])
    async with services.db.transaction() as session:
        row = await session.get(CrmDeal, deal_id)
        name = (row.name if row else "") or f"#{deal_id}"
        if row is None or row.closed_at is not None or not problems:
            view = CardView(t("sla.deal.clear", deal=name))
        else:
            owner = row.responsible_user_id
            reassign = candidates(
                owner or 0,
                team.directory.staff,
                await load_open_deal_counts(session),
                services.now(),
                limit=REASSIGN_TO,
            )
            text = t(
                "sla.deal.card",
                deal=name,
                manager=team.directory.name(owner),
                problems=_problems_text(problems, t),
                price=t.money(row.price or 0),
            )
            buttons = deal_buttons(deal_id, name, reassign, team.directory, t, services)
            view = CardView(text, buttons)
    await send_sla_card(services, presser, view, f"sla:deal:{deal_id}")


HANDLERS = {MEMBER_ACTION: on_member, DEAL_ACTION: on_deal}
