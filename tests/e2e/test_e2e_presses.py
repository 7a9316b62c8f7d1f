"""Presses that must not do what they seem to ask: strangers, forged data, someone else's card,
the same button twice, a task already closed in the CRM."""

from __future__ import annotations

import asyncio

import pytest

from nextstep.bot.demo.harness import DemoWorld
from tests.e2e.e2e_world import (
    NO_ANSWER,
    TAKE,
    lead_for,
    maria,
    notes_of,
    stage,
    taken_with_call_card,
    the_open_task,
)

STRANGER = 999_001


async def test_an_unpaired_user_gets_one_clear_message(world: DemoWorld) -> None:
    world.emu.add_user(STRANGER, "Пётр")
    await world.emu.user_sends(STRANGER, "/today")
    await world.settle()
    await world.emu.user_sends(STRANGER, "Привет")
    await world.settle()
    replies = [m for m in world.emu.chat(STRANGER) if m.from_bot]
    assert len(replies) == 2
    assert all("не подключены" in m.body for m in replies)
    assert world.mark() == 0


@pytest.mark.parametrize("data", ["c:doesnotexist", "take:20000001", "c:"])
async def test_forged_callback_data_is_refused_and_nothing_written(
    world: DemoWorld, data: str
) -> None:
    manager = maria(world)
    deal = await lead_for(world, manager)
    mark = world.mark()
    answer = await world.press_data(manager, data)
    assert answer is not None
    assert answer.show_alert
    assert answer.text
    assert world.writes_since(mark) == []
    assert stage(world, deal) == "Новая заявка"


async def test_a_press_by_another_manager_is_refused(world: DemoWorld) -> None:
    manager, other = maria(world), world.person("smirnov")
    deal = await lead_for(world, manager)
    card = world.last(manager)
    world.emu.state.chat(other.telegram_id).messages[card.message_id] = world.emu.state.chat(
        manager.telegram_id
    ).messages[card.message_id]  # the same card forwarded into another manager's chat
    mark = world.mark()
    query = await world.emu.user_presses(
        other.telegram_id, card.message_id, card.callback_data(TAKE)
    )
    await world.settle()
    answer = world.emu.callback_answer(query)
    assert answer is not None
    assert answer.show_alert
    assert "не ваша карточка" in (answer.text or "")
    assert world.writes_since(mark) == []
    assert stage(world, deal) == "Новая заявка"


async def test_a_double_press_acts_once(world: DemoWorld) -> None:
    manager = maria(world)
    deal = await taken_with_call_card(world, manager)
    card = world.last(manager)
    data = card.callback_data(NO_ANSWER)
    first, second = await asyncio.gather(
        world.emu.user_presses(manager.telegram_id, card.message_id, data),
        world.emu.user_presses(manager.telegram_id, card.message_id, data),
    )
    await world.settle()
    answers = [world.emu.callback_answer(q) for q in (first, second)]
    assert all(a is not None for a in answers)
    assert sum(1 for a in answers if a is not None and a.show_alert) == 1
    assert len(notes_of(world, deal)) == 1
    assert the_open_task(world, deal).text == "Перезвонить: не дозвонились (1-я попытка)"


async def test_a_press_on_a_task_closed_in_the_crm_says_so(world: DemoWorld) -> None:
    manager = maria(world)
    deal = await taken_with_call_card(world, manager)
    call = the_open_task(world, deal)
    card = world.last(manager)
    world.sb.set_webhook_url(None)  # the CRM's webhook is late: the card still shows buttons
    await world.control(
        "POST", f"/_sandbox/tasks/{call.id}/complete", {"result": "Позвонила с мобильного"}
    )
    world.sb.set_webhook_url(world.webhook_url)
    mark = world.mark()
    answer = await world.press(manager, NO_ANSWER, deal=deal)
    assert answer is not None
    assert answer.show_alert
    assert "задача уже выполнена" in (answer.text or "").lower()
    refreshed = world.emu.message(manager.telegram_id, card.message_id)
    assert "Задача уже закрыта" in refreshed.body  # the card says why, and lost its buttons
    assert refreshed.button_texts == []
    assert world.writes_since(mark) == []
    assert notes_of(world, deal) == []


async def test_a_take_press_on_a_deal_moved_in_the_crm_alerts_and_refreshes(
    world: DemoWorld,
) -> None:
    manager = maria(world)
    deal = await lead_for(world, manager)
    card = world.last(manager)
    lead = world.state.leads[deal]
    talks = world.info.stage("Дизайн", "Встреча/замер")
    world.sb.set_webhook_url(None)  # moved in the CRM; the webhook has not reached the bot
    await world.control("POST", f"/_sandbox/leads/{deal}/move", {"status_id": talks})
    world.sb.set_webhook_url(world.webhook_url)
    assert lead.status_id == talks
    mark = world.mark()
    answer = await world.press(manager, TAKE, deal=deal)
    assert answer is not None
    assert answer.show_alert
    assert answer.text == (
        "Сделка уже перешла на этап «Встреча/замер» — ничего не изменено. Карточка обновлена."
    )
    refreshed = world.emu.message(manager.telegram_id, card.message_id)
    assert "Этап: Встреча/замер" in refreshed.body
    assert refreshed.button_texts == []
    assert world.writes_since(mark) == []
    assert stage(world, deal) == "Встреча/замер"


async def test_a_press_on_a_deal_reassigned_in_the_crm_names_the_new_owner(
    world: DemoWorld,
) -> None:
    manager, other = maria(world), world.person("smirnov")
    deal = await taken_with_call_card(world, manager)
    card = world.last(manager)
    world.sb.set_webhook_url(None)
    await world.control(
        "POST", f"/_sandbox/leads/{deal}/move", {"responsible_user_id": other.crm_user_id}
    )
    world.sb.set_webhook_url(world.webhook_url)
    mark = world.mark()
    answer = await world.press(manager, NO_ANSWER, deal=deal)
    assert answer is not None
    assert answer.show_alert
    assert (
        answer.text
        == f"Сделка уже передана: {other.name} — ничего не изменено. Карточка обновлена."
    )
    refreshed = world.emu.message(manager.telegram_id, card.message_id)
    assert f"Сделка передана: {other.name}" in refreshed.body
    assert refreshed.button_texts == []
    assert world.writes_since(mark) == []
    assert notes_of(world, deal) == []
