"""The executor: a decision's effects become outbox rows, flow state, cards and callbacks, all in
the caller's ONE transaction (docs/bot-layer.md rule 1). Nothing is sent from here.

Dedup keys are `<event key>:<effect index>:<what>`, so processing the same event again enqueues
nothing twice; when every CRM write of a decision was already there, the decision counts as
done before and flow state and cards are left alone too.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from nextstep.bot.engine.effects import (
    AddCallNote,
    AddNote,
    AskLossReason,
    AskResultText,
    CallStatus,
    CardKind,
    CompleteTask,
    CreateTask,
    Decision,
    Effect,
    IncrementNoAnswer,
    MarkTaken,
    MoveStage,
    NotifyCard,
    OfferStages,
    Person,
    Reassign,
    RefreshCards,
    RejectReason,
    ResetNoAnswer,
    RunSalesbot,
)
from nextstep.bot.engine.events import Event, Reached
from nextstep.bot.i18n import Texts
from nextstep.bot.services.cards import (
    LOSS,
    PROMPT_KINDS,
    STAGE,
    ButtonSpec,
    CardView,
    DealState,
    prompt_view,
    render_deal_card,
    stage_name,
)
from nextstep.bot.services.deps import Services
from nextstep.bot.services.outbound import OPEN, Outbound
from nextstep.bot.services.refusal import refused_notice
from nextstep.bot.services.staff import StaffInfo
from nextstep.bot.services.stale import HANDED_TO, handed_over, holder_name, remember_holder
from nextstep.bot.storage import Repositories
from nextstep.bot.storage.models import Card
from nextstep.crm_client.models import CallNote, Deal, DealPatch, NewTask

Ask = AskResultText | AskLossReason | OfferStages
# amoCRM call_status codes: 4 conversation took place, 2 call back later, 6 no answer.
CALL_STATUS_CODES = {CallStatus.CONVERSATION: 4, CallStatus.CALL_BACK: 2, CallStatus.NO_ANSWER: 6}
CRM_EFFECTS = (CreateTask, CompleteTask, AddCallNote, AddNote, MoveStage, RunSalesbot, Reassign)
SUPERSEDED = "superseded"
TASK_CARDS = frozenset({CardKind.CALL_TASK.value, CardKind.TASK_DUE.value})


@dataclass(frozen=True)
class Situation:
    """The facts around a decision: the deal as just re-read, and who/what caused it."""

    state: DealState
    event_key: str
    now: datetime
    event: Event | None = None
    actor: StaffInfo | None = None
    source_card_id: int | None = None
    chosen: str | None = None  # the label of the prompt button pressed, shown when it closes


@dataclass
class Executed:
    rejected: RejectReason | None = None
    asked: Ask | None = None
    prompt_card_id: int | None = None
    duplicate: bool = False
    kinds: set[str] = field(default_factory=set)


def _phone(deal: Deal) -> str:
    return next((c.phone for c in deal.contacts if c.phone), "")


def project(state: DealState, decision: Decision) -> DealState:
    """The deal as it will be once the enqueued writes land (cards are drawn from this)."""
    deal, view = state.deal, state.view
    done: set[int] = set()
    for effect in decision.effects:
        match effect:
            case MoveStage(pipeline_id=p, status_id=s):
                deal = deal.model_copy(update={"pipeline_id": p, "status_id": s})
                view = replace(view, pipeline_id=p, status_id=s)
            case CompleteTask(task_id=task_id):
                done.add(task_id)
            case Reassign(user_id=user):
                deal = deal.model_copy(update={"responsible_user_id": user})
                view = replace(view, responsible_user_id=user)
            case MarkTaken():
                view = replace(view, taken=True)
            case _:
                pass
    tasks = tuple(t for t in view.open_tasks if t.id not in done)
    return DealState(deal, replace(view, open_tasks=tasks))


class Executor:
    def __init__(self, services: Services, session: AsyncSession, now: datetime) -> None:
        self.services = services
        self.repos = Repositories(session)
        self.out = Outbound(session, now)
        self.now = now
        self._staff: dict[int, StaffInfo | None] = {}

    async def run(self, decision: Decision, sit: Situation) -> Executed:
        result = Executed(rejected=decision.rejected)
        if result.rejected is not None:
            await self._rejected(result.rejected, sit)
            return self._done(result)
        crm = [(i, e) for i, e in enumerate(decision.effects) if isinstance(e, CRM_EFFECTS)]
        fresh = [await self._crm(e, f"{sit.event_key}:{i}", sit) for i, e in crm]
        if crm and not any(fresh):
            result.duplicate = True
            return self._done(result)
        projected = project(sit.state, decision)
        await self._flow(decision.effects, sit)
        if any(isinstance(e, RefreshCards) for e in decision.effects):
            await self.refresh(projected, sit)
        for i, effect in enumerate(decision.effects):
            key = f"{sit.event_key}:{i}"
            if isinstance(effect, NotifyCard):
                await self._notify(effect, key, projected)
            elif isinstance(effect, AskResultText | AskLossReason | OfferStages):
                result.asked = effect
                result.prompt_card_id = await self._ask(effect, key, sit, projected)
        return self._done(result)

    def _done(self, result: Executed) -> Executed:
        result.kinds = set(self.out.kinds)
        return result

    # --- CRM writes -------------------------------------------------------------------------

    async def _crm(self, effect: Effect, key: str, sit: Situation) -> bool:
        deal = sit.state.deal
        t = self.services.team_texts()
        payload: dict[str, Any]
        match effect:
            case CreateTask():
                task = NewTask(
                    text=t.text(effect.text),
                    complete_till=effect.due.astimezone(UTC),
                    entity_id=deal.id,
                    task_type_id=effect.task_type,
                    responsible_user_id=effect.responsible_user_id,
                )
                payload = {"op": "create_task", "task": task.model_dump(mode="json")}
            case CompleteTask():
                result = t.text(effect.result_text)
                payload = {"op": "complete_task", "task_id": effect.task_id, "result_text": result}
            case AddCallNote() if not _phone(deal):
                # amoCRM refuses a call note without a phone: the result goes in a plain note.
                payload = {"op": "add_note", "text": t.text(effect.text)}
            case AddCallNote():
                note = CallNote(
                    entity_id=deal.id,
                    direction=effect.direction,
                    phone=_phone(deal),
                    uniq=str(uuid.uuid5(uuid.NAMESPACE_URL, key)),
                    call_status=CALL_STATUS_CODES[effect.status],
                    call_result=t.text(effect.text),
                    responsible_user_id=deal.responsible_user_id,
                )
                payload = {"op": "add_call_note", "note": note.model_dump(mode="json")}
            case AddNote():
                payload = {"op": "add_note", "text": t.text(effect.text)}
            case MoveStage():
                patch = DealPatch(
                    pipeline_id=effect.pipeline_id,
                    status_id=effect.status_id,
                    loss_reason_id=effect.loss_reason_id,
                )
                payload = {"op": "update_deal", "patch": patch.model_dump(exclude_none=True)}
            case RunSalesbot():
                payload = {"op": "run_salesbot", "bot_id": effect.bot_id}
            case Reassign():
                patch = DealPatch(responsible_user_id=effect.user_id)
                payload = {"op": "update_deal", "patch": patch.model_dump(exclude_none=True)}
            case _:
                return False
        return await self.out.crm(deal.id, payload, f"{key}:{payload['op']}")

    # --- the bot's own per-deal state -------------------------------------------------------

    async def _flow(self, effects: tuple[Effect, ...], sit: Situation) -> None:
        view, deal_id = sit.state.view, sit.state.deal.id
        fields: dict[str, object] = {}
        for effect in effects:
            match effect:
                case MarkTaken():
                    by = sit.actor.crm_user_id if sit.actor else view.responsible_user_id
                    fields |= {"taken_at": self.now, "taken_by": by}
                case IncrementNoAnswer():
                    fields["no_answer_attempts"] = view.no_answer_attempts + 1
                case ResetNoAnswer():
                    fields["no_answer_attempts"] = 0
                case _:
                    pass
        if sit.event is not None and type(sit.event).__name__ in OUTCOME_NAMES:
            fields["last_outcome"] = OUTCOME_NAMES[type(sit.event).__name__]
        if fields:
            if "no_answer_attempts" not in fields:
                fields["no_answer_attempts"] = view.no_answer_attempts
            await self.repos.flow.update(deal_id, self.now, **fields)

    # --- cards ------------------------------------------------------------------------------

    async def staff(self, staff_id: int | None) -> StaffInfo | None:
        if staff_id is None:
            return None
        if staff_id not in self._staff:
            row = await self.repos.staff.get(staff_id)
            self._staff[staff_id] = StaffInfo.of(row) if row else None
        return self._staff[staff_id]

    async def _audience(self, effect: NotifyCard) -> list[StaffInfo]:
        if isinstance(effect.audience, Person):
            row = await self.repos.staff.by_crm_user_id(effect.audience.crm_user_id)
            rows = [row] if row is not None else []
        else:
            rows = list(await self.repos.staff.list(effect.audience.name))
        return [StaffInfo.of(r) for r in rows if r.telegram_id is not None]

    async def _notify(self, effect: NotifyCard, key: str, state: DealState) -> None:
        for person in await self._audience(effect):
            await self.send_deal_card(
                person, effect.card.value, state, effect.task_id, f"{key}:card:{person.id}"
            )

    async def send_deal_card(
        self, person: StaffInfo, kind: str, state: DealState, task_id: int | None, key: str
    ) -> Card | None:
        """A new card for `person`; their older card of the deal gives up its buttons."""
        assert person.telegram_id is not None
        if await self.out.enqueued(key):
            return None
        if kind in TASK_CARDS:
            await self._supersede(state.deal.id, person.telegram_id, key)
        view = render_deal_card(
            kind,
            state,
            self.services.playbook,
            self.services.texts_for(person),
            task_id=task_id,
            now=self.now,
        )
        card = await self.out.send_card(
            chat_id=person.telegram_id,
            owner_staff_id=person.id,
            kind=kind,
            view=view,
            dedup_key=key,
            deal_id=state.deal.id,
            task_id=task_id,
        )
        if card is not None:
            remember_holder(card, state.deal)
        return card

    async def _supersede(self, deal_id: int, chat_id: int, key: str) -> None:
        """A newer card of the deal in this chat takes over the older one's buttons."""
        for card in await self.repos.cards.open_for_deal(deal_id):
            if card.chat_id != chat_id or card.kind not in TASK_CARDS:
                continue
            view = CardView.from_json(card.payload.get("view", {}))
            await self.out.edit_card(card, CardView(view.text), f"{key}:supersede:{card.id}")
            card.state = SUPERSEDED

    async def refresh(self, state: DealState, sit: Situation, notice: str | None = None) -> None:
        """Redraw every open card of the deal from `state`; buttons that no longer apply go."""
        await self.redraw(await self.repos.cards.open_for_deal(state.deal.id), state, sit, notice)

    async def redraw(
        self, cards: Sequence[Card], state: DealState, sit: Situation, notice: str | None = None
    ) -> None:
        """Redraw `cards` of the deal from `state`. A card of someone the deal was taken from
        says who has it now; a card whose stage move the CRM refused keeps saying so (and stays
        open, without buttons) until the deal moves."""
        for card in cards:
            owner = await self.staff(card.owner_staff_id)
            t = self.services.texts_for(owner)
            if handed_over(card, owner, state.deal):
                await self._close_handed_over(card, state, t, sit)
                continue
            source = card.id == sit.source_card_id
            refused = (
                None
                if card.kind in PROMPT_KINDS
                else refused_notice(card, state, t, self.services.playbook)
            )
            if refused is not None:
                drawn = self._redraw(card, state, t, refused, None)
                view = CardView(drawn.text)
            else:
                view = self._redraw(
                    card, state, t, notice if source else None, sit.chosen if source else None
                )
            await self.out.edit_card(card, view, f"{sit.event_key}:edit:{card.id}")
            if refused is not None:
                card.state = OPEN  # redrawn again once the deal moves

    async def _close_handed_over(
        self, card: Card, state: DealState, t: Texts, sit: Situation
    ) -> None:
        """The deal went to another manager (a head's or the SLA's reassignment): the old
        owner's card says to whom and loses its buttons, so it cannot take a deal not theirs."""
        name = await holder_name(self.repos, state.deal.responsible_user_id)
        old = CardView.from_json(card.payload.get("view", {}))
        view = CardView(f"{old.text}\n\n{t('card.status.handed_over', name=name)}")
        await self.out.edit_card(card, view, f"{sit.event_key}:handed:{card.id}")
        await self.repos.cards.set_state(card.id, "closed", self.now)
        # should the CRM refuse the hand-over, handover_refused finds the card by this
        card.payload = {**card.payload, HANDED_TO: state.deal.responsible_user_id}

    def _redraw(
        self, card: Card, state: DealState, t: Texts, notice: str | None, chosen: str | None
    ) -> CardView:
        if card.kind in PROMPT_KINDS:
            old = CardView.from_json(card.payload.get("view", {}))
            open_task = card.task_id is None or state.view.task(card.task_id) is not None
            if open_task and not state.view.is_closed and chosen is None and notice is None:
                return old
            tail = (chosen and t("prompt.chosen", choice=chosen)) or notice or t("prompt.closed")
            return CardView(f"{old.text}\n\n{tail}")
        return render_deal_card(
            card.kind,
            state,
            self.services.playbook,
            t,
            task_id=card.task_id,
            now=self.now,
            notice=notice,
        )

    async def _rejected(self, reason: RejectReason, sit: Situation) -> None:
        actor = sit.actor
        notice = self.services.texts_for(actor)(
            "card.notice", reason=self.services.texts_for(actor)(reason.value)
        )
        await self.refresh(sit.state, sit, notice=notice)

    # --- questions before anything is written ------------------------------------------------

    async def _ask(self, effect: Ask, key: str, sit: Situation, state: DealState) -> int | None:
        person = sit.actor
        if person is None or person.telegram_id is None:
            return None
        t = self.services.texts_for(person)
        deal = state.deal.name or f"#{state.deal.id}"
        match effect:
            case AskResultText():
                kind, view = "ask_result", prompt_view(t("prompt.result_text", deal=deal))
            case OfferStages():
                kind, view = "ask_stage", self._stages_view(effect, sit, state, t, deal)
            case AskLossReason():
                kind, view = "ask_loss", self._reasons_view(effect, t, deal)
        card = await self.out.send_card(
            chat_id=person.telegram_id,
            owner_staff_id=person.id,
            kind=kind,
            view=view,
            dedup_key=f"{key}:ask",
            deal_id=state.deal.id,
            task_id=effect.task_id,
        )
        if card is None:
            return None
        remember_holder(card, state.deal)
        return card.id

    def _stages_view(
        self, effect: OfferStages, sit: Situation, state: DealState, t: Texts, deal: str
    ) -> CardView:
        result = sit.event.result_text if isinstance(sit.event, Reached) else None
        base = {"task_id": effect.task_id, "result": result or ""}
        rows = [
            (ButtonSpec(self._stage_label(state, s, t), STAGE, {**base, "status_id": s}),)
            for s in effect.status_ids
        ]
        if effect.allow_stay:
            rows.append((ButtonSpec(t("button.stay"), STAGE, {**base, "stay": True}),))
        return prompt_view(t("prompt.next_stage", deal=deal), rows)

    def _stage_label(self, state: DealState, status_id: int, t: Texts) -> str:
        plan = self.services.playbook.plan_for(state.view.pipeline_id)
        if plan is not None and status_id == plan.layout.won_id:
            return t("button.stage_won")
        return stage_name(
            DealState(state.deal, replace(state.view, status_id=status_id)), self.services.playbook
        )

    def _reasons_view(self, effect: AskLossReason, t: Texts, deal: str) -> CardView:
        names = self.services.playbook.loss_reason_names
        ids = effect.reason_ids if effect.reason_ids is not None else tuple(names)
        rows = [
            (ButtonSpec(names.get(r, str(r)), LOSS, {"task_id": effect.task_id, "reason_id": r}),)
            for r in ids
        ]
        return prompt_view(t("prompt.loss_reason", deal=deal), rows)


OUTCOME_NAMES = {
    "Reached": "reached",
    "NoAnswer": "no_answer",
    "CallBack": "call_back",
    "NotInterested": "not_interested",
}
