"""Hand-offs the SLA runtime makes: a deal to another manager, tasks to teammates, a task's due
time moved. Each enqueues the CRM op (bot-layer.md shapes, ordered per deal) and projects it
onto the mirror at once, so the next sweep sees the deal where it is going rather than
escalating it again before the sync catches up.

A change of responsible user carries `payload["handover"]` (who from, to whom, the pressed card
and who pressed, the dedup-key group of its later steps, the deal's taken state before): should
the CRM refuse it, the relay drops those later steps and `services.handover_refused` puts the
mirror, the cards and the bot's flow state back to what the CRM holds."""

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
from nextstep.bot.storage.models import CrmDeal, CrmTask, DealFlow
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
    card_id: int | None = None,
    actor: StaffInfo | None = None,
) -> bool:
    """`update_task` (new responsible and/or due time); False when already enqueued. `card_id`
    and `actor`: the card pressed for it and who pressed (told if the CRM refuses)."""
    patch: dict[str, object] = {}
    payload: dict[str, object] = {"op": "update_task", "task_id": task_id, "patch": patch}
    if to is not None:
        patch["responsible_user_id"] = to
        row = await ex.repos.session.get(CrmTask, task_id)
        old = row.responsible_user_id if row is not None else None
        payload["handover"] = handover_marker(old, to, key, card_id, actor)
        if actor is not None:  # a refusal with no card to show it on is told to them
            payload["owner_staff_id"] = actor.id
    if due is not None:
        patch["complete_till"] = due.isoformat()
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
    card_id: int | None = None,
    actor: StaffInfo | None = None,
) -> bool:
    """The deal and the old owner's open tasks on it (the take task, an overdue call) to `to`,
    so the next step moves with the deal; others' tasks on it (an estimator's) stay. The new
    manager gets the deal card (or, with `take_by`, the deal is taken into work by them at
    once). False: done before. `card_id` and `actor`: the card pressed for it and who
    pressed (told if the CRM refuses)."""
    services, now = ex.services, ex.now
    old = deal.responsible_user_id
    flow = await ex.repos.flow.get(deal.id)
    presser = actor or take_by
    marker = handover_marker(old, to, key, card_id, presser)
    marker["taken"] = _taken(flow)
    payload: dict[str, object] = {
        "op": "update_deal",
        "patch": {"responsible_user_id": to},
        "handover": marker,
    }
    if presser is not None:  # a refusal with no card to show it on is told to them
        payload["owner_staff_id"] = presser.id
    if not await ex.out.crm(deal.id, payload, f"{key}:reassign"):
        return False
    take_id = deal_view(services, deal, tasks, flow).take_task_id
    moved_tasks = []
    for task in tasks:
        theirs = not task.is_completed and task.responsible_user_id == old
        if task.id == take_id or (theirs and task.responsible_user_id != to):
            step = "take_task" if task.id == take_id else f"task:{task.id}"  # one key each
            await move_task(ex, deal.id, task.id, f"{key}:{step}", to=to)
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


def handover_marker(
    old: int | None, to: int, group: str, card_id: int | None, actor: StaffInfo | None
) -> dict[str, object]:
    """`payload["handover"]`: what the relay and `handover_refused` need if the CRM refuses."""
    return {
        "from": old,
        "to": to,
        "group": group,
        "card_id": card_id,
        "actor": actor.id if actor is not None else None,
    }


def _taken(flow: DealFlow | None) -> dict[str, object]:
    """The deal's taken state before the hand-over (a refused "Take myself" goes back to it)."""
    taken_at = flow.taken_at.isoformat() if flow and flow.taken_at else None
    return {"taken_at": taken_at, "taken_by": flow.taken_by if flow else None}
