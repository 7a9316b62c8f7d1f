"""What the buttons on escalation cards do, after the press was claimed (handlers/head.py).

Each press re-reads what it needs (the deal through the CRM when a CRM write depends on it),
then writes the record, the CRM ops and the card edits in one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from nextstep.bot.engine.common import base_params, task_effect
from nextstep.bot.engine.effects import Decision, RefreshCards, TaskPurpose
from nextstep.bot.engine.sla.distribution import redistribute
from nextstep.bot.engine.sla.escalation import acknowledge, snooze, snooze_until
from nextstep.bot.engine.sla.facts import TaskRow
from nextstep.bot.engine.sla.record import EscalationState
from nextstep.bot.services import deal_press
from nextstep.bot.services.cards import ButtonSpec, CardView, DealState
from nextstep.bot.services.deps import Services
from nextstep.bot.services.executor import Executor, Situation
from nextstep.bot.services.flow import context_for, deal_view, read_deal
from nextstep.bot.services.handover_refused import RETRY_BUTTONS
from nextstep.bot.services.outbound import one_off_key, send_text
from nextstep.bot.services.presses import Press, release
from nextstep.bot.services.sla import drill, render
from nextstep.bot.services.sla.apply import Applier, store
from nextstep.bot.services.sla.handoff import move_task, project_deal, reassign_deal
from nextstep.bot.services.sla.inputs import (
    CARD_KIND,
    Directory,
    load_directory,
    load_open_deal_counts,
    state_of,
)
from nextstep.bot.services.sla.keys import STALE_KEY
from nextstep.bot.services.staff import StaffInfo
from nextstep.bot.storage.models import Card, CrmDeal, CrmTask
from nextstep.bot.storage.reopened import (
    ALLOWED,
    CLOSED_STATUS_IDS,
    OPEN,
    REVERTED,
    get_reopened,
)
from nextstep.bot.storage.reopened import mark as mark_reopened
from nextstep.crm_client.errors import CrmError
from nextstep.crm_client.models import Deal, Task

log = logging.getLogger(__name__)


class Context:
    """One press's transaction: the executor, the applier and the live record, if any."""

    def __init__(self, services: Services, ex: Executor, directory: Directory) -> None:
        self.services = services
        self.ex = ex
        self.applier = Applier(services, ex, directory)
        self.directory = directory

    async def state(self, press: Press) -> EscalationState | None:
        rule, subject = press.args.get("rule"), press.args.get("subject")
        if not isinstance(rule, str) or not isinstance(subject, str):
            return None
        row = await self.ex.repos.escalations.active(rule, subject)
        return state_of(row) if row is not None else None

    async def card(self, press: Press) -> Card | None:
        return await self.ex.repos.cards.get(press.card_id) if press.card_id else None

    async def keep_for_retry(self, press: Press) -> int | None:
        """Note the pressed card's buttons before it closes: if the CRM refuses the hand-over,
        `handover_refused` puts them back so the head can choose again. The card's id."""
        card = await self.card(press)
        if card is None or card.kind != CARD_KIND or "summary" in card.payload:
            return None
        buttons = card.payload.get("view", {}).get("buttons", [])
        card.payload = {**card.payload, RETRY_BUTTONS: buttons}
        return card.id

    async def notice(
        self, press: Press, text: str, *, drop: frozenset[str] = frozenset(), keep: bool = True
    ) -> None:
        """Add a line to the pressed card; keep its buttons (less the `drop` actions)."""
        card = await self.card(press)
        if card is None or card.kind != CARD_KIND:
            return  # a digest's photo has no text to edit
        old = CardView.from_json(card.payload.get("view", {}))
        rows: tuple[tuple[ButtonSpec, ...], ...] = ()
        if keep:
            kept = (tuple(b for b in row if b.action not in drop) for row in old.buttons)
            rows = tuple(row for row in kept if row)
        await self.ex.out.edit_card(
            card, render.with_notice(old, text, rows), one_off_key("sla:press")
        )


async def _in_tx(services: Services, work: Callable[[Context], Awaitable[None]]) -> None:
    async with services.db.transaction() as session:
        ex = Executor(services, session, services.now())
        ctx = Context(services, ex, await load_directory(session, services.playbook))
        await work(ctx)
    services.woke(ex.out.kinds)


def _int(press: Press, key: str) -> int | None:
    value = press.args.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


async def _tell(services: Services, person: StaffInfo, key: str) -> None:
    if person.telegram_id is not None:
        text = services.texts_for(person)(key)
        services.woke(await send_text(services.db, services.now(), person.telegram_id, text))


async def _read(
    services: Services, presser: StaffInfo, press: Press, deal_id: int
) -> tuple[Deal, list[Task]] | None:
    try:
        fresh = await read_deal(services, deal_id)
    except CrmError:
        await release(services, press)
        await _tell(services, presser, "error.crm_read")
        return None
    return fresh


# --- acknowledge / snooze -----------------------------------------------------------------------


async def on_ack(services: Services, presser: StaffInfo, press: Press) -> None:
    t = services.texts_for(presser)

    async def work(ctx: Context) -> None:
        state = await ctx.state(press)
        if state is not None:
            await store(ctx.ex, acknowledge(state, ctx.ex.now))
        text = t("sla.card.acked", who=presser.name or ctx.directory.name(presser.crm_user_id))
        await ctx.notice(press, text, drop=frozenset({"sla_ack"}))

    await _in_tx(services, work)


async def on_snooze(services: Services, presser: StaffInfo, press: Press) -> None:
    t = services.texts_for(presser)

    async def work(ctx: Context) -> None:
        now = ctx.ex.now
        minutes = _int(press, "minutes")
        choice: timedelta | str = timedelta(minutes=minutes) if minutes else "tomorrow"
        until = snooze_until(choice, now, ctx.directory.staff.calendar(presser.crm_user_id))
        state = await ctx.state(press)
        if state is not None:
            await store(ctx.ex, snooze(state, until, now))
        await ctx.notice(press, t("sla.card.snoozed", until=t.when(until)), drop=render.SNOOZE_ROW)

    await _in_tx(services, work)


# --- remind ------------------------------------------------------------------------------------


async def on_remind(services: Services, presser: StaffInfo, press: Press) -> None:
    async def work(ctx: Context) -> None:
        state = await ctx.state(press)
        deal_id, manager = _int(press, "deal"), _int(press, "manager")
        count = 0
        name = ""
        if deal_id is not None:
            deal = await ctx.ex.repos.session.get(CrmDeal, deal_id)
            manager = deal.responsible_user_id if deal else manager
            name = (deal.name if deal else "") or f"#{deal_id}"
        elif state is not None:
            found = dict(state.facts).get("count")
            count = found if isinstance(found, int) else 0
        person = ctx.applier.person(manager)
        if person is not None and person.telegram_id is not None:
            t = services.texts_for(person)
            head = presser.name or ctx.directory.name(presser.crm_user_id)
            text = (
                t("sla.remind.deal", head=head, deal=name)
                if deal_id is not None
                else t("sla.remind.pile", head=head, count=count)
            )
            await ctx.ex.out.text(person.telegram_id, text, one_off_key("sla:remind"))
        if state is not None:
            await store(ctx.ex, acknowledge(state, ctx.ex.now))
        mine = services.texts_for(presser)
        await ctx.notice(press, mine("sla.card.reminded", name=ctx.directory.name(manager)))

    await _in_tx(services, work)


# --- reassign / take ---------------------------------------------------------------------------


async def on_reassign(services: Services, presser: StaffInfo, press: Press) -> None:
    deal_id, to = _int(press, "deal"), _int(press, "to")
    if deal_id is None or to is None:
        return
    fresh = await _read(services, presser, press, deal_id)
    if fresh is None:
        return
    deal, tasks = fresh

    async def work(ctx: Context) -> None:
        state = await ctx.state(press)
        card_id = await ctx.keep_for_retry(press)
        key = f"press:{press.callback_id}"
        await reassign_deal(ctx.ex, deal, tasks, to, key, card_id=card_id, actor=presser)
        name = ctx.directory.name(to)
        if state is not None:
            await ctx.applier.close(state, "reassigned", name=name)
        else:
            t = services.texts_for(presser)
            await ctx.notice(press, t("sla.closed.reassigned", name=name), keep=False)

    await _in_tx(services, work)


async def on_take(services: Services, presser: StaffInfo, press: Press) -> None:
    """The manager's "Take into work", or the head's "Take myself" (the deal becomes theirs)."""
    deal_id = _int(press, "deal")
    if deal_id is None:
        return
    fresh = await _read(services, presser, press, deal_id)
    if fresh is None:
        return
    deal, tasks = fresh
    if deal.responsible_user_id == presser.crm_user_id:
        as_deal = replace(press, action="take", deal_id=deal_id, card_id=None, task_id=None)
        await deal_press.on_press(services, presser, as_deal)
    else:

        async def handover(ctx: Context) -> None:
            key = f"press:{press.callback_id}"
            card_id = await ctx.keep_for_retry(press)
            await reassign_deal(
                ctx.ex, deal, tasks, presser.crm_user_id, key, take_by=presser, card_id=card_id
            )

        await _in_tx(services, handover)

    async def close(ctx: Context) -> None:
        state = await ctx.state(press)
        if state is not None:
            await ctx.applier.close(state, "taken")
        else:  # a drill-down deal card (drill.py): no record, the card itself says it
            t = services.texts_for(presser)
            await ctx.notice(press, render.closed_tail("taken", t), keep=False)

    await _in_tx(services, close)


# --- the overdue pile --------------------------------------------------------------------------


async def on_redistribute(services: Services, presser: StaffInfo, press: Press) -> None:
    owner = _int(press, "manager")
    if owner is None:
        return

    async def work(ctx: Context) -> None:
        session, now = ctx.ex.repos.session, ctx.ex.now
        rows = (
            await session.scalars(
                select(CrmTask).where(
                    CrmTask.responsible_user_id == owner,
                    CrmTask.is_completed.is_(False),
                    CrmTask.entity_type == "leads",
                    CrmTask.complete_till < now,
                )
            )
        ).all()
        tasks = [
            TaskRow(r.id, r.entity_id or 0, r.responsible_user_id, r.complete_till, r.text)
            for r in rows
            if r.entity_id is not None
        ]
        loads = await load_open_deal_counts(session)
        moves = redistribute(tasks, owner, ctx.directory.staff, loads, now)
        t = services.texts_for(presser)
        if not moves:
            await ctx.notice(press, t("sla.card.nobody"))
            return
        by_id = {task.id: task for task in tasks}
        card_id = await ctx.keep_for_retry(press)
        for task_id, who in moves:
            key = f"press:{press.callback_id}:{task_id}"
            await move_task(
                ctx.ex,
                by_id[task_id].deal_id,
                task_id,
                key,
                to=who,
                card_id=card_id,
                actor=presser,
            )
        names = ", ".join(sorted({ctx.directory.name(who) for _, who in moves}))
        state = await ctx.state(press)
        if state is not None:
            await ctx.applier.close(state, "redistributed", count=len(moves), names=names)
        else:
            await ctx.notice(
                press, t("sla.closed.redistributed", count=len(moves), names=names), keep=False
            )

    await _in_tx(services, work)


# --- no next step / hand-over ------------------------------------------------------------------


async def on_next_task(services: Services, presser: StaffInfo, press: Press) -> None:
    deal_id, index = _int(press, "deal"), _int(press, "template") or 0
    templates = services.playbook.playbook.sla.no_task.templates
    if deal_id is None or not 0 <= index < len(templates):
        return
    fresh = await _read(services, presser, press, deal_id)
    if fresh is None:
        return
    deal, tasks = fresh

    async def work(ctx: Context) -> None:
        now = ctx.ex.now
        view = deal_view(services, deal, tasks, await ctx.ex.repos.flow.get(deal_id))
        ctx_ = context_for(services, now, presser.timezone)
        effect = task_effect(
            templates[index],
            view,
            services.playbook,
            ctx_,
            TaskPurpose.NEXT_STEP,
            base_params(view),
        )
        situation = Situation(
            DealState(deal, view), f"press:{press.callback_id}", now, actor=presser
        )
        await ctx.ex.run(Decision((effect, RefreshCards())), situation)
        await project_deal(ctx.ex, deal_id, now)  # activity: the no-task clock starts again
        state = await ctx.state(press)
        if state is not None:
            await ctx.applier.close(state, "task_set")
        else:
            t = services.texts_for(presser)
            await ctx.notice(press, render.closed_tail("task_set", t), keep=False)

    await _in_tx(services, work)


async def on_handover(services: Services, presser: StaffInfo, press: Press) -> None:
    task_id, to = _int(press, "task"), _int(press, "to")
    if task_id is None or to is None:
        return

    async def work(ctx: Context) -> None:
        row = await ctx.ex.repos.session.get(CrmTask, task_id)
        if row is None or row.entity_id is None:
            return
        card_id = await ctx.keep_for_retry(press)
        key = f"press:{press.callback_id}"
        await move_task(ctx.ex, row.entity_id, task_id, key, to=to, card_id=card_id, actor=presser)
        state = await ctx.state(press)
        if state is not None:
            await ctx.applier.close(state, "handed_over", name=ctx.directory.name(to))

    await _in_tx(services, work)


# --- moved back out of a closed stage -----------------------------------------------------------


async def _closed_stage_press(
    services: Services, presser: StaffInfo, press: Press, *, keep_open: bool
) -> None:
    """Revert (the deal goes back to the stage it was moved out of) or keep it open (back to
    the stage the person moved it to, after the guard had reverted it)."""
    deal_id = _int(press, "deal")
    if deal_id is None:
        return
    fresh = await _read(services, presser, press, deal_id)
    if fresh is None:
        return
    deal, _ = fresh
    t = services.texts_for(presser)

    async def work(ctx: Context) -> None:
        session, now = ctx.ex.repos.session, ctx.ex.now
        record = await get_reopened(session, deal_id)
        wanted = (REVERTED, OPEN) if keep_open else (OPEN,)
        if record is None or record.state not in wanted:
            await ctx.notice(press, t(STALE_KEY), keep=False)
            return
        target = record.to_status if keep_open else record.from_status
        closed_now = deal.status_id in CLOSED_STATUS_IDS
        if closed_now == keep_open:  # the CRM is not there yet: move it
            payload = {
                "op": "update_deal",
                "patch": {
                    "pipeline_id": record.pipeline_id or deal.pipeline_id,
                    "status_id": target,
                },
            }
            if await ctx.ex.out.crm(deal_id, payload, f"press:{press.callback_id}"):
                await project_deal(ctx.ex, deal_id, now, status_id=target)
        await mark_reopened(session, deal_id, ALLOWED if keep_open else REVERTED, now)
        reason = "allowed" if keep_open else "reverted"
        state = await ctx.state(press)
        if state is not None:
            await ctx.applier.close(state, reason)
        else:
            await ctx.notice(press, render.closed_tail(reason, t), keep=False)

    await _in_tx(services, work)


async def on_revert(services: Services, presser: StaffInfo, press: Press) -> None:
    await _closed_stage_press(services, presser, press, keep_open=False)


async def on_reopen(services: Services, presser: StaffInfo, press: Press) -> None:
    await _closed_stage_press(services, presser, press, keep_open=True)


# --- the noise budget's summary card ------------------------------------------------------------


def _summary_items(card: Card, press: Press, every: bool) -> list[dict[str, Any]]:
    items = [i for i in card.payload.get("summary", []) if isinstance(i, dict)]
    if every:
        return items
    wanted = (press.args.get("rule"), press.args.get("subject"))
    return [i for i in items if (i.get("rule"), i.get("subject")) == wanted]


async def _show(services: Services, presser: StaffInfo, press: Press, *, every: bool) -> None:
    """Re-send grouped items as their own cards, with their buttons, in the summary's chat;
    from then on each item's record points at its own card (closes and raises edit that)."""

    async def work(ctx: Context) -> None:
        summary = await ctx.card(press)
        if summary is None or "summary" not in summary.payload:
            return
        audience = summary.payload.get("audience")
        owner = await ctx.ex.staff(summary.owner_staff_id)
        t = services.texts_for(owner or presser)
        opened: list[tuple[str, str]] = []
        for item in _summary_items(summary, press, every):
            row = await ctx.ex.repos.escalations.active(str(item["rule"]), str(item["subject"]))
            if row is None or row.card_id != summary.id:
                continue  # closed meanwhile, or it has its own card already
            state = state_of(row)
            text = render.card_text(
                state, audience if isinstance(audience, int) else 0, ctx.directory, t
            )
            buttons = CardView.from_json({"text": "", "buttons": item.get("buttons", [])}).buttons
            card = await ctx.ex.out.send_card(
                chat_id=summary.chat_id,
                owner_staff_id=summary.owner_staff_id,
                kind=CARD_KIND,
                view=CardView(text, buttons),
                dedup_key=one_off_key(f"sla:show:{row.id}"),
            )
            if card is None:
                continue
            card.payload = {
                **card.payload,
                "rule": row.rule,
                "subject": row.subject_key,
                "audience": audience,
            }
            row.card_id = card.id
            opened.append((row.rule, row.subject_key))
        if opened:
            old = CardView.from_json(summary.payload.get("view", {}))
            await ctx.ex.out.edit_card(
                summary, render.summary_without(old, opened), one_off_key("sla:summary")
            )
        else:
            await ctx.ex.out.text(
                summary.chat_id, t("sla.card.summary.nothing_open"), one_off_key("sla:summary")
            )

    await _in_tx(services, work)


async def on_show(services: Services, presser: StaffInfo, press: Press) -> None:
    await _show(services, presser, press, every=False)


async def on_show_all(services: Services, presser: StaffInfo, press: Press) -> None:
    await _show(services, presser, press, every=True)


HANDLERS = {
    "sla_ack": on_ack,
    "sla_snooze": on_snooze,
    "sla_remind": on_remind,
    "sla_reassign": on_reassign,
    "sla_take": on_take,
    "sla_redistribute": on_redistribute,
    "sla_next_task": on_next_task,
    "sla_handover": on_handover,
    "sla_revert": on_revert,
    "sla_reopen": on_reopen,
    "sla_show": on_show,
    "sla_show_all": on_show_all,
    **drill.HANDLERS,
}


async def on_press(services: Services, presser: StaffInfo, press: Press) -> None:
    handler = HANDLERS.get(press.action)
    if handler is not None:
        await handler(services, presser, press)
