"""A sweep's actions → escalation rows, cards, CRM ops and timers, inside the caller's
transaction (docs/bot-layer.md rule 1). Nothing is sent from here.

Cards of escalations have `kind="sla"` and no `deal_id` on purpose: the deal services redraw
every open card of a deal as a deal card, and an escalation card is not one.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from nextstep.bot.engine.sla.actions import (
    AutoReassign,
    Button,
    Close,
    Deadline,
    Defer,
    EscalationAction,
    MoveTaskToWorkingDay,
    Open,
    Raise,
    Remind,
    RevertStage,
    Summary,
    Update,
)
from nextstep.bot.engine.sla.record import EscalationState, Status
from nextstep.bot.i18n import Texts
from nextstep.bot.services.cards import ButtonSpec, CardView
from nextstep.bot.services.deps import Services
from nextstep.bot.services.executor import Executor
from nextstep.bot.services.outbound import one_off_key
from nextstep.bot.services.sla import render
from nextstep.bot.services.sla.handoff import move_task, project_deal, reassign_deal
from nextstep.bot.services.sla.inputs import CARD_KIND, Directory, Key
from nextstep.bot.services.staff import StaffInfo
from nextstep.bot.storage import reopened
from nextstep.bot.storage.escalations import LiveRecord
from nextstep.bot.storage.mirror import row_deal, row_task
from nextstep.bot.storage.models import Card, CrmDeal, CrmTask, Escalation, Timer
from nextstep.bot.storage.reopened import REVERTED
from nextstep.bot.textfit import MESSAGE_LIMIT, fit_lines

log = logging.getLogger(__name__)
TIMER_KIND = "sla"
# A summary card's list stops here; the rest of Telegram's limit is left for the lines the
# card gains later ("opened as its own card", "closed"), so its edits fit too.
SUMMARY_TEXT_LIMIT = MESSAGE_LIMIT - 600
TIMER_KEEP = timedelta(days=2)  # fired SLA timers are history after this


def _ts(moment: datetime) -> int:
    return int(moment.timestamp())


def key_of(state: EscalationState) -> Key:
    return (state.rule, state.subject_key)


@dataclass
class Applied:
    opened: int = 0
    edited: int = 0
    closed: int = 0
    crm_ops: int = 0
    kinds: set[str] = field(default_factory=set)


async def store(
    ex: Executor,
    state: EscalationState,
    *,
    card_id: int | None = None,
    reason: str | None = None,
) -> Escalation | None:
    """Write the record: one live row per (rule, subject); a closed state closes it."""
    repo = ex.repos.escalations
    row = await repo.active(state.rule.value, state.subject_key)
    if state.status is Status.CLOSED:
        if row is not None:
            await repo.close(row.id, reason or "cleared", ex.now)
        return row
    if row is None:
        row = await repo.open(
            state.rule.value,
            state.subject_key,
            state.opened_at,
            level=state.level,
            payload=state.payload(),
        )
        if row is None:  # another writer opened it a moment ago
            row = await repo.active(state.rule.value, state.subject_key)
        if row is None:
            return None
    row.level = state.level
    row.status = state.status.value
    row.snoozed_until = state.snoozed_until
    row.payload = state.payload()
    row.updated_at = ex.now
    if card_id is not None:
        row.card_id = card_id
    await ex.repos.session.flush()
    return row


async def store_all(
    ex: Executor, states: Sequence[EscalationState], *, card_id: int | None
) -> None:
    """`store` for many records at once (a summary card's items): the live ones in one
    statement, any closed one as usual."""
    live = [s for s in states if s.status is not Status.CLOSED]
    await ex.repos.escalations.store_live(
        [
            LiveRecord(
                s.rule.value,
                s.subject_key,
                s.level,
                s.status.value,
                s.opened_at,
                s.snoozed_until,
                s.payload(),
            )
            for s in live
        ],
        ex.now,
        card_id=card_id,
    )
    for state in states:
        if state.status is Status.CLOSED:
            await store(ex, state)


class Applier:
    def __init__(self, services: Services, ex: Executor, directory: Directory) -> None:
        self.services = services
        self.ex = ex
        self.directory = directory
        self.now = ex.now
        self.result = Applied()

    # --- people ------------------------------------------------------------------------------

    def person(self, crm_user_id: int | None) -> StaffInfo | None:
        if crm_user_id is None:
            return None
        found = self.directory.people.get(crm_user_id)
        return found if found is not None and found.telegram_id is not None else None

    def texts(self, person: StaffInfo | None) -> Texts:
        return self.services.texts_for(person)

    async def card_of(self, state: EscalationState) -> Card | None:
        row = await self.ex.repos.escalations.active(state.rule.value, state.subject_key)
        if row is None or row.card_id is None:
            return None
        return await self.ex.repos.cards.get(row.card_id)

    async def owner_texts(self, card: Card) -> Texts:
        return self.texts(await self.ex.staff(card.owner_staff_id))

    # --- actions -----------------------------------------------------------------------------

    async def apply(self, action: EscalationAction) -> None:
        match action:
            case Open():
                await self._send(action.state, action.audience, action.buttons, "open")
            case Raise():
                await self._raise(action)
            case Update():
                await self._update(action)
            case Close():
                await self._close(action.state, action.reason, action.card_sent)
            case Defer():
                await store(self.ex, action.state)
            case Remind():
                await self._remind(action)
            case Summary():
                await self._summary(action)
            case AutoReassign():
                await self._auto_reassign(action)
            case RevertStage():
                payload = {
                    "op": "update_deal",
                    "patch": {"pipeline_id": action.pipeline_id, "status_id": action.status_id},
                }
                key = f"sla:revert:{action.deal_id}:{action.status_id}:{_ts(self.now)}"
                if await self.ex.out.crm(action.deal_id, payload, key):
                    self.result.crm_ops += 1
                    await project_deal(
                        self.ex, action.deal_id, self.now, status_id=action.status_id
                    )
                await reopened.mark(self.ex.repos.session, action.deal_id, REVERTED, self.now)
            case MoveTaskToWorkingDay():
                moved = await move_task(
                    self.ex, action.deal_id, action.task_id, action.dedup_key, due=action.new_due
                )
                self.result.crm_ops += int(moved)

    async def _send(
        self,
        state: EscalationState,
        audience: int,
        buttons: Sequence[Button] = (),
        what: str = "open",
        *,
        prefix: str = "",
    ) -> Card | None:
        person = self.person(audience)
        if person is None or person.telegram_id is None:
            await store(self.ex, state)
            return None
        t = self.texts(person)
        view = render.card_view(
            state, audience, buttons, self.directory, t, self.services.playbook
        )
        if prefix:
            view = CardView(f"{prefix}\n{view.text}", view.buttons)
        key = (
            f"sla:{state.rule.value}:{state.subject_key}:{_ts(state.opened_at)}"
            f":{what}:{state.level}:{audience}:{_ts(self.now)}"
        )
        card = await self.ex.out.send_card(
            chat_id=person.telegram_id,
            owner_staff_id=person.id,
            kind=CARD_KIND,
            view=view,
            dedup_key=key,
        )
        if card is not None:
            card.payload = {
                **card.payload,
                "rule": state.rule.value,
                "subject": state.subject_key,
                "audience": audience,
            }
            self.result.opened += 1
        await store(self.ex, state, card_id=card.id if card else None)
        return card

    async def _edit(self, card: Card, view: CardView) -> None:
        if await self.ex.out.edit_card(card, view, one_off_key(f"sla:edit:{card.id}")):
            self.result.edited += 1

    async def _raise(self, action: Raise) -> None:
        old = await self.card_of(action.state)
        if old is not None:
            t = await self.owner_texts(old)
            notice = t("sla.card.raised", who=self.directory.name(action.audience))
            if _is_summary(old):
                line = f"{render.facts_line(action.state.facts)}: {notice}"
                await self._edit(
                    old, render.summary_without(_view(old), [key_of(action.state)], line)
                )
            else:
                await self._edit(old, render.with_notice(_view(old), notice))
        await self._send(action.state, action.audience, action.buttons, "raise")

    async def _update(self, action: Update) -> None:
        card = await self.card_of(action.state) if action.card_changed else None
        await store(self.ex, action.state)
        if card is None or card.state != "open" or _is_summary(card):
            return  # a summary's line stays; the item's own card, once opened, is redrawn
        audience = card.payload.get("audience")
        if not isinstance(audience, int):
            return
        t = await self.owner_texts(card)
        view = render.card_view(
            action.state, audience, action.buttons, self.directory, t, self.services.playbook
        )
        await self._edit(card, view)

    async def close(self, state: EscalationState, reason: str, **params: str | int) -> None:
        """Close the live record and edit its card to say how it ended (also used by presses)."""
        closed = replace(state, status=Status.CLOSED, deferred_until=None, snoozed_until=None)
        await self._close(closed, reason, True, **params)

    async def _close(
        self, state: EscalationState, reason: str, card_sent: bool, **params: str | int
    ) -> None:
        card = await self.card_of(state) if card_sent else None
        await store(self.ex, state, reason=reason)
        self.result.closed += 1
        if card is None:
            return
        t = await self.owner_texts(card)
        if reason in ("reassigned", "auto_reassigned") and "name" not in params:
            deal = await self.ex.repos.session.get(CrmDeal, _deal_id(state))
            params = {
                **params,
                "name": self.directory.name(deal.responsible_user_id if deal else None),
            }
        if reason == "redistributed" and "count" not in params:
            params = {**params, "count": 0, "names": ""}
        if reason == "handed_over" and "name" not in params:
            params = {**params, "name": ""}
        old = _view(card)
        tail = render.closed_tail(reason, t, **params)
        if _is_summary(card):  # the other items of the summary still need their buttons
            line = f"{render.facts_line(state.facts)}: {tail}"
            await self._edit(card, render.summary_without(old, [key_of(state)], line))
            return
        # Put back by the guard: "Keep it open" still applies after the record closed.
        keep = render.kept_after_close(old, state.rule, reason)
        await self._edit(card, render.with_notice(old, tail, keep))

    async def _remind(self, action: Remind) -> None:
        old = await self.card_of(action.state)
        person = self.person(action.audience)
        buttons = _view(old).buttons if old is not None else ()
        if old is not None and _is_summary(old):
            buttons = summary_item_buttons(old, key_of(action.state))
            await self._edit(old, render.summary_without(_view(old), [key_of(action.state)]))
        elif old is not None:
            await self._edit(old, CardView(_view(old).text))
        if person is None or person.telegram_id is None:
            await store(self.ex, action.state)
            return
        t = self.texts(person)
        view = render.card_view(
            action.state, action.audience, (), self.directory, t, self.services.playbook
        )
        view = CardView(f"{t('sla.card.remind')}\n{view.text}", buttons)
        card = await self.ex.out.send_card(
            chat_id=person.telegram_id,
            owner_staff_id=person.id,
            kind=CARD_KIND,
            view=view,
            dedup_key=one_off_key(f"sla:remind:{action.state.subject_key}"),
        )
        if card is not None:
            card.payload = {**card.payload, "audience": action.audience}
        await store(self.ex, action.state, card_id=card.id if card else None)

    async def _summary(self, action: Summary) -> None:
        """One card for the pings over the cap: a line and an "open" button per item (its own
        card, re-sent on demand by `presses.on_show`), and "Show all"."""
        person = self.person(action.audience)
        if person is None or person.telegram_id is None:
            await store_all(self.ex, [item.state for item in action.items], card_id=None)
            return
        t = self.texts(person)
        lines: list[str] = []
        items: list[dict[str, object]] = []
        for item in action.items:
            text = render.card_text(item.state, action.audience, self.directory, t)
            lines.append("• " + text.splitlines()[0])
            items.append(
                {
                    "rule": item.state.rule.value,
                    "subject": item.state.subject_key,
                    "buttons": await self._item_buttons(item, t),
                }
            )
        card = await self.ex.out.send_card(
            chat_id=person.telegram_id,
            owner_staff_id=person.id,
            kind=CARD_KIND,
            view=CardView(
                fit_lines(
                    [t("sla.card.summary", count=len(action.items))],
                    lines,
                    lambda left: t("sla.card.summary.more", count=left),
                    # room for the lines the card gains as items get their own card
                    limit=SUMMARY_TEXT_LIMIT,
                ),
                render.summary_buttons(action, self.directory, t),
            ),
            dedup_key=one_off_key(f"sla:summary:{action.audience}"),
        )
        if card is not None:
            card.payload = {**card.payload, "summary": items, "audience": action.audience}
        states = [item.state for item in action.items]
        await store_all(self.ex, states, card_id=card.id if card else None)

    async def _item_buttons(self, item: Open | Raise | Remind, t: Texts) -> list[object]:
        """The buttons the item's own card would have had (a reminder: its earlier card's)."""
        if isinstance(item, Remind):
            old = await self.card_of(item.state)
            rows = _view(old).buttons
        else:
            rows = render.button_specs(
                item.state, item.buttons, self.directory, t, self.services.playbook
            )
        buttons: list[object] = CardView("", rows).to_json()["buttons"]
        return buttons

    async def _auto_reassign(self, action: AutoReassign) -> None:
        session = self.ex.repos.session
        row = await session.get(CrmDeal, action.deal_id)
        if row is None:
            return
        tasks = [row_task(t) for t in await self._open_tasks(action.deal_id)]
        key = f"sla:auto:{action.deal_id}:{action.from_user}:{action.to_user}"
        if await reassign_deal(self.ex, row_deal(row), tasks, action.to_user, key):
            self.result.crm_ops += 1

    async def _open_tasks(self, deal_id: int) -> list[CrmTask]:
        stmt = select(CrmTask).where(CrmTask.entity_id == deal_id, CrmTask.is_completed.is_(False))
        return list((await self.ex.repos.session.scalars(stmt)).all())

    # --- timers ------------------------------------------------------------------------------

    async def timers(self, deadlines: list[Deadline], next_at: datetime | None) -> None:
        timers = self.ex.repos.timers
        for deadline in deadlines:
            key = f"{deadline.key}:{_ts(deadline.due_at)}"
            await timers.schedule(TIMER_KIND, key, deadline.due_at, self.now)
        if next_at is not None:
            await timers.schedule(TIMER_KIND, f"sla:next:{_ts(next_at)}", next_at, self.now)
        for timer in await timers.due(self.now, limit=1000):
            if timer.kind == TIMER_KIND:
                await timers.fire(timer.id, self.now)
        await self.ex.repos.session.execute(
            delete(Timer).where(
                Timer.kind == TIMER_KIND,
                Timer.fired_at.is_not(None),
                Timer.fired_at < self.now - TIMER_KEEP,
            )
        )


def _is_summary(card: Card) -> bool:
    return "summary" in card.payload


def summary_item_buttons(
    card: Card, key: tuple[object, str]
) -> tuple[tuple[ButtonSpec, ...], ...]:
    """The buttons a summary card's item would have on its own card (kept in the payload)."""
    rule = getattr(key[0], "value", key[0])
    for item in card.payload.get("summary", []):
        if item.get("rule") == rule and item.get("subject") == key[1]:
            return CardView.from_json({"text": "", "buttons": item.get("buttons", [])}).buttons
    return ()


def _view(card: Card | None) -> CardView:
    if card is None:
        return CardView("")
    return CardView.from_json(card.payload.get("view", {}))


def _deal_id(state: EscalationState) -> int:
    facts = dict(state.facts)
    deal = facts.get("deal")
    return deal if isinstance(deal, int) else 0
