"""Hand-offs on the design studio's account: estimators get the fields, managers fill the gaps."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from pydantic import ValidationError

from nextstep.bot.engine.effects import (
    AddNote,
    CardKind,
    CompleteTask,
    CreateTask,
    MoveStage,
    NotifyCard,
    Person,
    Role,
)
from nextstep.bot.engine.rules.effects import (
    AskFields,
    CancelTimer,
    CreateRuleTask,
    HandOff,
    RuleRejectReason,
    ScheduleTimer,
    SetHandoff,
    Tell,
    TellKind,
)
from nextstep.bot.engine.rules.events import (
    FieldsChanged,
    HandoffAccept,
    HandoffNeedInfo,
    HandoffReady,
    HandoffReply,
    StageChanged,
    TaskCompleted,
    TimerDue,
)
from nextstep.bot.engine.rules.facts import DealFacts, HandoffState, HandoffStatus, RuleState
from nextstep.bot.engine.state import OpenTask
from nextstep.bot.playbook.resolved import StagePlace
from nextstep.bot.playbook.sections.handoffs import Handoff, Pick
from tests.unit.playbooks.businesses import DESIGN_STUDIO, QUEST_ROOMS
from tests.unit.rules.rules_world import CTX, ESTIMATOR, MANAGER, NOW, facts, run

RP = DESIGN_STUDIO.resolved()
D = DESIGN_STUDIO
MEETING = D.stage("Дизайн", "Встреча/замер")
READY_STAGE = D.stage("Дизайн", "Дизайн-проект готов")
ESTIMATE = D.stage("Дизайн", "Смета")
FULL = {
    "Площадь, м²": 84,
    "Адрес объекта": "Пресненская наб., 8",
    "Ссылка на дизайн-проект": "https://disk.example/p/1",
    "Комментарий менеджера": "Клиент хочет уложиться в срок до лета",
}
ESTIMATOR_TASK = 7001


def moved_in(fields: dict[str, object], price: float = 3_500_000.0) -> DealFacts:
    return facts(D, "Дизайн", "Дизайн-проект готов", fields=fields, price=price)


def entered(from_status: int = MEETING) -> StageChanged:
    return StageChanged(D.pipe("Дизайн").id, from_status)


def with_state(deal: DealFacts, state: HandoffState, **more: object) -> DealFacts:
    return replace(deal, state=RuleState(handoffs={"estimate_design": state}), **more)  # type: ignore[arg-type]


def test_missing_required_fields_keep_the_deal_before_the_stage_and_ask_the_manager() -> None:
    deal = moved_in({"Адрес объекта": "Пресненская наб., 8"}, price=0)
    decision = run(entered(), deal, RP)
    assert decision.of(HandOff) == []
    assert decision.of(MoveStage) == [MoveStage(D.pipe("Дизайн").id, MEETING)]
    assert decision.of(AskFields) == [
        AskFields(
            "estimate_design",
            Person(MANAGER),
            ("Площадь, м²", "Бюджет", "Ссылка на дизайн-проект"),
            held=True,
        )
    ]
    (state,) = decision.of(SetHandoff)
    assert state.state.status is HandoffStatus.WAITING_FIELDS
    assert state.state.held_at == StagePlace(D.pipe("Дизайн").id, READY_STAGE)


def test_with_every_field_every_estimator_gets_the_card() -> None:
    decision = run(entered(), moved_in(FULL), RP)
    (card,) = decision.of(HandOff)
    assert card.audience == Role("estimator")
    assert card.pick is Pick.ALL
    lines = {line.title: line.value for line in card.fields}
    assert lines == {
        "Площадь, м²": 84,
        "Адрес объекта": "Пресненская наб., 8",
        "Бюджет": 3_500_000.0,
        "Ссылка на дизайн-проект": "https://disk.example/p/1",
        "Комментарий менеджера": "Клиент хочет уложиться в срок до лета",
    }
    assert decision.of(MoveStage) == []
    assert decision.of(ScheduleTimer) == [
        ScheduleTimer("handoff:estimate_design:accept", NOW + timedelta(minutes=30))
    ]
    assert decision.of(SetHandoff)[0].state.status is HandoffStatus.SENT
    assert len(decision.of(AddNote)) == 1  # the hand-off is in the deal's history


def test_an_optional_field_may_stay_empty() -> None:
    fields = {k: v for k, v in FULL.items() if k != "Комментарий менеджера"}
    (card,) = run(entered(), moved_in(fields), RP).of(HandOff)
    assert [line.value for line in card.fields if not line.required] == [None]


def test_jumping_past_the_stage_without_the_fields_is_put_back() -> None:
    deal = facts(D, "Дизайн", "Смета", fields={}, price=0)
    decision = run(entered(), deal, RP)
    assert decision.of(MoveStage) == [MoveStage(D.pipe("Дизайн").id, MEETING)]
    assert decision.of(AskFields)[0].held


def test_other_pipelines_and_stages_hand_nothing_off() -> None:
    deal = facts(D, "Дизайн", "Квалификация", fields=FULL)
    assert run(entered(D.stage("Дизайн", "Взят в работу")), deal, RP).effects == ()


def test_once_the_fields_are_filled_the_deal_returns_and_the_hand_off_goes() -> None:
    waiting = HandoffState(
        HandoffStatus.WAITING_FIELDS, held_at=StagePlace(D.pipe("Дизайн").id, READY_STAGE)
    )
    deal = with_state(facts(D, "Дизайн", "Встреча/замер", fields=FULL, price=1.0), waiting)
    decision = run(FieldsChanged(), deal, RP)
    assert decision.of(MoveStage) == [MoveStage(D.pipe("Дизайн").id, READY_STAGE)]
    assert len(decision.of(HandOff)) == 1
    still_missing = with_state(facts(D, "Дизайн", "Встреча/замер", fields={}), waiting)
    assert run(FieldsChanged(), still_missing, RP).effects == ()


def test_an_open_hand_off_is_not_sent_twice() -> None:
    deal = with_state(moved_in(FULL), HandoffState(HandoffStatus.SENT, sent_at=NOW))
    assert run(entered(), deal, RP).of(HandOff) == []


def sent() -> DealFacts:
    return with_state(moved_in(FULL), HandoffState(HandoffStatus.SENT, sent_at=NOW))


def test_accept_gives_the_estimator_a_task_and_tells_the_manager_who() -> None:
    decision = run(HandoffAccept("estimate_design", ESTIMATOR, "Ольга"), sent(), RP)
    (task,) = decision.of(CreateRuleTask)
    assert task.responsible_user_id == ESTIMATOR
    assert task.tag == "handoff:estimate_design"
    assert task.due == NOW + timedelta(days=1)
    assert task.text.template == "Составить смету: {deal}"
    (told,) = decision.of(Tell)
    assert told.audience == Person(MANAGER)
    assert told.kind is TellKind.HANDOFF_ACCEPTED
    assert told.text.params_dict()["who"] == "Ольга"
    assert decision.of(CancelTimer) == [CancelTimer("handoff:estimate_design:accept")]
    state = decision.of(SetHandoff)[0].state
    assert (state.status, state.accepted_by) == (HandoffStatus.ACCEPTED, ESTIMATOR)


def test_a_second_accept_is_refused_naming_who_took_it() -> None:
    taken = HandoffState(HandoffStatus.ACCEPTED, accepted_by=ESTIMATOR, accepted_name="Ольга")
    decision = run(
        HandoffAccept("estimate_design", 32, "Пётр"), with_state(moved_in(FULL), taken), RP
    )
    assert decision.rejected is not None
    assert decision.rejected.reason_key is RuleRejectReason.HANDOFF_TAKEN
    assert decision.rejected.detail == "Ольга"


def test_need_info_writes_a_note_and_the_manager_can_reply() -> None:
    decision = run(
        HandoffNeedInfo("estimate_design", ESTIMATOR, "  Какая высота потолков?  ", "Ольга"),
        sent(),
        RP,
    )
    (note,) = decision.of(AddNote)
    assert note.text.params_dict()["question"] == "Какая высота потолков?"
    (told,) = decision.of(Tell)
    assert told.kind is TellKind.HANDOFF_QUESTION
    assert told.audience == Person(MANAGER)
    assert (told.reply_handoff, told.reply_to_user_id) == ("estimate_design", ESTIMATOR)
    reply = run(HandoffReply("estimate_design", ESTIMATOR, "2,9 м", "Анна"), sent(), RP)
    assert reply.of(Tell)[0].audience == Person(ESTIMATOR)
    assert len(reply.of(AddNote)) == 1
    empty = run(HandoffNeedInfo("estimate_design", ESTIMATOR, "   "), sent(), RP)
    assert empty.rejected is not None
    assert empty.rejected.reason_key is RuleRejectReason.EMPTY_TEXT


def test_estimate_ready_moves_the_deal_on_and_gives_the_manager_a_call_card() -> None:
    accepted = HandoffState(
        HandoffStatus.ACCEPTED,
        accepted_by=ESTIMATOR,
        accepted_name="Ольга",
        task_id=ESTIMATOR_TASK,
    )
    deal = with_state(
        moved_in(FULL),
        accepted,
        view=replace(moved_in(FULL).view, open_tasks=(OpenTask(ESTIMATOR_TASK, NOW),)),
    )
    decision = run(HandoffReady("estimate_design", ESTIMATOR, "Ольга"), deal, RP)
    (done,) = decision.of(CompleteTask)
    assert done.task_id == ESTIMATOR_TASK
    assert done.result_text.template == "Смета готова"
    assert decision.of(MoveStage) == [MoveStage(D.pipe("Дизайн").id, ESTIMATE)]
    (call,) = decision.of(CreateTask)
    assert call.responsible_user_id == MANAGER
    assert call.due == NOW + timedelta(hours=2)
    assert [c.card for c in decision.of(NotifyCard)] == [CardKind.CALL_TASK]
    assert [t.kind for t in decision.of(Tell)] == [TellKind.HANDOFF_READY]
    assert decision.of(SetHandoff)[0].state.status is HandoffStatus.DONE


def test_ready_before_anyone_accepted_is_refused() -> None:
    decision = run(HandoffReady("estimate_design", ESTIMATOR), sent(), RP)
    assert decision.rejected is not None
    assert decision.rejected.reason_key is RuleRejectReason.HANDOFF_NOT_ACCEPTED


def test_buttons_of_a_finished_or_unknown_hand_off_are_refused() -> None:
    done = with_state(moved_in(FULL), HandoffState(HandoffStatus.DONE))
    refused = run(HandoffAccept("estimate_design", ESTIMATOR), done, RP).rejected
    assert refused is not None
    assert refused.reason_key is RuleRejectReason.HANDOFF_NOT_OPEN
    unknown = run(HandoffAccept("nope", ESTIMATOR), sent(), RP).rejected
    assert unknown is not None
    assert unknown.reason_key is RuleRejectReason.HANDOFF_UNKNOWN


def test_an_unaccepted_hand_off_escalates_to_the_head() -> None:
    decision = run(TimerDue("handoff:estimate_design:accept"), sent(), RP)
    (told,) = decision.of(Tell)
    assert told.audience == Role("head")
    assert told.kind is TellKind.HANDOFF_ESCALATION
    accepted = with_state(
        moved_in(FULL), HandoffState(HandoffStatus.ACCEPTED, accepted_by=ESTIMATOR)
    )
    assert run(TimerDue("handoff:estimate_design:accept"), accepted, RP).effects == ()


def test_a_task_result_hands_a_renovation_to_one_estimator() -> None:
    fields = {"Площадь, м²": 60, "Адрес объекта": "Тверская, 1", "Ссылка на замер": "https://x/1"}
    deal = facts(D, "Ремонт", "Встреча/замер", fields=fields)
    decision = run(TaskCompleted(1, result_text="Замер выполнен, всё ок"), deal, RP)
    (card,) = decision.of(HandOff)
    assert card.handoff == "estimate_renovation"
    assert card.pick is Pick.ONE
    missing = facts(D, "Ремонт", "Встреча/замер", fields={"Площадь, м²": 60})
    asked = run(TaskCompleted(1, result_text="Замер выполнен"), missing, RP)
    assert asked.of(MoveStage) == []
    assert not asked.of(AskFields)[0].held
    other = run(TaskCompleted(1, result_text="Клиент перенёс встречу"), deal, RP)
    assert other.effects == ()


def test_a_booking_goes_to_the_administrators_of_its_location_only() -> None:
    rp = QUEST_ROOMS.resolved()
    fields = {
        "Дата игры": "2026-03-14",
        "Время игры": "19:00",
        "Локация": "Лофт на Чистых прудах",
        "Программа": "Шерлок",
    }
    deal = facts(QUEST_ROOMS, "Бронирования", "Бронь получена", fields=fields)
    event = StageChanged(
        QUEST_ROOMS.pipe("Бронирования").id, QUEST_ROOMS.stage("Бронирования", "В работе")
    )
    (card,) = run(event, deal, rp).of(HandOff)
    assert card.audience == Role("location_admin")
    assert card.group == "Лофт на Чистых прудах"
    assert CTX.now == NOW


def test_groups_name_the_people_of_each_value_of_group_by() -> None:
    spec = {
        "name": "location_admin",
        "title": "Новая бронь",
        "when": {"stage": {"stage": "Бронь получена"}},
        "to": "location_admin",
        "group_by": "Локация",
        "groups": {"Лофт": [1061], "Центр": [1062, 1063]},
    }
    rule = Handoff.model_validate(spec)
    assert rule.group_members(" центр ") == frozenset({1062, 1063})
    assert rule.group_members("Сити") is None  # not listed: the whole role
    assert rule.group_members(None) is None
    no_field = {k: v for k, v in spec.items() if k != "group_by"}
    with pytest.raises(ValidationError, match="give `group_by` too"):
        Handoff.model_validate(no_field)
