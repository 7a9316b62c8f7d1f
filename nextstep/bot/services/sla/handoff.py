"""Hand-offs the SLA runtime makes: a deal to another manager, tasks to teammates, a task's due
time moved. Each enqueues the CRM op (bot-layer.md shapes, ordered per deal) and projects it
onto the mirror at once, so the next sweep sees the deal where it is going rather than
escalating it again before the sync catches up."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from nextstep.bot.engine.engine import decide
from nextstep.bot.engine.events import DealChangedElsewhere, Event, TakeIntoWork
from nextstep.bot.services.cards import DealState
from nextstep.bot.services.executor import Executor, Situation
from nextstep.bot.services.flow import context_for, deal_view
from nextstep.bot.services.sla.inputs import set_assigned
from nextstep.bot.services.staff import StaffInfo
from nextstep.bot.storage.models import CrmDeal, CrmTask
from nextstep.crm_client.models import Deal, Task


async def project_deal(ex: Executor, deal_id: int, now: datetime, **values: object) -> None:
    await ex.repos.session.execute(
        update(CrmDeal)
        .where(CrmDeal.id == deal_id)
        .values(updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )


async def project_task(ex: Executor, task_id: int, now: datetime, **values: object) -> None:
    await ex.repos.session.execute(
        update(CrmTask)
        .where(CrmTask.id == task_id)
        .values(updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )


async def move_task(
    ex: Executor,
    deal_id: int,
    task_id: int,
    key: str,
    *,
    to: int | None = None,
    due: datetime | None = None,
) -> bool:
    """`update_task` (new responsible and/or due time); False when already enqueued."""
    patch: dict[str, object] = {}
    if to is not None:
        patch["responsible_user_id"] = to
    if due is not None:
        patch["complete_till"] = due.isoformat()
    payload = {"op": "update_task", "task_id": task_id, "patch": patch}
    fresh = await ex.out.crm(deal_id, payload, key)
    values: dict[str, object] = {}
    if to is not None:
        values["responsible_user_id"] = to
    if due is not None:
        values["complete_till"] = due
    await project_task(ex, task_id, ex.now, **values)
    return fresh


async def reassign_deal(
    ex: Executor,
    deal: Deal,
    tasks: list[Task],
    to: int,
    key: str,
    *,
    take_by: StaffInfo | None = None,
) -> bool:
    """The deal and the old owner's open tasks on it (the take task, an overdue call) to `to`,
    so the next step moves with the deal; others' tasks on it (an estimator's) stay. The new
    manager gets the deal card (or, with `take_by`, the deal is taken into work by them at
    once). False: done before."""
    services, now = ex.services, ex.now
    old = deal.responsible_user_id
    payload = {"op": "update_deal", "patch": {"responsible_user_id": to}}
    if not await ex.out.crm(deal.id, payload, f"{key}:reassign"):
        return False
    flow = await ex.repos.flow.get(deal.id)
    take_id = deal_view(services, deal, tasks, flow).take_task_id
    moved_tasks = []
    for task in tasks:
        theirs = not task.is_completed and task.responsible_user_id == old
        if task.id == take_id or (theirs and task.responsible_user_id != to):
            await move_task(ex, deal.id, task.id, f"{key}:take_task", to=to)
            task = task.model_copy(update={"responsible_user_id": to})
        moved_tasks.append(task)
    moved = deal.model_copy(update={"responsible_user_id": to})
    await project_deal(ex, deal.id, now, responsible_user_id=to)
    await set_assigned(ex.repos, deal.id, now)
    view = deal_view(services, moved, moved_tasks, flow)
    event: Event = DealChangedElsewhere(deal.pipeline_id, deal.status_id, old)
    if take_by is not None:
        event = TakeIntoWork(by_user_id=to)
    tz = take_by.timezone if take_by else None
    decision = decide(event, view, services.playbook, context_for(services, now, tz))
    situation = Situation(DealState(moved, view), f"{key}:deal", now, event, actor=take_by)
    await ex.run(decision, situation)
    return True
