"""Story 004 over HTTP: a won prepaid sale starts its Money deal, fields carried, both linked."""

from __future__ import annotations

from pathlib import Path

from nextstep.sandbox.crm import WON_STATUS_ID
from nextstep.sandbox.crm.seed_stories import seed_training_center
from tests.integration.rules.rules_world import Person, rules_world

MANAGER = 1011
TEAM = (Person("manager", 2011, MANAGER, "manager", "Ольга"),)
CONTRACT = {
    "Тип оплаты": "Предоплата",
    "ИНН": "7701234567",
    "Программа обучения": "Охрана труда для руководителей",
    "Количество слушателей": 12,
    "Номер договора": "ОТ-2026/114",
}


async def test_a_won_prepaid_sale_starts_its_money_deal(db_path: Path) -> None:
    async with rules_world(db_path, seed_training_center, "training-center", TEAM) as world:
        state = world.state
        deal = await world.new_deal("ООО Вектор", "Продажи", "Договор", MANAGER, CONTRACT)
        before = set(state.leads)

        await world.move(deal, "Продажи", "Успешно реализовано")
        await world.until(lambda: set(state.leads) - before, "the Money deal")
        (money_id,) = set(state.leads) - before
        money = state.leads[money_id]
        assert money.pipeline_id == world.info.pipelines["Деньги"]
        assert money.status_id == world.info.stage("Деньги", "Ожидаем оплату")
        assert money.status_id != WON_STATUS_ID
        assert money.name == "Оплата: ООО Вектор"
        assert money.responsible_user_id == MANAGER  # nobody paired as accountant: the seller
        assert money.contact_ids == state.leads[deal].contact_ids
        fields = {state.custom_fields[fid].name: v[0] for fid, v in money.custom_fields.items()}
        assert fields["ИНН"]["value"] == "7701234567"
        assert fields["Количество слушателей"]["value"] == 12
        assert fields["Тип оплаты"]["value"] == "Предоплата"
        assert fields["Вид платежа"]["value"] == "Полная оплата"

        await world.until(lambda: state.open_tasks_of(money_id), "the accountant's task")
        (task,) = state.open_tasks_of(money_id)
        assert task.text == "Выставить счёт и проконтролировать оплату: ООО Вектор"
        assert any(f"#{money_id}" in t for t in world.note_texts(deal))
        assert any(f"#{deal}" in t for t in world.note_texts(money_id))

        # The same win seen again (a resent webhook, the sync) creates nothing more.
        await world.move(deal, "Продажи", "Успешно реализовано")
        await world.drain()
        assert set(state.leads) - before == {money_id}


async def test_an_advance_without_its_amount_takes_the_full_price_and_says_so(
    db_path: Path,
) -> None:
    async with rules_world(db_path, seed_training_center, "training-center", TEAM) as world:
        state = world.state
        sale = {**CONTRACT, "Тип оплаты": "Аванс"}  # «Сумма аванса» left empty
        deal = await world.new_deal("АО Север", "Продажи", "Договор", MANAGER, sale)
        before = set(state.leads)

        await world.move(deal, "Продажи", "Успешно реализовано")
        await world.until(lambda: set(state.leads) - before, "the advance's Money deal")
        (advance_id,) = set(state.leads) - before
        assert state.leads[advance_id].price == state.leads[deal].price == 450_000
        await world.until(lambda: state.open_tasks_of(advance_id), "the accountant's task")
        (task,) = state.open_tasks_of(advance_id)
        warning = (
            "⚠️ Бюджет: в исходной сделке не заполнено поле «Сумма аванса» — поставлена "
            "полная сумма 450\u00a0000 ₽. Проверьте сумму."
        )
        assert task.text == f"Выставить счёт на аванс: АО Север\n{warning}"
        assert warning in world.note_texts(advance_id)
