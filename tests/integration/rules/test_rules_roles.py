"""Playbook roles over HTTP: the admin invites the training center's accountant from the chat
(/invite offers the playbook's roles), she pairs with the link, and the Money deal of a won
sale is hers — in the CRM and as a message in her Telegram. With two accountants the Money
deals go round robin among those on shift."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from nextstep.bot.engine.schedule import Schedule
from nextstep.bot.storage import Repositories
from nextstep.sandbox.crm.seed import ADMIN_ID
from nextstep.sandbox.crm.seed_stories import seed_training_center
from tests.integration.rules.rules_world import Person, RulesWorld, rules_world

MANAGER, ACCOUNTANT, VERA = 1011, 1031, 1032
MOSCOW = ZoneInfo("Europe/Moscow")
NINA_TG = 2031
TEAM = (
    Person("manager", 2011, MANAGER, "manager", "Ольга"),
    Person("admin", 2001, ADMIN_ID, "admin", "Админ"),
)
CONTRACT = {
    "Тип оплаты": "Предоплата",
    "ИНН": "7701234567",
    "Программа обучения": "Охрана труда для руководителей",
    "Количество слушателей": 12,
}


async def test_an_invited_accountant_gets_the_money_deal(db_path: Path) -> None:
    async with rules_world(db_path, seed_training_center, "training-center", TEAM) as world:
        emu, state = world.emu, world.state
        await world.say("admin", "/invite")
        users = await world.message("admin", "Кого пригласить")
        await world.press("admin", "Бухгалтер Нина", users)
        roles = await world.message("admin", "Роль для Бухгалтер Нина")
        labels = roles.button_texts
        assert {"менеджер", "руководитель", "бухгалтер", "тренер"} <= set(labels)
        await world.press("admin", "бухгалтер", roles)
        link = await world.message("admin", "Приглашение для Бухгалтер Нина (бухгалтер)")
        token = link.body.split("?start=", 1)[1].split()[0]

        emu.add_user(NINA_TG, "Нина")
        await emu.user_sends(NINA_TG, f"/start {token}")
        welcome = await emu.wait_for_message(NINA_TG, "Вы подключены к Nextstep как бухгалтер")
        assert "Бухгалтер Нина" in welcome.body

        deal = await world.new_deal("ООО Вектор", "Продажи", "Договор", MANAGER, CONTRACT)
        before = set(state.leads)
        await world.move(deal, "Продажи", "Успешно реализовано")
        await world.until(lambda: set(state.leads) - before, "the Money deal")
        (money_id,) = set(state.leads) - before
        assert state.leads[money_id].responsible_user_id == ACCOUNTANT
        await world.until(lambda: state.open_tasks_of(money_id), "the accountant's task")
        (task,) = state.open_tasks_of(money_id)
        assert task.responsible_user_id == ACCOUNTANT

        card = await emu.wait_for_message(NINA_TG, "Новая сделка для вас")
        assert f"«Оплата: ООО Вектор» (#{money_id}, из сделки #{deal})" in card.body
        assert "Выставить счёт и проконтролировать оплату: ООО Вектор" in card.body
        manager_chat = emu.chat(world.people["manager"].telegram_id or 0)
        assert not any("Новая сделка для вас" in m.body for m in manager_chat)


def next_monday_10(world: RulesWorld) -> timedelta:
    now = datetime.fromtimestamp(world.state.now(), MOSCOW)
    monday = now.date() + timedelta(days=7 - now.weekday())
    return datetime.combine(monday, time(10), MOSCOW) - now


async def win(world: RulesWorld, name: str) -> int:
    """A prepaid sale won; the Money deal's responsible is returned."""
    state = world.state
    deal = await world.new_deal(name, "Продажи", "Договор", MANAGER, CONTRACT)
    before = set(state.leads)
    await world.move(deal, "Продажи", "Успешно реализовано")
    await world.until(lambda: set(state.leads) - before, "the Money deal")
    (money_id,) = set(state.leads) - before
    return state.leads[money_id].responsible_user_id


ACCOUNTANTS = (
    Person("manager", 2011, MANAGER, "manager", "Ольга"),
    Person("nina", 2031, ACCOUNTANT, "accountant", "Нина"),
    Person("vera", 2032, VERA, "accountant", "Вера"),
)


async def test_money_deals_go_round_robin_to_the_accountants_on_shift(db_path: Path) -> None:
    async with rules_world(db_path, seed_training_center, "training-center", ACCOUNTANTS) as w:
        await w.tick(next_monday_10(w))  # a working morning: both on the default schedule
        first = [await win(w, f"ООО Альфа-{i}") for i in range(4)]
        assert sorted(first) == [ACCOUNTANT, ACCOUNTANT, VERA, VERA]
        assert first[0] != first[1]

        afternoons = Schedule.model_validate({"days": ["mon-fri"], "hours": "14:00-18:00"})
        async with w.services.db.transaction() as session:
            spec = afternoons.model_dump(mode="json")
            await Repositories(session).schedules.set(w.people["vera"].id, spec, w.clock())
        assert [await win(w, f"ООО Бета-{i}") for i in range(2)] == [ACCOUNTANT, ACCOUNTANT]
