"""The audit figures computed straight from the sandbox's `CrmState`, without the client, the
neutral models or compute_audit: the independent answer the HTTP audit is checked against."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from nextstep.sandbox.crm.state import LOST_STATUS_ID, WON_STATUS_ID, CrmState

CLOSED = {WON_STATUS_ID, LOST_STATUS_ID}
DAY = 86_400


@dataclass
class Truth:
    open_deals: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    open_budget: dict[int, float] = field(default_factory=lambda: defaultdict(float))
    no_task: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    no_task_budget: dict[int, float] = field(default_factory=lambda: defaultdict(float))
    overdue: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    overdue_budget: dict[int, float] = field(default_factory=lambda: defaultdict(float))
    stuck: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    stuck_budget: dict[int, float] = field(default_factory=lambda: defaultdict(float))
    reopened: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    reopened_budget: dict[int, float] = field(default_factory=lambda: defaultdict(float))
    stuck_ids: set[int] = field(default_factory=set)
    reopened_ids: set[int] = field(default_factory=set)
    no_task_ids: set[int] = field(default_factory=set)


def _status_id(values: list[dict[str, object]]) -> int | None:
    for value in values:
        status = value.get("lead_status")
        if isinstance(status, dict):
            return int(status["id"])
    return None


def audit_truth(state: CrmState, now: int, stuck_days: int) -> Truth:
    t = Truth()
    leads = {i: lead for i, lead in state.leads.items() if not lead.is_deleted}
    open_leads = {i: lead for i, lead in leads.items() if lead.status_id not in CLOSED}
    has_task = {
        task.entity_id
        for task in state.tasks.values()
        if not task.is_completed and task.entity_type == "leads"
    }
    entered: dict[int, tuple[int, int]] = {}
    for event in state.events:
        if event.type != "lead_status_changed" or event.entity_type != "lead":
            continue
        key = (event.created_at, event.seq)
        if event.entity_id not in entered or key > entered[event.entity_id]:
            entered[event.entity_id] = key
        before, after = _status_id(event.value_before), _status_id(event.value_after)
        if before in CLOSED and after is not None and after not in CLOSED:
            lead = leads.get(event.entity_id)
            if lead is not None and lead.id not in t.reopened_ids:
                t.reopened_ids.add(lead.id)
                t.reopened[lead.responsible_user_id] += 1
                t.reopened_budget[lead.responsible_user_id] += lead.price

    for lead in open_leads.values():
        user = lead.responsible_user_id
        t.open_deals[user] += 1
        t.open_budget[user] += lead.price
        if lead.id not in has_task:
            t.no_task_ids.add(lead.id)
            t.no_task[user] += 1
            t.no_task_budget[user] += lead.price
        since = entered[lead.id][0] if lead.id in entered else lead.created_at
        if now - since > stuck_days * DAY:
            t.stuck_ids.add(lead.id)
            t.stuck[user] += 1
            t.stuck_budget[user] += lead.price

    overdue_deals: dict[int, set[int]] = defaultdict(set)
    for task in state.tasks.values():
        if task.is_completed or task.complete_till >= now:
            continue
        t.overdue[task.responsible_user_id] += 1
        if task.entity_type == "leads" and task.entity_id in open_leads:
            deals = overdue_deals[task.responsible_user_id]
            if task.entity_id not in deals:
                deals.add(task.entity_id)
                t.overdue_budget[task.responsible_user_id] += open_leads[task.entity_id].price
    return t
