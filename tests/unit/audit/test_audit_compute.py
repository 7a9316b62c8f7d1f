"""compute_audit on hand-made data: every figure a head of sales would read in the report."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from nextstep.bot.audit.compute import AuditFigures, compute_audit
from nextstep.crm_client.models import CrmEvent, CrmEventType, Pipeline, Stage, StageKind
from tests.unit.audit.audit_world import (
    ANNA,
    BORIS,
    GONE,
    NOW,
    PIPE,
    USERS,
    audit,
    deal,
    moved,
    task,
)


def test_an_account_with_nothing_open_reports_zeros() -> None:
    report = audit(deals=[deal(1, status=142), deal(2, status=143)])
    assert report.total == AuditFigures()
    assert report.managers == ()


def test_open_deals_and_their_budget_per_manager_and_in_total() -> None:
    report = audit(
        deals=[
            deal(1, price=100),
            deal(2, price=250.5, status=30),
            deal(3, BORIS, 40),
            deal(4, price=1000, status=142),
            deal(5, price=7, is_deleted=True),
        ],
        tasks=[task(1, 1), task(2, 2), task(3, 3, BORIS)],
    )
    assert (report.manager(ANNA).open_deals, report.manager(ANNA).open_budget) == (2, 350.5)
    assert (report.manager(BORIS).open_deals, report.manager(BORIS).open_budget) == (1, 40)
    assert (report.total.open_deals, report.total.open_budget) == (3, 390.5)
    assert [m.name for m in report.managers] == ["Anna", "Boris"]


def test_deals_without_an_open_task_and_the_money_they_hold() -> None:
    report = audit(
        deals=[deal(1, price=100), deal(2, price=300), deal(3, BORIS, 50), deal(4, BORIS, 70)],
        tasks=[
            task(1, 1),
            task(2, 2, is_completed=True),  # a done task is no next step
            task(3, 3, BORIS, entity_type="contacts"),  # a task on a contact is not on the deal
            task(4, 4, ANNA),  # someone else's task on Boris's deal still counts for the deal
        ],
    )
    assert report.manager(ANNA).no_task_deals == 1
    assert report.manager(ANNA).no_task_budget == 300
    assert (report.manager(BORIS).no_task_deals, report.manager(BORIS).no_task_budget) == (1, 50)
    assert (report.total.no_task_deals, report.total.no_task_budget) == (2, 350)
    assert [d.id for d in report.no_task] == [2, 3]  # biggest budget first
    assert report.no_task[0].stage_name == "Call"


def test_overdue_tasks_count_per_task_and_budget_per_deal() -> None:
    report = audit(
        deals=[deal(1, price=100), deal(2, BORIS, price=40)],
        tasks=[
            task(1, 1, due_in_hours=-1),
            task(2, 1, due_in_hours=-50),  # two overdue tasks on one deal: its budget once
            task(3, 2, BORIS, due_in_hours=-2),
            task(4, 2, BORIS, due_in_hours=+2),  # due later today: not overdue
            task(5, None, BORIS, due_in_hours=-3, entity_type=None),  # no deal: no budget
        ],
    )
    assert (report.manager(ANNA).overdue_tasks, report.manager(ANNA).overdue_budget) == (2, 100)
    assert (report.manager(BORIS).overdue_tasks, report.manager(BORIS).overdue_budget) == (2, 40)
    assert (report.total.overdue_tasks, report.total.overdue_budget) == (4, 140)
    assert [t.task_id for t in report.overdue] == [2, 5, 3, 1]  # most overdue first
    assert report.overdue[0].days_overdue == 2
    assert report.overdue[1].deal is None


def test_a_task_due_exactly_now_is_not_overdue_yet() -> None:
    report = audit(deals=[deal(1)], tasks=[task(1, 1, due_in_hours=0)])
    assert report.total.overdue_tasks == 0


def test_stuck_uses_the_latest_status_change_else_the_creation_time() -> None:
    deals = [
        deal(1, price=10, status=30, created_days_ago=90),  # moved 40 days ago: stuck
        deal(2, price=20, status=30, created_days_ago=90),  # moved 5 days ago: fine
        deal(3, price=30, created_days_ago=31),  # never moved, created 31 days ago: stuck
        deal(4, price=40, created_days_ago=29),  # never moved, 29 days: fine
        deal(5, price=50, status=142, created_days_ago=300),  # closed deals are never stuck
    ]
    events = [
        moved(1, 60, to=20, frm=10),
        moved(1, 40, to=30),  # the latest one counts
        moved(2, 50, to=20, frm=10),
        moved(2, 5, to=30),
    ]
    report = audit(deals=deals, events=events)
    assert (report.total.stuck_deals, report.total.stuck_budget) == (2, 40)
    assert [(s.deal.id, s.days_on_stage, s.from_event) for s in report.stuck] == [
        (1, 40, True),
        (3, 31, False),
    ]


def test_stuck_threshold_is_strictly_longer_than_n_days() -> None:
    report = audit(deals=[deal(1, created_days_ago=30), deal(2, created_days_ago=30.01)])
    assert [s.deal.id for s in report.stuck] == [2]
    assert audit(deals=[deal(1, created_days_ago=30.01)], stuck_days=31).total.stuck_deals == 0


def test_events_order_does_not_matter_for_the_latest_stage_change() -> None:
    deals = [deal(1, status=30, created_days_ago=90)]
    events = [moved(1, 2, to=30), moved(1, 60, to=20, frm=10)]  # newest first, as the feed
    assert audit(deals=deals, events=events).total.stuck_deals == 0
    assert audit(deals=deals, events=events[::-1]).total.stuck_deals == 0


def test_deals_brought_back_from_won_or_lost_are_reported_once_each() -> None:
    deals = [
        deal(1, price=100),
        deal(2, BORIS, price=200, status=143),  # reopened, then lost again: still reported
        deal(3, price=300),  # moved forward only
    ]
    events = [
        moved(1, 20, to=143, frm=20),
        moved(1, 10, to=20, frm=143),
        moved(1, 3, to=142, frm=20),
        moved(1, 2, to=30, frm=142),  # back twice: one deal
        moved(2, 9, to=10, frm=142),  # back to "unsorted" counts too
        moved(2, 8, to=143, frm=10),
        moved(3, 9, to=30, frm=20),
        moved(404, 1, to=20, frm=143),  # a deal that no longer exists: nothing at stake
    ]
    report = audit(deals=deals, tasks=[task(1, 1), task(2, 3)], events=events)
    assert (report.manager(ANNA).reopened_deals, report.manager(ANNA).reopened_budget) == (1, 100)
    assert (report.manager(BORIS).reopened_deals, report.manager(BORIS).reopened_budget) == (
        1,
        200,
    )
    assert (report.total.reopened_deals, report.total.reopened_budget) == (2, 300)
    latest = {r.deal.id: (r.from_status_id, r.to_status_id) for r in report.reopened}
    assert latest == {1: (142, 30), 2: (142, 10)}
    assert report.manager(BORIS).open_deals == 0  # lost again: not open


def test_a_move_between_closed_stages_is_not_a_reopening() -> None:
    report = audit(deals=[deal(1, status=143)], events=[moved(1, 1, to=143, frm=142)])
    assert report.total.reopened_deals == 0


def test_other_event_types_are_ignored() -> None:
    other = CrmEvent(
        type=CrmEventType.DEAL_RESPONSIBLE_CHANGED,
        entity="lead",
        entity_id=1,
        occurred_at=NOW - timedelta(days=1),
        status_id=20,
        old_status_id=143,
    )
    report = audit(deals=[deal(1, created_days_ago=60)], events=[other])
    assert report.total.reopened_deals == 0
    assert report.total.stuck_deals == 1


def test_a_manager_missing_from_the_users_list_still_gets_a_row() -> None:
    report = audit(deals=[deal(1, GONE, price=5)])
    [row] = report.managers
    assert (row.user_id, row.name, row.figures.no_task_budget) == (GONE, "user #99", 5)


def test_a_custom_closed_stage_id_counts_as_closed() -> None:
    custom = Pipeline(
        id=2,
        name="Other",
        stages=(Stage(id=77, pipeline_id=2, name="Paid", kind=StageKind.WON),),
    )
    closed = deal(1).model_copy(update={"pipeline_id": 2, "status_id": 77})
    report = compute_audit(USERS, [PIPE, custom], [closed], [], [], NOW, 30)
    assert report.total.open_deals == 0


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        compute_audit(USERS, [PIPE], [], [], [], datetime(2026, 1, 1), 30)
