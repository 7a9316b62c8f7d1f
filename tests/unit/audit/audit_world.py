"""Hand-made CRM data for the audit tests: one pipeline, two managers, a fixed now."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from nextstep.bot.audit.compute import AuditReport, compute_audit
from nextstep.crm_client.models import (
    CrmEvent,
    CrmEventType,
    Deal,
    Pipeline,
    Stage,
    StageKind,
    Task,
    User,
)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
ANNA, BORIS, GONE = 11, 12, 99
USERS = [User(id=ANNA, name="Anna"), User(id=BORIS, name="Boris")]
PIPE = Pipeline(
    id=1,
    name="Sales",
    stages=(
        Stage(id=10, pipeline_id=1, name="Unsorted", kind=StageKind.UNSORTED),
        Stage(id=20, pipeline_id=1, name="Call", sort=1),
        Stage(id=30, pipeline_id=1, name="Offer", sort=2),
        Stage(id=142, pipeline_id=1, name="Won", kind=StageKind.WON),
        Stage(id=143, pipeline_id=1, name="Lost", kind=StageKind.LOST),
    ),
)


def deal(
    deal_id: int,
    user: int = ANNA,
    price: float = 100,
    status: int = 20,
    created_days_ago: float = 1,
    **kw: Any,
) -> Deal:
    created = NOW - timedelta(days=created_days_ago)
    return Deal(
        id=deal_id,
        name=f"Deal {deal_id}",
        price=price,
        pipeline_id=1,
        status_id=status,
        responsible_user_id=user,
        created_at=created,
        updated_at=created,
        **kw,
    )


def task(
    task_id: int, deal_id: int | None, user: int = ANNA, due_in_hours: float = 24, **kw: Any
) -> Task:
    return Task(
        id=task_id,
        entity_id=deal_id,
        responsible_user_id=user,
        complete_till=NOW + timedelta(hours=due_in_hours),
        **kw,
    )


def moved(deal_id: int, days_ago: float, to: int, frm: int = 20, event_id: str = "") -> CrmEvent:
    return CrmEvent(
        type=CrmEventType.DEAL_STATUS_CHANGED,
        entity="lead",
        entity_id=deal_id,
        event_id=event_id or f"e{deal_id}-{days_ago}-{to}",
        occurred_at=NOW - timedelta(days=days_ago),
        pipeline_id=1,
        status_id=to,
        old_status_id=frm,
        old_pipeline_id=1,
    )


def audit(
    deals: Sequence[Deal] = (),
    tasks: Sequence[Task] = (),
    events: Sequence[CrmEvent] = (),
    stuck_days: int = 30,
) -> AuditReport:
    return compute_audit(USERS, [PIPE], list(deals), list(tasks), list(events), NOW, stuck_days)
