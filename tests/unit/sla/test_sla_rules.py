"""Stuck on a stage, the overdue pile, moved back from a closed stage, tasks on days off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from nextstep.bot.engine.schedule import Schedule
from nextstep.bot.engine.sla.actions import Close, MoveTaskToWorkingDay, Open, RevertStage
from nextstep.bot.engine.sla.distribution import redistribute
from nextstep.bot.engine.sla.facts import TaskRow
from nextstep.bot.engine.sla.record import Rule
from nextstep.bot.playbook.resolve import PlaybookResolveError
from tests.unit.sla.sla_world import (
    ANNA,
    BORIS,
    HEAD,
    NOW,
    SECOND,
    STAFF,
    THIRD,
    VERA,
    Runtime,
    deal,
    kinds,
    later,
    of,
    playbook_cfg,
    task,
    team,
)

D = timedelta(days=1)
FUTURE = NOW + D  # Tuesday


def busy(row_id: int = 55) -> dict[int, list[TaskRow]]:
    return {row_id: [task(900 + row_id, row_id, due=NOW + timedelta(hours=3))]}


def test_stuck_after_the_default_30_days_goes_to_the_manager_then_the_head() -> None:
    rt = Runtime()
    row = deal(age=29 * D, last_activity_at=NOW)
    assert of(rt.sweep([row], NOW, busy()), Rule.STUCK) == []
    assert rt.last.next_at == NOW + D
    [manager] = of(rt.sweep([row], NOW + D, busy()), Rule.STUCK)
    assert isinstance(manager, Open)
    assert manager.audience == ANNA
    assert dict(manager.facts)["stage"] == "Переговоры"
    [head] = of(rt.sweep([row], NOW + 2 * D, busy()), Rule.STUCK)
    assert head.audience == HEAD  # type: ignore[union-attr]
    moved_on = later(row, status_id=THIRD, stage_entered_at=NOW + 2 * D)
    [moved] = of(rt.sweep([moved_on], NOW + 2 * D, busy()), Rule.STUCK)
    assert isinstance(moved, Close)
    assert moved.reason == "moved_on"


def test_a_stage_named_in_the_playbook_has_its_own_limit() -> None:
    cfg = playbook_cfg("sla:\n  stuck:\n    stages:\n      - {stage: Переговоры, days: 3}\n")
    rt = Runtime(cfg)
    assert kinds(of(rt.sweep([deal(age=3 * D)], NOW, busy()), Rule.STUCK)) == ["Open"]
    other = deal(56, THIRD, age=3 * D)
    assert of(Runtime(cfg).sweep([other], NOW, busy(56)), Rule.STUCK) == []


def test_an_unknown_stage_name_is_a_located_resolve_error() -> None:
    with pytest.raises(PlaybookResolveError) as caught:
        playbook_cfg("sla:\n  stuck:\n    stages:\n      - {stage: Замер, days: 3}\n")
    [problem] = caught.value.problems
    assert problem.startswith("sla.stuck.stages.0: no stage named 'Замер' in pipeline 'Воронка'")
    assert "'Переговоры'" in problem


def test_overdue_pile_of_five_is_one_card_to_the_head_with_redistribute() -> None:
    rt = Runtime()
    deals = [deal(i) for i in range(1, 6)]
    tasks = {i: [task(100 + i, i, due=NOW - i * timedelta(hours=1))] for i in range(1, 6)}
    four = {k: v for k, v in tasks.items() if k != 5}
    assert of(rt.sweep(deals, NOW, four), Rule.OVERDUE_PILE) == []
    [card] = of(rt.sweep(deals, NOW, tasks), Rule.OVERDUE_PILE)
    assert isinstance(card, Open)
    assert card.audience == HEAD
    facts = dict(card.facts)
    assert (facts["manager"], facts["count"], facts["budget"]) == (ANNA, 5, 5000.0)
    assert facts["task_ids"] == (105, 104, 103, 102, 101)  # the oldest first
    assert [b.action for b in card.buttons][:2] == ["redistribute", "remind"]
    assert of(rt.sweep(deals, NOW + timedelta(minutes=5), tasks), Rule.OVERDUE_PILE) == []
    [closed] = of(rt.sweep(deals, NOW, four), Rule.OVERDUE_PILE)
    assert isinstance(closed, Close)


def test_redistribute_spreads_tasks_among_on_shift_teammates() -> None:
    tasks = [task(i, due=NOW - i * timedelta(hours=1)) for i in range(1, 5)]
    moves = redistribute(tasks, ANNA, STAFF, {BORIS: 1}, NOW)
    assert moves == [(4, VERA), (3, BORIS), (2, VERA), (1, BORIS)]
    night = NOW + timedelta(hours=14)
    assert redistribute(tasks, ANNA, STAFF, {}, night) == []


def test_deal_moved_out_of_won_is_put_back_and_the_head_told_who_did_it() -> None:
    rt = Runtime()
    reopened = deal(status=SECOND, reopened_from=142, reopened_by=BORIS)
    actions = rt.sweep([reopened], NOW, busy())
    assert actions[0] == RevertStage(55, 1, 142, BORIS)
    [card] = of(actions, Rule.CLOSED_STAGE)
    assert isinstance(card, Open)
    assert card.audience == HEAD
    assert (dict(card.facts)["moved_by"], dict(card.facts)["from_stage"]) == (BORIS, "Успешно")
    assert rt.sweep([reopened], NOW + timedelta(minutes=1), busy()) == []  # reverted once
    [closed] = rt.sweep([later(reopened, status_id=142)], NOW + timedelta(minutes=2))
    assert isinstance(closed, Close)
    assert closed.reason == "reverted"


def test_guard_without_revert_only_tells_the_head() -> None:
    rt = Runtime(playbook_cfg("guards:\n  closed_stage:\n    revert: false\n"))
    actions = rt.sweep([deal(reopened_from=143, reopened_by=BORIS)], NOW, busy())
    assert kinds(actions) == ["Open"]
    assert [b.action for b in actions[0].buttons][:1] == ["revert"]  # type: ignore[union-attr]


def test_task_due_on_a_day_off_moves_to_the_next_working_day() -> None:
    saturday = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)  # 15:00 Moscow
    actions = Runtime().sweep([deal()], NOW, {55: [task(1, due=saturday)]})
    [move] = [a for a in actions if isinstance(a, MoveTaskToWorkingDay)]
    assert move.new_due == datetime(2026, 3, 9, 12, 0, tzinfo=UTC)  # Monday 15:00 Moscow


def test_off_more_than_two_days_asks_the_head_to_hand_the_task_over() -> None:
    vacation = Schedule.model_validate(
        {"timezone": "Europe/Moscow", "days_off": ["2026-03-09", "2026-03-10"]}
    )
    rt = Runtime(staff=team(anna=vacation))
    saturday = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)  # Sat, Sun, Mon, Tue off: 4 days
    actions = rt.sweep([deal()], NOW, {55: [task(1, due=saturday)]})
    assert not [a for a in actions if isinstance(a, MoveTaskToWorkingDay)]
    [card] = of(actions, Rule.HANDOVER)
    assert isinstance(card, Open)
    assert card.audience == HEAD
    assert dict(card.facts)["days_off"] == 4
    targets = [dict(b.args)["to"] for b in card.buttons if b.action == "handover"]
    assert targets == [BORIS, VERA]
    [done] = rt.sweep([deal()], NOW, {55: [task(2, due=FUTURE)]})
    assert isinstance(done, Close)
