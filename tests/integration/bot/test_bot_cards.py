"""Deal cards over HTTP: take into work, someone else's press, a double press, typed call-back
time, the result-text question. CRM writes are checked as the outbox rows they become."""

from __future__ import annotations

from datetime import timedelta

from nextstep.bot.engine.effects import CardKind
from nextstep.bot.services.cards import TAKE, ButtonSpec, CardView
from nextstep.bot.services.inbox import process_crm_event
from nextstep.bot.services.outbound import Outbound
from nextstep.crm_client.models import CrmEvent, CrmEventType
from nextstep.sandbox.telegram import CallbackAnswer, ChatMessage
from tests.integration.bot.conftest import World
from tests.unit.engine.engine_world import SECOND
from tests.unit.handlers.world import (
    CALL_TASK,
    DEAL_ID,
    MANAGER_TG,
    OTHER_TG,
    TAKE_TASK,
    TAKE_TEXT,
    ops,
    outbox,
)

TAKE_LABEL = "🚀 Взять в работу"
ADDED = CrmEvent(type=CrmEventType.DEAL_ADDED, entity="lead", entity_id=DEAL_ID)


async def new_deal_card(world: World) -> ChatMessage:
    world.crm.put_deal()
    await process_crm_event(world.services, ADDED)
    world.crm.put_task(TAKE_TASK, TAKE_TEXT, world.services.now() + timedelta(minutes=10))
    return await world.emu.wait_for_message(MANAGER_TG, "Новая сделка")


async def taken(world: World) -> ChatMessage:
    card = await new_deal_card(world)
    await world.emu.user_presses_button(MANAGER_TG, TAKE_LABEL, card.message_id)
    call = await world.emu.wait_for_message(MANAGER_TG, "Звонок по сделке")
    world.crm.tasks.pop(TAKE_TASK)
    world.crm.put_deal(status_id=SECOND)
    world.crm.put_task(
        CALL_TASK, "Позвонить клиенту", world.services.now() + timedelta(minutes=15)
    )
    return call


async def test_take_into_work_enqueues_the_crm_ops_and_edits_the_card(team_world: World) -> None:
    world = team_world
    card = await new_deal_card(world)
    assert card.button_texts == [TAKE_LABEL]
    assert card.buttons[0][0].value.startswith("c:")
    query = await world.emu.user_presses_button(MANAGER_TG, TAKE_LABEL, card.message_id)
    await world.emu.wait_for(
        lambda: world.emu.message(MANAGER_TG, card.message_id).edited,
        description="the card edited",
    )
    edited = world.emu.message(MANAGER_TG, card.message_id)
    assert edited.buttons == []
    assert "Взята в работу" in edited.body
    answer = world.emu.callback_answer(query)
    assert answer is not None
    assert not answer.show_alert
    rows = await outbox(world.db, "crm")
    assert ops(rows) == ["create_task", "update_deal", "complete_task", "create_task"]
    assert rows[1]["patch"]["status_id"] == SECOND
    call = await world.emu.wait_for_message(MANAGER_TG, "Звонок по сделке")
    assert "✅ Дозвонился" in call.button_texts


async def test_a_press_by_someone_else_gets_an_alert_and_changes_nothing(team_world: World):
    world = team_world
    world.crm.put_deal()
    # The manager's card shown in another person's chat (a forwarded or group message).
    async with world.db.transaction() as session:
        out = Outbound(session, world.services.now())
        await out.send_card(
            chat_id=OTHER_TG,
            owner_staff_id=world.team["manager"].id,
            kind=CardKind.NEW_DEAL.value,
            view=CardView("Карточка Марии", ((ButtonSpec(TAKE_LABEL, TAKE),),)),
            dedup_key="forwarded",
            deal_id=DEAL_ID,
        )
    world.services.woke(out.kinds)
    card = await world.emu.wait_for_message(OTHER_TG, "Карточка Марии")
    query = await world.emu.user_presses_button(OTHER_TG, TAKE_LABEL, card.message_id)
    answer = await world.emu.wait_for(lambda: world.emu.callback_answer(query))
    assert answer.show_alert
    assert "не ваша карточка" in (answer.text or "")
    assert await outbox(world.db, "crm") == []
    assert world.emu.message(OTHER_TG, card.message_id).button_texts == [TAKE_LABEL]


async def answered(world: World, query: str) -> CallbackAnswer:
    return await world.emu.wait_for(lambda: world.emu.callback_answer(query))


async def test_a_double_press_acts_once(team_world: World) -> None:
    world = team_world
    card = await new_deal_card(world)
    data = card.callback_data(TAKE_LABEL)
    first = await world.emu.user_presses(MANAGER_TG, card.message_id, data)
    second = await world.emu.user_presses(MANAGER_TG, card.message_id, data)
    answers = [await answered(world, q) for q in (first, second)]
    # Polling handles updates concurrently: either press may be the one that acts.
    assert sorted(a.show_alert for a in answers) == [False, True]
    assert any("Уже сделано" in (a.text or "") for a in answers)
    await world.emu.wait_for_message(MANAGER_TG, "Звонок по сделке")
    assert ops(await outbox(world.db, "crm")) == [
        "create_task",
        "update_deal",
        "complete_task",
        "create_task",
    ]


async def test_a_typed_call_back_time_is_echoed_with_confirm(team_world: World) -> None:
    world = team_world
    call = await taken(world)
    await world.emu.user_presses_button(MANAGER_TG, "🕑 Перезвонить в…", call.message_id)
    ask = await world.emu.wait_for_message(MANAGER_TG, "Когда перезвонить")
    assert len(ask.buttons) == 3
    await world.emu.user_sends(MANAGER_TG, "завтра в 15")
    echo = await world.emu.wait_for_message(
        MANAGER_TG, "Перезвонить: завтра", after=ask.message_id
    )
    assert "15:00" in echo.body
    assert echo.button_texts == ["✅ Подтвердить", "✏️ Изменить"]
    await world.emu.user_presses_button(MANAGER_TG, "✅ Подтвердить", echo.message_id)
    await world.emu.wait_for(
        lambda: "Выбрано" in world.emu.message(MANAGER_TG, echo.message_id).body,
        description="the confirmation closed",
    )
    rows = await outbox(world.db, "crm")
    assert ops(rows)[-3:] == ["complete_task", "add_call_note", "create_task"]
    assert rows[-1]["task"]["text"] == "Перезвонить клиенту (договорились)"


async def test_reached_asks_for_the_result_text_first(team_world: World) -> None:
    world = team_world
    call = await taken(world)
    before = len(await outbox(world.db, "crm"))
    await world.emu.user_presses_button(MANAGER_TG, "✅ Дозвонился", call.message_id)
    ask = await world.emu.wait_for_message(MANAGER_TG, "итог разговора")
    assert len(await outbox(world.db, "crm")) == before
    await world.emu.user_sends(MANAGER_TG, "Ждут КП до пятницы")
    stages = await world.emu.wait_for_message(MANAGER_TG, "Куда двигаем", after=ask.message_id)
    assert "Принимают решение" in stages.button_texts
    await world.emu.user_presses_button(MANAGER_TG, "Принимают решение", stages.message_id)
    await world.emu.wait_for(
        lambda: world.emu.message(MANAGER_TG, call.message_id).buttons == [],
        description="the call card without buttons",
    )
    rows = (await outbox(world.db, "crm"))[before:]
    assert ops(rows) == ["complete_task", "add_call_note", "update_deal", "create_task"]
    assert rows[0]["result_text"] == "Дозвонились: Ждут КП до пятницы"
