"""A deal given to another manager: the old owner's card says who has it now and loses its
buttons; the new owner gets their own card. Reassigned in the CRM, or by a head's Reassign."""

from __future__ import annotations

from nextstep.bot.demo.harness import DemoWorld, Person
from nextstep.bot.services.sla.sweep_run import run_sweep
from nextstep.sandbox.telegram.state import CallbackAnswer
from tests.e2e.e2e_world import (
    CALL_BACK,
    CONFIRM,
    REACHED,
    TAKE,
    lead_for,
    maria,
    notes_of,
    taken_with_call_card,
    the_open_task,
)

CHANGE = "✏️ Изменить"


async def test_a_deal_reassigned_in_the_crm_leaves_the_old_card_without_buttons(
    world: DemoWorld,
) -> None:
    manager, other = maria(world), world.person("smirnov")
    deal = await taken_with_call_card(world, manager)
    card = world.last(manager)
    assert card.button_texts  # the outcome buttons, until the deal goes
    await world.control(
        "POST", f"/_sandbox/leads/{deal}/move", {"responsible_user_id": other.crm_user_id}
    )
    await world.settle()
    old = world.emu.message(manager.telegram_id, card.message_id)
    assert f"🔀 Сделка передана: {other.name}." in old.body
    assert "Кухня-гостиная" in old.body
    assert old.button_texts == []
    (new,) = [m for m in world.bot_messages(other) if "Кухня-гостиная" in m.body]
    assert new.body.startswith("📌 Вам передана сделка «Кухня-гостиная»")
    assert "передана:" not in new.body


async def test_a_heads_reassign_edits_the_old_owners_card(world: DemoWorld) -> None:
    manager = maria(world)
    assert manager.head_crm_user_id is not None
    head = world.by_crm_id(manager.head_crm_user_id)
    deal = await lead_for(world, manager)
    card = world.last(manager)
    assert card.button_texts == [TAKE]
    await world.advance(11)  # past the take deadline: the head gets a card to hand it over
    await run_sweep(world.runtime.services)
    await world.settle()
    escalation = world.last(head)
    assert "не взял(а) в работу" in escalation.body
    target = next(label for label in escalation.button_texts if label.startswith("→ "))
    await world.press(head, target)
    new_owner = world.state.leads[deal].responsible_user_id
    assert new_owner != manager.crm_user_id
    receiver = world.by_crm_id(new_owner)
    old = world.emu.message(manager.telegram_id, card.message_id)
    assert f"🔀 Сделка передана: {receiver.name}." in old.body
    assert old.button_texts == []
    new = [m for m in world.bot_messages(receiver) if "Кухня-гостиная" in m.body]
    assert len(new) == 1
    assert new[0].button_texts == [TAKE]


async def press_in_flight(
    world: DemoWorld, person: Person, message_id: int, label: str, data: str
) -> CallbackAnswer:
    """A press the person made before the bot's edit took the button away on their screen."""
    message = world.emu.state.chat(person.telegram_id).messages[message_id]
    message.reply_markup = {"inline_keyboard": [[{"text": label, "callback_data": data}]]}
    query = await world.emu.user_presses(person.telegram_id, message_id, data)
    answer = await world.emu.wait_for(
        lambda: world.emu.callback_answer(query), description="the answer to the press"
    )
    await world.settle()
    return answer


async def test_a_reassignment_closes_the_old_managers_call_back_questions(
    world: DemoWorld,
) -> None:
    manager, other = maria(world), world.person("smirnov")
    deal = await taken_with_call_card(world, manager)
    call = the_open_task(world, deal)
    await world.press(manager, CALL_BACK, deal=deal)
    picker = world.last(manager)
    assert picker.body.startswith("Когда перезвонить?")
    quick = picker.button_texts[0]
    await world.say(manager, "завтра в 10")
    echo = world.last(manager)
    assert echo.button_texts == [CONFIRM, CHANGE]
    confirm = echo.callback_data(CONFIRM)
    await world.press(manager, CHANGE)
    again = world.last(manager)  # asked again: the next typed time answers it
    assert again.body.startswith("Когда перезвонить?")

    await world.control(
        "POST", f"/_sandbox/leads/{deal}/move", {"responsible_user_id": other.crm_user_id}
    )
    await world.settle()
    for asked in (picker, echo, again):
        shown = world.emu.message(manager.telegram_id, asked.message_id)
        assert shown.body.endswith(f"🔀 Сделка передана: {other.name}."), shown.body
        assert shown.button_texts == []

    mark = world.mark()
    answer = await press_in_flight(world, manager, echo.message_id, CONFIRM, confirm)
    assert answer.show_alert
    assert (
        answer.text
        == f"Сделка уже передана: {other.name} — ничего не изменено. Карточка обновлена."
    )
    quick_data = picker.callback_data(quick)
    answer = await press_in_flight(world, manager, picker.message_id, quick, quick_data)
    assert answer.text is not None
    assert answer.text.startswith(f"Сделка уже передана: {other.name}")

    before = len(world.bot_messages(manager))
    await world.say(manager, "завтра в 12")
    told = world.bot_messages(manager)[before:]
    assert [m.body for m in told] == [
        f"Сделка «Кухня-гостиная» уже передана: {other.name} — ваше сообщение к ней не применено."
    ]
    await world.say(manager, "завтра в 13")  # no longer waiting for a time for that deal
    assert not any("Перезвонить:" in m.body for m in world.bot_messages(manager)[before:])
    assert world.writes_since(mark) == []
    assert not world.state.tasks[call.id].is_completed
    assert notes_of(world, deal) == []


async def test_a_result_typed_after_the_deal_was_reassigned_is_not_applied(
    world: DemoWorld,
) -> None:
    manager, other = maria(world), world.person("smirnov")
    deal = await taken_with_call_card(world, manager)
    call = the_open_task(world, deal)
    await world.press(manager, REACHED, deal=deal)
    assert world.last(manager).body.startswith("Напишите итог разговора")
    await world.control(
        "POST", f"/_sandbox/leads/{deal}/move", {"responsible_user_id": other.crm_user_id}
    )
    await world.settle()
    mark = world.mark()
    await world.say(manager, "Согласовали дизайн-проект")
    assert world.last(manager).body == (
        f"Сделка «Кухня-гостиная» уже передана: {other.name} — ваше сообщение к ней не применено."
    )
    assert world.writes_since(mark) == []
    assert not world.state.tasks[call.id].is_completed
    assert notes_of(world, deal) == []
