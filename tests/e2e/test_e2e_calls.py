"""A lead's morning, end to end: the CRM's webhook, the manager's card, each call outcome, and
what the CRM received for it (read back from the sandbox's state)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from nextstep.bot.demo.harness import DemoWorld
from nextstep.sandbox.crm import LOST_STATUS_ID
from tests.e2e.e2e_world import (
    CALL_BACK,
    CONFIRM,
    HERE,
    NO_ANSWER,
    NOT_INTERESTED,
    REACHED,
    TAKE,
    TAKE_TEXT,
    lead_for,
    maria,
    notes_of,
    open_tasks,
    stage,
    taken_with_call_card,
    the_open_task,
    world_for,
)

MOSCOW = ZoneInfo("Europe/Moscow")


def due(world: DemoWorld, deal: int) -> datetime:
    return datetime.fromtimestamp(the_open_task(world, deal).complete_till, UTC)


async def test_a_new_lead_webhook_brings_the_manager_a_card(world: DemoWorld) -> None:
    manager = maria(world)
    deal = await lead_for(world, manager, "Квартира на Пресне")
    card = world.last(manager)
    assert "🆕 Новая сделка «Квартира на Пресне»" in card.body
    assert "Телефон: +79161234567" in card.body
    assert card.button_texts == [TAKE]
    assert the_open_task(world, deal).text == TAKE_TEXT
    others = [p for p in world.people.values() if p is not manager]
    assert all(not world.bot_messages(p) for p in others)


async def test_take_into_work_moves_the_stage_and_sets_the_first_call(world: DemoWorld) -> None:
    manager = maria(world)
    deal = await lead_for(world, manager)
    take_task = the_open_task(world, deal)
    await world.press(manager, TAKE, deal=deal)
    assert stage(world, deal) == "Взят в работу"
    assert world.state.tasks[take_task.id].is_completed
    assert world.state.tasks[take_task.id].result_text == "Взята в работу"
    call = the_open_task(world, deal)
    assert call.text == "Позвонить клиенту"
    assert call.complete_till - world.state.now() in range(14 * 60, 16 * 60)
    assert "✅ Взята в работу." in world.chat(manager)[0].body
    assert TAKE not in world.chat(manager)[0].button_texts
    assert "📞 Звонок по сделке" in world.last(manager).body


async def test_reached_asks_for_the_result_then_writes_it_and_moves_on(world: DemoWorld) -> None:
    manager = maria(world)
    deal = await taken_with_call_card(world, manager)
    call = the_open_task(world, deal)
    mark = world.mark()
    await world.press(manager, REACHED, deal=deal)
    assert "Напишите итог разговора" in world.last(manager).body
    assert world.writes_since(mark) == []  # nothing without the required result text
    await world.say(manager, "Ждёт КП к пятнице")
    assert "Куда двигаем сделку" in world.last(manager).body
    await world.press(manager, "Квалификация")
    assert world.state.tasks[call.id].result_text == "Дозвонились: Ждёт КП к пятнице"
    (note,) = notes_of(world, deal)
    assert note.note_type == "call_out"
    assert stage(world, deal) == "Квалификация"
    assert the_open_task(world, deal).text.startswith("Следующий шаг по сделке")


async def test_no_answer_ladder_ends_lost_with_the_reason() -> None:
    async with world_for(str(HERE / "ladder_salesbot.yaml")) as world:
        manager = maria(world)
        deal = await taken_with_call_card(world, manager)
        await world.press(manager, NO_ANSWER, deal=deal)
        assert [lead for lead, _ in world.state.salesbots[101].runs] == [deal]
        first = the_open_task(world, deal)
        assert first.text == "Перезвонить: не дозвонились (1-я попытка)"
        assert first.complete_till - world.state.now() in range(119 * 60, 121 * 60)

        await world.advance_to(due(world, deal) - timedelta(minutes=3))
        await world.tick()
        await world.press(manager, NO_ANSWER, deal=deal)
        second = the_open_task(world, deal)
        morning = datetime.fromtimestamp(second.complete_till, MOSCOW)
        assert (morning.date() > world.clock().astimezone(MOSCOW).date(), morning.hour) == (
            True,
            10,
        )

        await world.advance_to(due(world, deal) - timedelta(minutes=3))
        await world.tick()
        await world.press(manager, NO_ANSWER, deal=deal)
        lead = world.state.leads[deal]
        assert lead.status_id == LOST_STATUS_ID
        assert lead.loss_reason_id is not None
        assert world.state.loss_reasons[lead.loss_reason_id].name == "Перестал отвечать"
        assert open_tasks(world, deal) == []
        assert [t.result_text for t in world.state.tasks.values() if t.entity_id == deal][-3:] == [
            "Не дозвонились, попытка 1",
            "Не дозвонились, попытка 2",
            "Не дозвонились, попытка 3",
        ]
        assert len(notes_of(world, deal)) == 3


async def test_call_back_at_a_typed_time(world: DemoWorld) -> None:
    manager = maria(world)
    deal = await taken_with_call_card(world, manager)
    call = the_open_task(world, deal)
    await world.press(manager, CALL_BACK, deal=deal)
    await world.say(manager, "завтра в 10")
    assert "Перезвонить: завтра" in world.last(manager).body
    await world.press(manager, CONFIRM)
    assert world.state.tasks[call.id].is_completed
    assert (world.state.tasks[call.id].result_text or "").startswith("Договорились перезвонить")
    again = the_open_task(world, deal)
    assert again.text == "Перезвонить клиенту (договорились)"
    at = datetime.fromtimestamp(again.complete_till, MOSCOW)
    tomorrow = world.clock().astimezone(MOSCOW).date() + timedelta(days=1)
    assert (at.date(), at.hour, at.minute) == (tomorrow, 10, 0)
    assert len(notes_of(world, deal)) == 1


async def test_not_interested_with_a_reason(world: DemoWorld) -> None:
    manager = maria(world)
    deal = await taken_with_call_card(world, manager)
    call = the_open_task(world, deal)
    await world.press(manager, NOT_INTERESTED, deal=deal)
    assert "Почему клиент отказался" in world.last(manager).body
    await world.press(manager, "Дорого")
    lead = world.state.leads[deal]
    assert lead.status_id == LOST_STATUS_ID
    assert lead.loss_reason_id is not None
    assert world.state.loss_reasons[lead.loss_reason_id].name == "Дорого"
    assert world.state.tasks[call.id].result_text == "Отказ: Дорого"
    assert len(notes_of(world, deal)) == 1
    assert open_tasks(world, deal) == []
