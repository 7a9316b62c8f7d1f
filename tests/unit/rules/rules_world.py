"""Plain data for rule tests: a clock, a manager, and deal facts on the business accounts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from nextstep.bot.engine.rules.dispatch import apply_rules
from nextstep.bot.engine.rules.effects import RuleDecision
from nextstep.bot.engine.rules.events import RuleEvent
from nextstep.bot.engine.rules.facts import ClientDeal, DealFacts, RuleState
from nextstep.bot.engine.state import Context, DealView, OpenTask
from nextstep.bot.playbook.resolved import ResolvedPlaybook
from tests.unit.playbooks.businesses import Business

MANAGER = 7
ESTIMATOR = 31
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 12:00 in Moscow
MORNING = datetime(2026, 3, 3, 7, 0, tzinfo=UTC)
CTX = Context(now=NOW, next_working_morning=MORNING)


def at(now: datetime) -> Context:
    return Context(now=now, next_working_morning=MORNING)


def facts(
    biz: Business,
    pipeline: str,
    stage: str | int,
    *,
    fields: Mapping[str, object] | None = None,
    state: RuleState | None = None,
    price: float = 0.0,
    deal_id: int = 55,
    name: str = "Квартира на Пресне",
    loss_reason: str | None = None,
    open_tasks: tuple[OpenTask, ...] = (),
    created_at: datetime | None = None,
    closed_at: datetime | None = None,
    client_deals: tuple[ClientDeal, ...] = (),
    phone: str = "+7 900 000-00-00",
) -> DealFacts:
    """A deal of `biz` in `pipeline` on `stage` (a stage name, or 142 / 143)."""
    status = stage if isinstance(stage, int) else biz.stage(pipeline, stage)
    return DealFacts(
        view=DealView(
            id=deal_id,
            pipeline_id=biz.pipe(pipeline).id,
            status_id=status,
            responsible_user_id=MANAGER,
            name=name,
            price=price,
            open_tasks=open_tasks,
            taken=True,
        ),
        fields=dict(fields or {}),
        loss_reason_id=biz.reason(loss_reason) if loss_reason else None,
        created_at=created_at,
        closed_at=closed_at,
        phone=phone,
        client_deals=client_deals,
        contact_ids=(900,),
        state=state or RuleState(),
    )


def run(
    event: RuleEvent, deal: DealFacts, rp: ResolvedPlaybook, ctx: Context = CTX
) -> RuleDecision:
    return apply_rules(event, deal, rp, ctx)
