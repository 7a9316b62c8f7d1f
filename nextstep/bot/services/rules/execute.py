"""A rule decision performed inside the caller's one transaction (docs/bot-layer.md rule 1).

The engine's own effects (tasks, moves, notes, the call card, card refreshes) go through the
call process's `Executor`; the rules' effects become outbox rows here (CRM writes, hand-off
cards, questions, messages), `timers` rows, and the deal's `RulesRecord`. Dedup keys are
`<event key>:r<effect index>:<what>`, so re-processing an event enqueues nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from nextstep.bot.engine.effects import Decision, Effect, Person, RefreshCards, Role
from nextstep.bot.engine.rules.effects import (
    AskFields,
    CancelTimer,
    CreateLinkedDeal,
    CreateRuleTask,
    HandOff,
    ReassignTo,
    Remember,
    ResponsibleChoice,
    RuleDecision,
    RuleEffect,
    RuleReject,
    ScheduleTimer,
    SetHandoff,
    Tell,
    TellKind,
    WriteField,
)
from nextstep.bot.engine.sla.distribution import pick_manager
from nextstep.bot.engine.state import DealView
from nextstep.bot.i18n import Texts
from nextstep.bot.playbook.sections.handoffs import Pick
from nextstep.bot.playbook.sections.rule_common import ResponsibleKind
from nextstep.bot.services.cards import DealState
from nextstep.bot.services.deps import Services
from nextstep.bot.services.executor import Executor, Situation
from nextstep.bot.services.outbound import Outbound
from nextstep.bot.services.rules import views
from nextstep.bot.services.rules.fields import FieldIds
from nextstep.bot.services.rules.state import PendingTask, RulesRecord
from nextstep.bot.services.sla.inputs import load_directory
from nextstep.bot.services.staff import HEAD, StaffInfo
from nextstep.bot.storage import Repositories
from nextstep.crm_client.models import Deal, DealPatch, NewDeal, NewTask

TIMER_KIND = "rules"
LINK_KEY_PREFIX = "rules-link:"
RR_PREFIX = "rules:rr:"  # the round-robin cursor of a role (sync_state)
RULE_ONLY = (
    HandOff,
    AskFields,
    SetHandoff,
    CreateRuleTask,
    Tell,
    CreateLinkedDeal,
    ReassignTo,
    WriteField,
    ScheduleTimer,
    CancelTimer,
    Remember,
    RuleReject,
)


def timer_key(deal_id: int, key: str) -> str:
    """The `timers.key` of a rule timer: unique per deal."""
    return f"{TIMER_KIND}:{deal_id}:{key}"


@dataclass
class RuleOutcome:
    rejected: RuleReject | None = None
    kinds: set[str] = field(default_factory=set)
    effects: tuple[RuleEffect, ...] = ()


class RuleExecutor:
    def __init__(
        self,
        services: Services,
        session: AsyncSession,
        now: datetime,
        *,
        deal: Deal,
        view: DealView,
        record: RulesRecord,
        fields: FieldIds,
        event_key: str,
        actor: StaffInfo | None = None,
    ) -> None:
        self.services = services
        self.repos = Repositories(session)
        self.out = Outbound(session, now)
        self.engine = Executor(services, session, now)
        self.now = now
        self.deal = deal
        self.view = view
        self.record = record
        self.fields = fields
        self.key = event_key
        self.actor = actor
        self.responsible = deal.responsible_user_id

    async def run(self, decision: RuleDecision) -> RuleOutcome:
        outcome = RuleOutcome(rejected=decision.rejected, effects=decision.effects)
        if outcome.rejected is not None:
            await self._tell_actor(outcome.rejected)
            await self.redraw_handoffs()
            return self._done(outcome)
        engine: tuple[Effect, ...] = tuple(
            e for e in decision.effects if not isinstance(e, RULE_ONLY)
        )
        if engine:
            sit = Situation(
                DealState(self.deal, self.view), f"{self.key}:e", self.now, actor=self.actor
            )
            await self.engine.run(Decision(engine), sit)
        for effect in decision.effects:  # cards drawn below show the hand-off's new state
            if isinstance(effect, SetHandoff):
                self.record.handoffs[effect.handoff] = effect.state
        for i, effect in enumerate(decision.effects):
            if isinstance(effect, RULE_ONLY):
                await self._one(effect, f"{self.key}:r{i}")
        touched = (HandOff, SetHandoff, RefreshCards)
        if any(isinstance(e, touched) for e in decision.effects):
            await self.redraw_handoffs()
        return self._done(outcome)

    def _done(self, outcome: RuleOutcome) -> RuleOutcome:
        outcome.kinds = set(self.out.kinds) | set(self.engine.out.kinds)
        return outcome

    async def _one(self, effect: RuleEffect, key: str) -> None:
        match effect:
            case HandOff():
                await self._handoff(effect, key)
            case AskFields():
                await self._ask_fields(effect, key)
            case SetHandoff(handoff=name, state=state):
                self.record.handoffs[name] = state
            case CreateRuleTask():
                await self._rule_task(effect, key)
            case Tell():
                await self._tell(effect, key)
            case CreateLinkedDeal():
                await self._linked(effect, key)
            case ReassignTo(choice=choice):
                user = await self._choose(choice)
                if user is not None and user != self.responsible:
                    self.responsible = user
                    patch = DealPatch(responsible_user_id=user).model_dump(exclude_none=True)
                    await self._crm({"op": "update_deal", "patch": patch}, key)
            case WriteField(field=name, value=value):
                values = self.fields.patch(((name, value),))
                if values:
                    patch = DealPatch(custom_fields=values).model_dump(exclude_none=True)
                    await self._crm({"op": "update_deal", "patch": patch}, key)
            case ScheduleTimer(key=name, due=due):
                payload = {"deal_id": self.deal.id, "key": name}
                await self.repos.timers.schedule(
                    TIMER_KIND, timer_key(self.deal.id, name), due, self.now, payload
                )
                self.record.timers[name] = due
            case CancelTimer(key=name):
                await self.repos.timers.cancel(timer_key(self.deal.id, name), self.now)
                self.record.timers.pop(name, None)
            case Remember(key=name):
                self.record.done.add(name)
            case _:
                pass

    # --- CRM ----------------------------------------------------------------------------------

    async def _crm(self, payload: dict[str, Any], key: str, deal_id: int | None = None) -> bool:
        return await self.out.crm(deal_id or self.deal.id, payload, f"{key}:{payload['op']}")

    async def _rule_task(self, effect: CreateRuleTask, key: str) -> None:
        text = self.services.team_texts().text(effect.text)
        owner = effect.responsible_user_id or self.responsible
        task = NewTask(
            text=text,
            complete_till=effect.due.astimezone(UTC),
            entity_id=self.deal.id,
            task_type_id=effect.task_type,
            responsible_user_id=owner,
        )
        await self._crm({"op": "create_task", "task": task.model_dump(mode="json")}, key)
        self.record.tasks[effect.tag] = PendingTask(text, owner)

    async def _linked(self, effect: CreateLinkedDeal, key: str) -> None:
        t = self.services.team_texts()
        owner = await self._choose(effect.responsible) or self.deal.responsible_user_id
        values = self.fields.patch(effect.fields)
        deal = NewDeal(
            name=t.text(effect.name),
            pipeline_id=effect.pipeline_id,
            status_id=effect.status_id,
            price=effect.price,
            responsible_user_id=owner,
            custom_fields=values or None,
            contact_ids=effect.contact_ids,
        )
        link: dict[str, Any] = {"rule": effect.rule, "source_deal_id": effect.source_deal_id}
        warning = ""
        if effect.budget_fallback:
            empty = effect.budget_fallback
            names = ", ".join(t("rules.linked.field_name", name=n) for n in empty)
            price = t.money(deal.price or 0)
            warning = t("rules.linked.budget_fallback", fields=names, price=price)
            link["note"] = warning
        if effect.task is not None:
            link["task"] = {
                "text": "\n".join(filter(None, (t.text(effect.task.text), warning))),
                "complete_till": effect.task.due.astimezone(UTC).isoformat(),
                "task_type_id": effect.task.task_type,
                "responsible_user_id": owner,
            }
        payload = {"op": "create_deal", "deal": deal.model_dump(mode="json"), "link": link}
        await self.out.crm(self.deal.id, payload, f"{LINK_KEY_PREFIX}{effect.key}")

    async def _choose(self, choice: ResponsibleChoice) -> int | None:
        """Who a choice names: a fixed user, or the next person of the role by distribution."""
        match choice.kind:
            case ResponsibleKind.SAME | ResponsibleKind.USER:
                return choice.user_id
            case ResponsibleKind.ROLE | ResponsibleKind.ANOTHER_MANAGER:
                return await self._next_of(choice.role or "manager", choice.exclude)

    async def _next_of(
        self,
        role: str,
        exclude: tuple[int, ...] = (),
        *,
        paired: bool = False,
        only: frozenset[int] | None = None,
    ) -> int | None:
        """The project's distribution for a role: weighted round robin among its reachable
        people on shift now (everyone of the role when nobody is), one cursor per role.
        `paired`: only people with a Telegram chat (a card must reach them)."""
        directory = await load_directory(self.repos.session, self.services.playbook)
        team = [
            m
            for m in directory.staff
            if m.role == role
            and m.reachable
            and (m.paired or not paired)
            and m.crm_user_id not in exclude
            and (only is None or m.crm_user_id in only)
        ]
        if not team:
            return None
        # one cursor per role, and per group of it (named by its first member)
        key = f"{RR_PREFIX}{role}" + (f":{min(only)}" if only else "")
        cursor = int(await self.repos.sync_state.get(key) or 0)
        weights = self.services.playbook.playbook.distribution.weights
        calendar = directory.staff.default_calendar
        who, cursor = pick_manager(
            team, {}, weights, {}, cursor, self.now, default_calendar=calendar
        )
        if who is None:  # nobody of the role on shift: the work still needs an owner
            anytime = [replace(m, calendar=None) for m in team]
            who, cursor = pick_manager(anytime, {}, weights, {}, cursor, self.now)
        await self.repos.sync_state.set(key, cursor, self.now)
        return who

    # --- who hears it -------------------------------------------------------------------------

    async def _person(self, crm_user_id: int) -> StaffInfo | None:
        row = await self.repos.staff.by_crm_user_id(crm_user_id)
        if row is None or row.telegram_id is None:
            return None
        return StaffInfo.of(row)

    async def _audience(self, who: Person | Role) -> list[StaffInfo]:
        if isinstance(who, Person):
            person = await self._person(who.crm_user_id)
            return [person] if person is not None else []
        if who.name == HEAD:
            owner = await self.repos.staff.by_crm_user_id(self.responsible)
            if owner is not None and owner.head_crm_user_id is not None:
                head = await self._person(owner.head_crm_user_id)
                if head is not None:
                    return [head]
        rows = await self.repos.staff.list(who.name)
        return [StaffInfo.of(r) for r in rows if r.telegram_id is not None]

    async def _manager_name(self) -> str:
        row = await self.repos.staff.by_crm_user_id(self.responsible)
        return row.name if row is not None else ""

    def _deal_name(self) -> str:
        return self.deal.name or f"#{self.deal.id}"

    async def _handoff(self, effect: HandOff, key: str) -> None:
        people = await self._audience(effect.audience)
        rules = self.services.playbook.playbook.handoffs
        rule = rules.get(effect.handoff) if rules is not None else None
        members = rule.group_members(effect.group) if rule is not None else None
        if members is not None:  # the deal's location: only its administrators
            people = [p for p in people if p.crm_user_id in members]
        if effect.pick is Pick.ONE and people:
            chosen = await self._next_of(effect.audience.name, paired=True, only=members)
            people = [p for p in people if p.crm_user_id == chosen] or people[:1]
        manager = await self._manager_name()
        args = {"handoff": effect.handoff}
        state = self.record.handoffs.get(effect.handoff)
        for person in people:
            assert person.telegram_id is not None
            t = self.services.texts_for(person)
            base = views.handoff_base(t, effect.title, self._deal_name(), effect.fields, manager)
            view = views.handoff_view(
                t, base, args, state, person.crm_user_id, self._ready_label(effect.handoff, t)
            )
            card = await self.out.send_card(
                chat_id=person.telegram_id,
                owner_staff_id=person.id,
                kind=views.HANDOFF_CARD,
                view=view,
                dedup_key=f"{key}:handoff:{person.id}",
                deal_id=self.deal.id,
            )
            if card is not None:
                card.payload = {**card.payload, "base": base, "args": args}

    async def _ask_fields(self, effect: AskFields, key: str) -> None:
        for person in await self._audience(effect.audience):
            assert person.telegram_id is not None
            t = self.services.texts_for(person)
            names = "\n".join(t("rules.ask_fields.item", name=n) for n in effect.missing)
            held = t("rules.ask_fields.held") if effect.held else ""
            text = t("rules.ask_fields", deal=self._deal_name(), fields=names, held=held)
            await self.out.text(person.telegram_id, text.rstrip(), f"{key}:ask:{person.id}")

    async def _tell(self, effect: Tell, key: str) -> None:
        for person in await self._audience(effect.audience):
            assert person.telegram_id is not None
            t = self.services.texts_for(person)
            text = t.text(effect.text)
            if effect.kind is TellKind.HANDOFF_QUESTION and effect.reply_handoff is not None:
                args = {"handoff": effect.reply_handoff, "to": effect.reply_to_user_id}
                await self.out.send_card(
                    chat_id=person.telegram_id,
                    owner_staff_id=person.id,
                    kind=views.QUESTION_CARD,
                    view=views.question_view(t, text, args),
                    dedup_key=f"{key}:question:{person.id}",
                    deal_id=self.deal.id,
                )
            else:
                await self.out.text(person.telegram_id, text, f"{key}:tell:{person.id}")

    async def _tell_actor(self, reject: RuleReject) -> None:
        actor = self.actor
        if actor is None or actor.telegram_id is None:
            return
        t = self.services.texts_for(actor)
        text = t(reject.reason_key.value, who=reject.detail or "—")
        await self.out.text(actor.telegram_id, text, f"{self.key}:reject")

    # --- hand-off cards follow the hand-off -----------------------------------------------------

    def _ready_label(self, handoff: str, t: Texts) -> str | None:
        """The "ready" button says what the playbook's `ready.result` says («Смета готова»,
        «Игра подтверждена»); None (the generic label) when the playbook leaves it default."""
        rules = self.services.playbook.rules
        bound = rules.handoff(handoff) if rules is not None else None
        if bound is None or "result" not in bound.rule.ready.model_fields_set:
            return None
        text = bound.rule.ready.result.text
        if not text or "{" in text:
            return None
        return t("rules.button.ready_named", result=text)

    async def redraw_handoffs(self) -> None:
        for card in await self.repos.cards.open_for_deal(self.deal.id):
            if card.kind != views.HANDOFF_CARD or card.owner_staff_id is None:
                continue
            owner = await self.engine.staff(card.owner_staff_id)
            if owner is None:
                continue
            args = dict(card.payload.get("args") or {})
            state = self.record.handoffs.get(str(args.get("handoff")))
            t = self.services.texts_for(owner)
            base = str(card.payload.get("base", ""))
            label = self._ready_label(str(args.get("handoff")), t)
            view = views.handoff_view(t, base, args, state, owner.crm_user_id, label)
            await self.out.edit_card(card, view, f"{self.key}:ho-edit:{card.id}")
