"""Each story's day, replayed through its shipped playbook by the dry run (`simulate`): the
CRM events of a day on an account shaped like the business, and what the playbook would do."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from itertools import count

from nextstep.bot.playbook.simulate import Action, SimulationReport, format_report, simulate
from nextstep.crm_client.models import (
    LOST_STATUS_ID,
    WON_STATUS_ID,
    CrmEvent,
    CrmEventType,
    CustomFieldValue,
    Deal,
    Task,
)
from tests.unit.playbooks.businesses import (
    COURSES_KOMMO,
    DESIGN_STUDIO,
    ONLINE_SCHOOL,
    QUEST_ROOMS,
    TRAINING_CENTER,
    Business,
)

DAY = datetime(2026, 3, 16, 6, 0, tzinfo=UTC)  # 09:00 in Moscow
EVENT_IDS = count(1)


def deal(
    biz: Business,
    deal_id: int,
    pipeline: str,
    status: int,
    fields: Mapping[str, object] | None = None,
    *,
    price: float = 100_000,
    loss_reason: str | None = None,
) -> Deal:
    return Deal(
        id=deal_id,
        name=f"Сделка {deal_id}",
        price=price,
        pipeline_id=biz.pipe(pipeline).id,
        status_id=status,
        responsible_user_id=7,
        created_at=DAY - timedelta(days=20),
        updated_at=DAY,
        loss_reason_id=biz.reason(loss_reason) if loss_reason else None,
        custom_fields=tuple(
            CustomFieldValue(field_id=i, field_name=k, values=(v,))
            for i, (k, v) in enumerate((fields or {}).items(), 1)
        ),
    )


def moved(d: Deal, minutes: int, old: int, new: int) -> CrmEvent:
    return CrmEvent(
        type=CrmEventType.DEAL_STATUS_CHANGED,
        entity="lead",
        entity_id=d.id,
        event_id=str(next(EVENT_IDS)),
        occurred_at=DAY + timedelta(minutes=minutes),
        pipeline_id=d.pipeline_id,
        status_id=new,
        old_status_id=old,
    )


def happened(kind: CrmEventType, entity: str, entity_id: int, minutes: int) -> CrmEvent:
    return CrmEvent(
        type=kind,
        entity=entity,
        entity_id=entity_id,
        event_id=str(next(EVENT_IDS)),
        occurred_at=DAY + timedelta(minutes=minutes),
    )


def replay(
    biz: Business,
    events: list[CrmEvent],
    deals: list[Deal],
    tasks: Mapping[int, Task] | None = None,
    timezone: str = "Europe/Moscow",
) -> SimulationReport:
    return simulate(
        events,
        {d.id: d for d in deals},
        biz.resolved(),
        since=DAY,
        until=DAY + timedelta(days=7),
        tasks=tasks,
        timezone=timezone,
    )


def test_design_studio_day() -> None:
    d = DESIGN_STUDIO
    full = {
        "Площадь, м²": 84,
        "Адрес объекта": "Пресненская наб., 8",
        "Ссылка на дизайн-проект": "https://disk.example/p/1",
    }
    new = deal(d, 1, "Дизайн", d.stage("Дизайн", "Новая заявка"))
    ready = deal(d, 2, "Дизайн", d.stage("Дизайн", "Дизайн-проект готов"), full)
    unfilled = deal(d, 3, "Дизайн", d.stage("Дизайн", "Дизайн-проект готов"), price=0)
    measured = deal(
        d,
        4,
        "Ремонт",
        d.stage("Ремонт", "Встреча/замер"),
        {**full, "Ссылка на замер": "https://x"},
    )
    meeting = Task(
        id=40,
        text="Замер на объекте",
        task_type_id=2,
        entity_id=4,
        responsible_user_id=7,
        complete_till=DAY,
        is_completed=True,
        result_text="Замер выполнен",
    )
    before = d.stage("Дизайн", "Встреча/замер")
    events = [
        happened(CrmEventType.DEAL_ADDED, "lead", 1, 5),
        moved(ready, 30, before, ready.status_id),
        moved(unfilled, 40, before, unfilled.status_id),
        happened(CrmEventType.TASK_COMPLETED, "task", 40, 50),
    ]
    report = replay(d, events, [new, ready, unfilled, measured], tasks={40: meeting})
    assert report.counts[Action("hand-off card", "estimate_design")] == 1
    assert report.counts[Action("hand-off card", "estimate_renovation")] == 1
    assert report.counts[Action("ask manager for fields", "estimate_design")] == 1
    assert report.counts[Action("escalation", "estimate_design")] == 1
    assert report.counts[Action("task", "call process")] == 1  # the take-into-work task
    assert report.events_used == 4


def test_online_school_week() -> None:
    s = ONLINE_SCHOOL
    sale = deal(s, 1, "Продажи", WON_STATUS_ID, {"Курс": "Маркетинг"})
    student = deal(
        s,
        2,
        "Сопровождение",
        s.stage("Сопровождение", "Обучение"),
        {"Рассрочка": "да", "Дата следующего платежа": "2026-03-20"},
    )
    events = [
        moved(sale, 10, s.stage("Продажи", "Выставлен счёт"), WON_STATUS_ID),
        happened(CrmEventType.DEAL_UPDATED, "lead", 2, 20),
    ]
    report = replay(s, events, [sale, student])
    assert report.counts[Action("linked deal", "sale_to_support")] == 1
    assert report.counts[Action("task", "installment_payment")] == 3  # −3d, −1d, on the day
    assert report.counts[Action("message (reminder)", "installment_payment")] == 3


def test_courses_lost_deals_are_recycled() -> None:
    c = COURSES_KOMMO
    offer = c.stage("Sales", "Offer sent")
    soon = deal(c, 1, "Sales", LOST_STATUS_ID, {"Course": "SMM"}, loss_reason="Not now")
    later = deal(c, 2, "Sales", LOST_STATUS_ID, loss_reason="Too expensive")
    gone = deal(c, 3, "Sales", LOST_STATUS_ID, loss_reason="Not interested")
    events = [moved(x, 10 + x.id, offer, LOST_STATUS_ID) for x in (soon, later, gone)]
    report = replay(c, events, [soon, later, gone], timezone="UTC")
    assert report.counts[Action("linked deal", "short_term")] == 1
    assert report.counts[Action("linked deal", "long_term")] == 1
    assert report.total("linked deal") == 2


def test_quest_rooms_booking_reaches_the_location() -> None:
    q = QUEST_ROOMS
    fields = {
        "Дата игры": "2026-03-18",
        "Время игры": "19:00",
        "Локация": "Лофт",
        "Программа": "Шерлок",
    }
    booked = deal(q, 1, "Бронирования", q.stage("Бронирования", "Бронь получена"), fields)
    event = moved(booked, 3, q.stage("Бронирования", "В работе"), booked.status_id)
    report = replay(q, [event], [booked])
    assert report.counts[Action("hand-off card", "location_admin")] == 1
    assert report.counts[Action("task", "nps_after_game")] == 1  # the day after the game


def test_training_center_week_of_contracts() -> None:
    t = TRAINING_CENTER
    contract = t.stage("Продажи", "Договор")
    sales = [
        deal(t, i, "Продажи", WON_STATUS_ID, {"Тип оплаты": kind})
        for i, kind in enumerate(["Предоплата", "Постоплата", "Аванс", "Предоплата"], 1)
    ]
    events = [moved(s, 10 * s.id, contract, WON_STATUS_ID) for s in sales]
    report = replay(t, events, sales)
    assert report.counts[Action("linked deal", "prepay_money")] == 2
    assert report.counts[Action("linked deal", "postpay_money")] == 1
    assert report.counts[Action("linked deal", "postpay_training")] == 1
    assert report.counts[Action("linked deal", "advance_money")] == 1
    text = format_report(report)
    assert "5  linked deal" in text
    assert "prepay_money: linked deal" in text
    assert "Nothing was written." in text.splitlines()[0]
    print(text)


def test_an_empty_window_says_so() -> None:
    report = replay(TRAINING_CENTER, [], [])
    assert "would have done nothing" in format_report(report)
