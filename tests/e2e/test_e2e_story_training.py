"""Story 004 end to end (bot + sandbox CRM + Telegram emulator over HTTP): the training center's
chain of linked deals, played by `nextstep demo --playbook training-center`'s own script."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from nextstep.bot.demo.cli import play
from nextstep.bot.demo.harness import DemoWorld
from nextstep.bot.demo.script import Summary
from nextstep.bot.demo.story_training import training_center_chain
from nextstep.sandbox.crm import WON_STATUS_ID, Lead
from tests.e2e.e2e_world import notes_of, world_for

INVOICE = "Выставить счёт и проконтролировать оплату: ООО «Вектор»"


@pytest.fixture
async def played() -> AsyncIterator[tuple[DemoWorld, Summary]]:
    async with world_for("training-center") as world:
        yield world, await training_center_chain(world)


def deal_titled(summary: Summary, world: DemoWorld, title: str) -> Lead:
    (deal,) = [d for d, t in summary.deals.items() if t == title]
    return world.state.leads[deal]


def pipeline(world: DemoWorld, lead: Lead) -> str:
    return world.state.pipelines[lead.pipeline_id].name


def fields(world: DemoWorld, lead: Lead) -> dict[str, Any]:
    return {
        world.state.custom_fields[f].name: v[0]["value"] for f, v in lead.custom_fields.items()
    }


def tasks_of(world: DemoWorld, lead: Lead) -> list[tuple[str, int]]:
    return [
        (t.text, t.responsible_user_id)
        for t in world.state.tasks.values()
        if t.entity_id == lead.id
    ]


async def test_the_demo_plays_the_training_centers_chain(capsys: pytest.CaptureFixture[str]):
    assert await play("training-center") == 0
    out = capsys.readouterr().out
    assert "Нина Кравцова (accountant)" in out
    assert "Игорь Белов (trainer)" in out
    assert "🔗 Новая сделка для вас: «Оплата: ООО «Вектор»»" in out
    assert "CRM ← POST /api/v4/leads [" in out
    assert "ООО «Вектор», повторная продажа: Новая" in out


async def test_prepayment_money_then_training_then_repeat_sale(played) -> None:
    world, summary = played
    nina, igor = world.by_role("accountant")[0], world.by_role("trainer")[0]
    olga = world.by_role("manager")[0]
    sale = deal_titled(summary, world, "ООО «Вектор», продажа")
    money = deal_titled(summary, world, "ООО «Вектор», деньги")
    training = deal_titled(summary, world, "ООО «Вектор», обучение")
    repeat = deal_titled(summary, world, "ООО «Вектор», повторная продажа")

    # The won sale → a Money deal for the accountant, the contract's fields carried over.
    assert sale.status_id == WON_STATUS_ID
    assert (pipeline(world, money), money.responsible_user_id) == ("Деньги", nina.crm_user_id)
    assert money.price == sale.price
    carried = fields(world, money)
    assert carried["ИНН"] == "7701234567"
    assert carried["Номер договора"] == "ОТ-2026/114"
    assert carried["Количество слушателей"] == 12
    assert carried["Вид платежа"] == "Полная оплата"
    assert (INVOICE, nina.crm_user_id) in tasks_of(world, money)
    assert any(f"#{money.id}" in str(n.params.get("text")) for n in notes_of(world, sale.id))
    card = await world.emu.wait_for_message(nina.telegram_id, "Оплата: ООО «Вектор»")
    assert INVOICE in card.body

    # The Money deal won (paid) → Training for the trainer, without the sum.
    assert (pipeline(world, training), training.responsible_user_id) == (
        "Обучение",
        igor.crm_user_id,
    )
    assert training.price == 0
    assert training.name == "Обучение: ООО «Вектор»"  # the client's name, not the Money deal's
    assert fields(world, training)["Программа обучения"] == "Охрана труда для руководителей"
    await world.emu.wait_for_message(igor.telegram_id, "Сформировать группу и выдать доступы")

    # Training closed → a Repeat sale for the manager, on her «take into work» card.
    assert (pipeline(world, repeat), repeat.responsible_user_id) == (
        "Повторные продажи",
        olga.crm_user_id,
    )
    assert any(
        text.startswith("Предложить следующее обучение") for text, _ in tasks_of(world, repeat)
    )
    assert repeat.name == "Повторная продажа: ООО «Вектор»"
    new_card = await world.emu.wait_for_message(olga.telegram_id, "🆕 Новая сделка «Повторная")
    assert "🚀 Взять в работу" in new_card.button_texts
    # …and no second message about the same deal: the call process announced it.
    assert not [m for m in world.bot_messages(olga) if "🔗" in m.body]


async def test_postpayment_and_advance_start_their_deals_together(played) -> None:
    world, summary = played
    nina, igor = world.by_role("accountant")[0], world.by_role("trainer")[0]
    granite = {pipeline(world, deal_titled(summary, world, t)): deal_titled(summary, world, t)
               for t in ("ООО «Гранит», деньги", "ООО «Гранит», обучение")}  # fmt: skip
    assert granite["Деньги"].responsible_user_id == nina.crm_user_id
    assert granite["Обучение"].responsible_user_id == igor.crm_user_id
    assert fields(world, granite["Деньги"])["Тип оплаты"] == "Постоплата"

    north = deal_titled(summary, world, "АО «Север», продажа")
    advance = deal_titled(summary, world, "АО «Север», аванс")
    assert fields(world, advance)["Вид платежа"] == "Аванс"
    rest = deal_titled(summary, world, "АО «Север», деньги")
    assert fields(world, rest)["Вид платежа"] == "Остаток"
    # The budget is split as the CRM received it: the advance, then the contract minus it.
    assert north.price == 180_000
    assert (advance.price, rest.price) == (70_000, 110_000)
    assert fields(world, advance)["Сумма аванса"] == 70_000
    assert fields(world, rest)["Сумма договора"] == 180_000
    assert rest.responsible_user_id == advance.responsible_user_id == nina.crm_user_id
    north_training = deal_titled(summary, world, "АО «Север», обучение")
    assert north_training.responsible_user_id == igor.crm_user_id
    chat = [m.body for m in world.bot_messages(nina)]
    assert sum("🔗 Новая сделка для вас:" in body for body in chat) == 4  # full ×2, advance, rest
