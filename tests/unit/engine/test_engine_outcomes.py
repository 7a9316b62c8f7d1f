"""Call outcomes and the no-answer ladder, on the default playbook and the stock pipeline."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from nextstep.bot.engine.effects import (
    AddCallNote,
    AskLossReason,
    AskResultText,
    CallStatus,
    CompleteTask,
    CreateTask,
    Decision,
    Effect,
    IncrementNoAnswer,
    MoveStage,
    OfferStages,
    RefreshCards,
    RejectReason,
    ResetNoAnswer,
    RunSalesbot,
    TaskPurpose,
)
from nextstep.bot.engine.engine import decide
from nextstep.bot.engine.events import CallBack, Event, NoAnswer, NotInterested, Reached
from nextstep.bot.engine.state import DealView
from nextstep.bot.engine.texts import ParamValue
from nextstep.bot.playbook.loader import parse_playbook
from nextstep.bot.playbook.resolve import resolve
from tests.unit.engine.engine_world import (
    CALL_TASK,
    CTX,
    EXPENSIVE,
    FOURTH,
    LOST,
    MANAGER,
    MORNING,
    NOW,
    RP,
    SECOND,
    STOCK,
    STOPPED_ANSWERING,
    THIRD,
    WON,
    text,
    working_deal,
)


def call(template: str, due: datetime, purpose: TaskPurpose, **params: ParamValue) -> CreateTask:
    return CreateTask(text(template, **params), due, 1, MANAGER, purpose)


def test_reached_without_result_asks_for_it_and_writes_nothing() -> None:
    for blank in (None, "", "   "):
        event = Reached(CALL_TASK, result_text=blank)
        assert decide(event, working_deal(), RP, CTX) == Decision((AskResultText(CALL_TASK),))


def test_reached_with_result_offers_the_following_stages() -> None:
    event = Reached(CALL_TASK, result_text="Ждёт КП")
    assert decide(event, working_deal(SECOND), RP, CTX) == Decision(
        (OfferStages(CALL_TASK, (THIRD, FOURTH, WON)),)
    )


def test_reached_with_a_chosen_stage_writes_moves_and_sets_the_next_step() -> None:
    event = Reached(CALL_TASK, result_text="Ждёт КП", next_status_id=THIRD)
    assert decide(event, working_deal(SECOND), RP, CTX).effects == (
        CompleteTask(CALL_TASK, text("Дозвонились: {result}", result="Ждёт КП")),
        AddCallNote(
            CallStatus.CONVERSATION, text("Разговор состоялся. Итог: {result}", result="Ждёт КП")
        ),
        MoveStage(1, THIRD),
        call(
            "Следующий шаг по сделке «{deal}»",
            NOW + timedelta(days=1),
            TaskPurpose.NEXT_STEP,
            result="Ждёт КП",
        ),
        RefreshCards(),
    )


@pytest.mark.parametrize(
    ("event", "has_move", "has_task"),
    [
        (Reached(CALL_TASK, "ok", stay=True), False, True),
        (Reached(CALL_TASK, "ok", next_status_id=WON), True, False),
    ],
    ids=["stay on the stage", "won: no next task"],
)
def test_reached_stay_or_won(event: Reached, has_move: bool, has_task: bool) -> None:
    effects = decide(event, working_deal(), RP, CTX).effects
    assert any(isinstance(e, MoveStage) for e in effects) is has_move
    assert any(isinstance(e, CreateTask) for e in effects) is has_task


def test_reached_to_a_stage_not_offered_is_rejected() -> None:
    event = Reached(CALL_TASK, "ok", next_status_id=SECOND)
    assert decide(event, working_deal(THIRD), RP, CTX).rejected is RejectReason.STAGE_NOT_OFFERED


def test_reached_after_unanswered_calls_restarts_the_count() -> None:
    event = Reached(CALL_TASK, "ok", stay=True)
    assert ResetNoAnswer() in decide(event, working_deal(attempts=2), RP, CTX).effects
    assert ResetNoAnswer() not in decide(event, working_deal(attempts=0), RP, CTX).effects


def _no_answer_written(attempt: int) -> tuple[Effect, ...]:
    return (
        CompleteTask(CALL_TASK, text("Не дозвонились, попытка {attempt}", attempt=attempt)),
        AddCallNote(
            CallStatus.NO_ANSWER, text("Не дозвонились (попытка {attempt})", attempt=attempt)
        ),
        IncrementNoAnswer(),
    )


CALL_BACK_TEXT = "Перезвонить: не дозвонились ({attempt}-я попытка)"


@pytest.mark.parametrize(
    ("attempts_before", "then"),
    [
        (0, (call(CALL_BACK_TEXT, NOW + timedelta(hours=2), TaskPurpose.CALL, attempt=1),)),
        (1, (call(CALL_BACK_TEXT, MORNING, TaskPurpose.CALL, attempt=2),)),
        (2, (MoveStage(1, LOST, STOPPED_ANSWERING),)),
        (5, (MoveStage(1, LOST, STOPPED_ANSWERING),)),
    ],
    ids=["1st: call back in 2h", "2nd: next working morning", "3rd: lost", "past the end"],
)
def test_no_answer_ladder(attempts_before: int, then: tuple[Effect, ...]) -> None:
    decision = decide(NoAnswer(CALL_TASK), working_deal(attempts=attempts_before), RP, CTX)
    assert decision.effects == (*_no_answer_written(attempts_before + 1), *then, RefreshCards())


SMALL = """
name: s
call_task: {text: Позвонить, due: 1d}
outcomes:
  no_answer: {label: l, task_result: r}
  reached: {label: l, task_result: r}
no_answer_ladder:
  - {salesbot: 77, next_task: {due: 2h}}
  - {move: lost}
"""


def test_ladder_runs_the_salesbot_when_configured() -> None:
    rp = resolve(parse_playbook(SMALL), [STOCK])
    effects = decide(NoAnswer(CALL_TASK), working_deal(), rp, CTX).effects
    assert effects[2:] == (  # after the completion and the count (no note configured)
        RunSalesbot(77),
        CreateTask(
            text("Позвонить", attempt=1),
            NOW + timedelta(hours=2),
            1,
            MANAGER,
            TaskPurpose.CALL,
        ),
        RefreshCards(),
    )
    last = decide(NoAnswer(CALL_TASK), working_deal(attempts=1), rp, CTX).effects
    assert MoveStage(1, LOST, None) in last  # no loss reason configured


@pytest.mark.parametrize(
    "event",
    [CallBack(CALL_TASK, NOW + timedelta(hours=3)), NotInterested(CALL_TASK, EXPENSIVE)],
)
def test_outcome_not_in_the_playbook_is_rejected(event: Event) -> None:
    rp = resolve(parse_playbook(SMALL), [STOCK])
    decision = decide(event, working_deal(), rp, CTX)
    assert decision.rejected is RejectReason.OUTCOME_NOT_OFFERED


def test_call_back_at_the_agreed_time() -> None:
    at = NOW + timedelta(days=1, hours=5)
    decision = decide(CallBack(CALL_TASK, at), working_deal(attempts=1), RP, CTX)
    assert decision.effects == (
        CompleteTask(CALL_TASK, text("Договорились перезвонить {at}", at=at)),
        AddCallNote(CallStatus.CALL_BACK, text("Клиент просит перезвонить {at}", at=at)),
        ResetNoAnswer(),
        call("Перезвонить клиенту (договорились)", at, TaskPurpose.CALL_BACK, at=at),
        RefreshCards(),
    )


@pytest.mark.parametrize("at", [NOW, NOW - timedelta(minutes=1)])
def test_call_back_in_the_past_is_rejected(at: datetime) -> None:
    decision = decide(CallBack(CALL_TASK, at), working_deal(), RP, CTX)
    assert decision.rejected is RejectReason.TIME_IN_PAST


def test_not_interested_asks_for_the_loss_reason_first() -> None:
    decision = decide(NotInterested(CALL_TASK), working_deal(), RP, CTX)
    assert decision == Decision((AskLossReason(CALL_TASK, None),))


def test_not_interested_with_a_reason_goes_to_lost() -> None:
    decision = decide(NotInterested(CALL_TASK, EXPENSIVE), working_deal(), RP, CTX)
    assert decision.effects == (
        CompleteTask(CALL_TASK, text("Отказ: {reason}", reason="Дорого")),
        AddCallNote(CallStatus.CONVERSATION, text("Клиент отказался: {reason}", reason="Дорого")),
        MoveStage(1, LOST, EXPENSIVE),
        RefreshCards(),
    )


def test_not_interested_with_an_unknown_reason_is_rejected() -> None:
    decision = decide(NotInterested(CALL_TASK, 999), working_deal(), RP, CTX)
    assert decision.rejected is RejectReason.LOSS_REASON_NOT_OFFERED


@pytest.mark.parametrize(
    "event",
    [
        Reached(CALL_TASK, "ok", stay=True),
        NoAnswer(CALL_TASK),
        CallBack(CALL_TASK, NOW + timedelta(hours=1)),
        NotInterested(CALL_TASK, EXPENSIVE),
    ],
    ids=["reached", "no answer", "call back", "not interested"],
)
@pytest.mark.parametrize(
    ("deal", "reason"),
    [
        (working_deal(open_tasks=()), RejectReason.TASK_NOT_OPEN),
        (working_deal(WON), RejectReason.DEAL_CLOSED),
        (working_deal(LOST), RejectReason.DEAL_CLOSED),
        (working_deal(pipeline_id=99), RejectReason.PIPELINE_NOT_COVERED),
    ],
    ids=["task done elsewhere", "won", "lost", "other pipeline"],
)
def test_stale_outcomes_are_rejected(event: Event, deal: DealView, reason: RejectReason) -> None:
    assert decide(event, deal, RP, CTX) == Decision.reject(reason)
