"""Date rules: the installment countdown (story 000) and the comeback invitation (story 003)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from nextstep.bot.engine.effects import CreateTask, Person, RunSalesbot
from nextstep.bot.engine.rules.dates import as_moment
from nextstep.bot.engine.rules.effects import (
    CancelTimer,
    Remember,
    ScheduleTimer,
    Tell,
    TellKind,
)
from nextstep.bot.engine.rules.events import FieldsChanged, StageChanged, TimerDue
from nextstep.bot.engine.rules.facts import ClientDeal, DealFacts, RuleState
from nextstep.bot.engine.state import Context
from nextstep.crm_client.models import LOST_STATUS_ID
from tests.unit.playbooks.businesses import ONLINE_SCHOOL, QUEST_ROOMS
from tests.unit.rules.rules_world import CTX, MANAGER, at, facts, run

RP = ONLINE_SCHOOL.resolved()
PAY = "installment_payment"


def student(pay_date: object = "2026-03-20", **fields: object) -> DealFacts:
    values = {"Рассрочка": "да", "Дата следующего платежа": pay_date, **fields}
    return facts(ONLINE_SCHOOL, "Сопровождение", "Обучение", fields=values, name="Иван Петров")


def key(offset: str, day: str = "2026-03-20") -> str:
    return f"date:{PAY}:{offset}:{day}"


def utc(day: int, hour: int, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


def scheduled(deal: DealFacts, ctx: Context = CTX) -> list[ScheduleTimer]:
    return [t for t in run(FieldsChanged(), deal, RP, ctx).of(ScheduleTimer) if PAY in t.key]


def test_three_days_one_day_and_on_the_day_at_ten_moscow() -> None:
    assert scheduled(student()) == [
        ScheduleTimer(key("-3d"), utc(17, 7)),
        ScheduleTimer(key("-1d"), utc(19, 7)),
        ScheduleTimer(key("0d"), utc(20, 7)),
    ]


def test_amocrm_unix_dates_and_russian_dates_are_read() -> None:
    unix = int(datetime(2026, 3, 20, 0, 0, tzinfo=UTC).timestamp())
    assert next(t.due for t in scheduled(student(unix))) == utc(17, 7)
    assert scheduled(student("20.03.2026")) == scheduled(student())
    assert as_moment("не дата", UTC) is None


def test_a_reminder_fires_once_with_a_task_and_a_card_to_the_account_manager() -> None:
    deal = student()
    decision = run(TimerDue(key("-3d")), deal, RP, at(utc(17, 7)))
    assert decision.of(Remember) == [Remember(key("-3d"))]
    (task,) = decision.of(CreateTask)
    assert task.text.template == "Напомнить об оплате рассрочки ({date})"
    assert task.responsible_user_id == MANAGER
    assert task.due == utc(17, 11)
    (told,) = decision.of(Tell)
    assert told.audience == Person(MANAGER)
    assert told.kind is TellKind.DATE_REMINDER
    fired = replace(deal, state=RuleState(done=frozenset({key("-3d")})))
    assert run(TimerDue(key("-3d")), fired, RP, at(utc(17, 7))).effects == ()
    assert key("-3d") not in {t.key for t in scheduled(fired)}


def test_a_changed_date_cancels_the_old_reminders_and_plans_new_ones() -> None:
    old = {key(o): d for o, d in (("-3d", utc(17, 7)), ("-1d", utc(19, 7)), ("0d", utc(20, 7)))}
    moved = replace(student("2026-03-25"), state=RuleState(timers=old))
    decision = run(FieldsChanged(), moved, RP)
    assert sorted(c.key for c in decision.of(CancelTimer)) == sorted(old)
    assert [t.key for t in decision.of(ScheduleTimer) if PAY in t.key] == [
        key("-3d", "2026-03-25"),
        key("-1d", "2026-03-25"),
        key("0d", "2026-03-25"),
    ]
    # An old timer that still comes due does nothing.
    assert run(TimerDue(key("-3d")), moved, RP, at(utc(17, 7))).effects == ()


def test_unchanged_plans_are_left_alone() -> None:
    planned = {t.key: t.due for t in scheduled(student())}
    deal = replace(student(), state=RuleState(timers=planned))
    assert scheduled(deal) == []
    assert run(FieldsChanged(), deal, RP).of(CancelTimer) == []


def test_a_reminder_whose_day_has_passed_is_dropped_and_today_s_fires_now() -> None:
    now = utc(19, 9)  # 12:00 in Moscow on the day before the payment
    assert scheduled(student(), at(now)) == [
        ScheduleTimer(key("-1d"), now),
        ScheduleTimer(key("0d"), utc(20, 7)),
    ]


def test_no_installment_or_no_date_no_reminders() -> None:
    assert scheduled(student(**{"Рассрочка": ""})) == []
    assert scheduled(student(None)) == []


def test_a_lost_student_gets_no_reminders_and_planned_ones_are_cancelled() -> None:
    planned = {t.key: t.due for t in scheduled(student())}
    lost = replace(
        student(),
        view=replace(student().view, status_id=LOST_STATUS_ID),
        state=RuleState(timers=planned),
    )
    decision = run(
        StageChanged(lost.view.pipeline_id, ONLINE_SCHOOL.stage("Сопровождение", "Обучение")),
        lost,
        RP,
    )
    assert sorted(c.key for c in decision.of(CancelTimer)) == sorted(planned)
    assert decision.of(ScheduleTimer) == []


QR = QUEST_ROOMS.resolved()
GAME = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
COMEBACK = "date:comeback_invite:+2mo:2026-01-10"


def played(*others: ClientDeal) -> DealFacts:
    return facts(
        QUEST_ROOMS,
        "Бронирования",
        "Игра проведена",
        fields={"Дата игры": "2026-01-10", "Локация": "Лофт"},
        created_at=GAME - timedelta(days=5),
        client_deals=others,
    )


def test_two_months_after_the_game_the_client_is_invited() -> None:
    planned = run(FieldsChanged(), played(), QR, at(GAME)).of(ScheduleTimer)
    assert ScheduleTimer(COMEBACK, datetime(2026, 3, 10, 9, 0, tzinfo=UTC)) in planned
    decision = run(TimerDue(COMEBACK), played(), QR, at(datetime(2026, 3, 10, 9, tzinfo=UTC)))
    assert decision.of(RunSalesbot) == [RunSalesbot(202)]
    assert [t.text.template for t in decision.of(CreateTask)] == [
        "Пригласить на повторную игру: {deal}"
    ]
    assert decision.of(Remember) == [Remember(COMEBACK)]


def test_no_invitation_when_the_client_already_booked_again() -> None:
    newer = ClientDeal(id=77, created_at=datetime(2026, 2, 1, tzinfo=UTC))
    decision = run(TimerDue(COMEBACK), played(newer), QR, at(datetime(2026, 3, 10, 9, tzinfo=UTC)))
    assert decision.effects == (Remember(COMEBACK),)
    older = ClientDeal(id=12, created_at=datetime(2025, 6, 1, tzinfo=UTC))
    invited = run(TimerDue(COMEBACK), played(older), QR, at(datetime(2026, 3, 10, 9, tzinfo=UTC)))
    assert invited.of(RunSalesbot) == [RunSalesbot(202)]
    lost = ClientDeal(id=78, created_at=datetime(2026, 2, 1, tzinfo=UTC), status_id=143)
    invited = run(TimerDue(COMEBACK), played(lost), QR, at(datetime(2026, 3, 10, 9, tzinfo=UTC)))
    assert invited.of(RunSalesbot) == [RunSalesbot(202)]  # a newer enquiry lost: still invited
