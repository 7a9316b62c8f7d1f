"""/today: the person's open tasks, overdue first, each as a card with its buttons."""

from __future__ import annotations

from nextstep.bot.engine.effects import CardKind
from nextstep.bot.engine.state import DealView
from nextstep.bot.engine.take import is_new
from nextstep.bot.services.cards import DealState
from nextstep.bot.services.deps import Services
from nextstep.bot.services.executor import Executor
from nextstep.bot.services.flow import deal_view
from nextstep.bot.services.outbound import one_off_key
from nextstep.bot.services.staff import StaffInfo
from nextstep.bot.storage import Repositories
from nextstep.crm_client.models import Deal, Task

TODAY_LIMIT = 10


async def send_today(services: Services, staff: StaffInfo) -> int:
    """Enqueue the list; returns how many task cards (raises CrmError when the CRM is down)."""
    assert staff.telegram_id is not None
    tasks = [
        t
        async for t in services.crm.iter_tasks(
            responsible_user_id=staff.crm_user_id, is_completed=False
        )
        if not t.is_completed and t.entity_id is not None
    ]
    tasks.sort(key=lambda t: (t.complete_till, t.id))  # the most overdue first
    deals: dict[int, Deal] = {}
    for task in tasks[:TODAY_LIMIT]:
        assert task.entity_id is not None
        if task.entity_id not in deals and (d := await services.crm.get_deal(task.entity_id)):
            deals[task.entity_id] = d
    now = services.now()
    t = services.texts_for(staff)
    shown = [task for task in tasks[:TODAY_LIMIT] if task.entity_id in deals]
    overdue = sum(1 for task in tasks if task.complete_till < now)
    header = t("today.header", count=len(tasks), overdue=overdue) if tasks else t("today.empty")
    async with services.db.transaction() as session:
        ex = Executor(services, session, now)
        await ex.out.text(staff.telegram_id, header, one_off_key(f"today:{staff.id}"))
        flows = Repositories(session).flow
        for task in shown:
            deal = deals[task.entity_id or 0]
            own = [x for x in tasks if x.entity_id == deal.id]
            view = deal_view(services, deal, own, await flows.get(deal.id))
            kind = _kind(services, view, task)
            key = one_off_key(f"today:{staff.id}:{task.id}")
            await ex.send_deal_card(staff, kind, DealState(deal, view), task.id, key)
    services.woke(ex.out.kinds)
    return len(shown)


def _kind(services: Services, view: DealView, task: Task) -> str:
    plan = services.playbook.plan_for(view.pipeline_id)
    if plan is not None and task.id == view.take_task_id and is_new(view, plan):
        return CardKind.NEW_DEAL.value
    return CardKind.TASK_DUE.value
