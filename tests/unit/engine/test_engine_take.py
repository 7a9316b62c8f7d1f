"""New deals and taking them into work, on the default playbook and the stock pipeline."""

from __future__ import annotations

from datetime import timedelta

import pytest

from nextstep.bot.engine.effects import (
    CardKind,
    CompleteTask,
    CreateTask,
    Decision,
    MarkTaken,
    MoveStage,
    NotifyCard,
    Person,
    RefreshCards,
    RejectReason,
    TaskPurpose,
)
from nextstep.bot.engine.engine import decide
from nextstep.bot.engine.events import DealAssigned, DealChangedElsewhere, TakeIntoWork, TaskDue
from nextstep.bot.engine.state import Context, DealView, OpenTask
from nextstep.crm_client.models import Deal, Task
from tests.unit.engine.engine_world import (
    CALL_TASK,
    CTX,
    FIRST,
    LOST,
    MANAGER,
    NOW,
    RP,
    SECOND,
    TAKE_TASK,
    THIRD,
    UNSORTED,
    WON,
    new_deal,
    text,
    working_deal,
)

FIELDS = RP.playbook.card_fields


def card(kind: CardKind, task_id: int | None = None, user: int = MANAGER) -> NotifyCard:
    return NotifyCard(Person(user), kind, FIELDS, task_id)


@pytest.mark.parametrize("status", [UNSORTED, FIRST])
def test_new_deal_gets_the_take_task_and_a_card(status: int) -> None:
    deal = new_deal(status, open_tasks=(), take_task_id=None)
    assert decide(DealAssigned(), deal, RP, CTX) == Decision(
        (
            CreateTask(
                text("Взять в работу новую заявку"),
                NOW + timedelta(minutes=10),
                1,
                MANAGER,
                TaskPurpose.TAKE,
            ),
            card(CardKind.NEW_DEAL),
        )
    )


@pytest.mark.parametrize(
    ("deal", "expected"),
    [
        (new_deal(), Decision()),
        (working_deal(), Decision((card(CardKind.DEAL_ASSIGNED),))),
        (new_deal(LOST), Decision()),
        (new_deal(pipeline_id=99), Decision()),
    ],
    ids=["announced already", "already in work", "closed", "pipeline not covered"],
)
def test_assigned_deal_that_is_not_new(deal: DealView, expected: Decision) -> None:
    assert decide(DealAssigned(), deal, RP, CTX) == expected


@pytest.mark.parametrize("status", [UNSORTED, FIRST])
def test_take_into_work_moves_completes_and_sets_the_first_call(status: int) -> None:
    decision = decide(TakeIntoWork(by_user_id=MANAGER), new_deal(status), RP, CTX)
    assert decision.effects == (
        MarkTaken(),
        MoveStage(1, SECOND),
        CompleteTask(TAKE_TASK, text("Взята в работу")),
        CreateTask(
            text("Позвонить клиенту"), NOW + timedelta(minutes=15), 1, MANAGER, TaskPurpose.CALL
        ),
        RefreshCards(),
        card(CardKind.CALL_TASK),
    )


def test_take_without_a_take_task_still_sets_the_call() -> None:
    deal = new_deal(open_tasks=(), take_task_id=None)
    effects = decide(TakeIntoWork(by_user_id=MANAGER), deal, RP, CTX).effects
    assert not any(isinstance(e, CompleteTask) for e in effects)
    assert any(isinstance(e, CreateTask) for e in effects)


@pytest.mark.parametrize(
    ("deal", "reason"),
    [
        (new_deal(taken=True), RejectReason.ALREADY_TAKEN),
        (new_deal(THIRD), RejectReason.ALREADY_TAKEN),
        (new_deal(WON), RejectReason.DEAL_CLOSED),
        (new_deal(LOST), RejectReason.DEAL_CLOSED),
        (new_deal(pipeline_id=99), RejectReason.PIPELINE_NOT_COVERED),
    ],
    ids=["taken", "moved on in the CRM", "won", "lost", "other pipeline"],
)
def test_stale_take_is_rejected(deal: DealView, reason: RejectReason) -> None:
    assert decide(TakeIntoWork(by_user_id=MANAGER), deal, RP, CTX) == Decision.reject(reason)


@pytest.mark.parametrize(
    ("deal", "task_id", "expected"),
    [
        (new_deal(), TAKE_TASK, Decision((card(CardKind.NEW_DEAL, TAKE_TASK),))),
        (working_deal(), CALL_TASK, Decision((card(CardKind.TASK_DUE, CALL_TASK),))),
        (working_deal(), TAKE_TASK, Decision()),
        (working_deal(LOST), CALL_TASK, Decision()),
    ],
    ids=["take task", "call task", "task already done", "deal closed"],
)
def test_task_due_reminds_the_responsible(
    deal: DealView, task_id: int, expected: Decision
) -> None:
    assert decide(TaskDue(task_id), deal, RP, CTX) == expected


def test_deal_moved_on_in_the_crm_counts_as_taken() -> None:
    event = DealChangedElsewhere(1, FIRST, MANAGER)
    assert decide(event, new_deal(THIRD), RP, CTX).effects == (
        MarkTaken(),
        CompleteTask(TAKE_TASK, text("Взята в работу")),
        RefreshCards(),
    )


@pytest.mark.parametrize(
    ("deal", "kind"),
    [(new_deal(), CardKind.NEW_DEAL), (working_deal(), CardKind.DEAL_ASSIGNED)],
)
def test_reassigned_in_the_crm_tells_the_new_responsible(deal: DealView, kind: CardKind) -> None:
    event = DealChangedElsewhere(1, deal.status_id, old_responsible_user_id=3)
    assert decide(event, deal, RP, CTX).effects == (RefreshCards(), card(kind))


def test_closed_elsewhere_only_refreshes_cards() -> None:
    event = DealChangedElsewhere(1, SECOND, MANAGER)
    assert decide(event, working_deal(LOST), RP, CTX).effects == (RefreshCards(),)


def test_deal_view_from_the_crm_keeps_only_open_tasks() -> None:
    crm_deal = Deal(
        id=5,
        pipeline_id=1,
        status_id=FIRST,
        responsible_user_id=MANAGER,
        created_at=NOW,
        updated_at=NOW,
    )
    tasks = [
        Task(id=1, responsible_user_id=MANAGER, complete_till=NOW),
        Task(id=2, responsible_user_id=MANAGER, complete_till=NOW, is_completed=True),
    ]
    view = DealView.from_crm(crm_deal, tasks, take_task_id=1)
    assert [t.id for t in view.open_tasks] == [1]
    assert view.task(1) is not None
    assert view.task(2) is None


@pytest.mark.parametrize("naive", ["now", "next_working_morning"])
def test_context_refuses_naive_time(naive: str) -> None:
    times = {"now": NOW, "next_working_morning": NOW, naive: NOW.replace(tzinfo=None)}
    with pytest.raises(ValueError, match="timezone-aware"):
        Context(now=times["now"], next_working_morning=times["next_working_morning"])


def test_taking_a_deal_that_came_with_its_next_step_keeps_that_step() -> None:
    """A recycled lost deal arrives with its second-try task and no take task: taking it
    moves the stage and puts that task on the call card, without a second, generic call."""
    second_try = OpenTask(777, NOW + timedelta(hours=1), text="Повторная попытка продажи")
    later = OpenTask(778, NOW + timedelta(days=2), text="Отправить программу")
    deal = new_deal(open_tasks=(later, second_try), take_task_id=None)
    effects = decide(TakeIntoWork(by_user_id=MANAGER), deal, RP, CTX).effects
    assert effects == (
        MarkTaken(),
        MoveStage(1, SECOND),
        RefreshCards(),
        card(CardKind.CALL_TASK, 777),
    )
