"""Story 000 over HTTP: the installment countdown fires once and follows a changed date;
NPS buttons on a "collect NPS" task."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from nextstep.bot.i18n import Texts
from nextstep.crm_client.models import CrmEventType
from nextstep.sandbox.crm import Task
from nextstep.sandbox.crm.seed_stories import seed_online_school
from tests.integration.rules.rules_world import Person, RulesWorld, rules_world

MANAGER, HEAD = 1011, 1002
TEAM = (
    Person("manager", 2011, MANAGER, "manager", "Мария", head=HEAD),
    Person("head", 2002, HEAD, "head", "Гера"),
)
DAY = 86_400
MOSCOW = ZoneInfo("Europe/Moscow")
REMINDER = "Напомнить об оплате рассрочки"


@pytest.fixture
async def school(db_path: Path) -> AsyncIterator[RulesWorld]:
    async with rules_world(db_path, seed_online_school, "online-school", TEAM) as world:
        yield world


def reminders(world: RulesWorld, deal: int) -> list[Task]:
    return [t for t in world.state.tasks.values() if t.entity_id == deal and REMINDER in t.text]


async def test_payment_reminder_fires_once_and_follows_the_changed_date(school: RulesWorld):
    world = school
    now = world.state.now()
    fields = {"Курс": "Масштаб", "Рассрочка": True, "Дата следующего платежа": now + 10 * DAY}
    deal = await world.new_deal(
        "Студент Иванов", "Сопровождение", "Рассрочка: ждём платёж", MANAGER, fields
    )
    await world.fill(deal, {"Дата следующего платежа": now + 20 * DAY})  # payment moved

    await world.tick(timedelta(days=8))  # past the old date's −3d: cancelled, nothing
    assert reminders(world, deal) == []

    await world.tick(timedelta(days=9, hours=12))  # past the new date's −3d
    (task,) = reminders(world, deal)
    assert task.responsible_user_id == MANAGER
    await world.message("manager", "📅 Оплата рассрочки: через 3 дня")

    await world.tick(timedelta(hours=1))
    await world.event(CrmEventType.DEAL_UPDATED, deal)  # a change re-plans: still once
    assert len(reminders(world, deal)) == 1


async def nps_task(world: RulesWorld, deal: int) -> int:
    task_id = world.state.next_id("task", 70_001)
    world.state.tasks[task_id] = Task(
        task_id, "Собрать NPS по курсу", world.state.now() + DAY, MANAGER, entity_id=deal
    )
    await world.event(CrmEventType.TASK_ADDED, task_id)
    return task_id


async def test_nps_ten_asks_for_a_review_and_five_tells_the_head(school: RulesWorld) -> None:
    world, state = school, school.state
    happy = await world.new_deal("Студент Петров", "Сопровождение", "Обучение", MANAGER, {})
    task = await nps_task(world, happy)
    card = await world.message("manager", "Собрать NPS по курсу")
    assert card.button_texts == [str(n) for n in range(11)]
    await world.press("manager", "10", card)
    await world.until(lambda: state.tasks[task].is_completed, "the NPS task completed")
    assert state.tasks[task].result_text == "NPS: 10"
    nps_field = world.info.fields["NPS"]
    assert state.leads[happy].custom_fields[nps_field][0]["value"] == 10
    texts = [t.text for t in state.open_tasks_of(happy)]
    assert texts == ["Попросить отзыв о курсе и предложить следующий"]

    sad = await world.new_deal("Студент Сидоров", "Сопровождение", "Обучение", MANAGER, {})
    await nps_task(world, sad)
    card = await world.message("manager", "Студент Сидоров")
    await world.press("manager", "5", card)
    told = await world.message("head", "NPS 5")
    assert "Студент Сидоров" in told.body
    await world.until(lambda: state.open_tasks_of(sad), "the what-went-wrong task")
    assert [t.text for t in state.open_tasks_of(sad)] == ["Узнать, что пошло не так (NPS 5)"]


async def test_the_reminder_names_the_payment_day_not_a_time(school: RulesWorld) -> None:
    world = school
    today = datetime.fromtimestamp(world.state.now(), MOSCOW).date()
    pay_day = date(today.year + 1, 3, 12)
    moment = int(datetime.combine(pay_day, time(0), MOSCOW).timestamp())
    fields = {"Курс": "Масштаб", "Рассрочка": True, "Дата следующего платежа": moment}
    deal = await world.new_deal(
        "Студент Орлов", "Сопровождение", "Рассрочка: ждём платёж", MANAGER, fields
    )
    await world.tick(datetime.combine(pay_day, time(11), MOSCOW) - world.clock.now)

    texts = sorted(t.text for t in reminders(world, deal))
    assert texts == ["Напомнить об оплате рассрочки (12 марта)"] * 3  # −3d, −1d, on the day
    card = await world.message("manager", "📅 Оплата рассрочки")
    assert card.body == "📅 Оплата рассрочки: через 3 дня (12 марта) — сделка «Студент Орлов»"
    assert Texts(world.services.i18n, "en").day(pay_day) == "12 March"
