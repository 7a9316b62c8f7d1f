"""A deal given to another manager: the old owner's card says who has it now and loses its
buttons; the new owner gets their own card. Reassigned in the CRM, or by a head's Reassign."""

from __future__ import annotations

from nextstep.bot.demo.harness import DemoWorld
from nextstep.bot.services.sla.sweep_run import run_sweep
from tests.e2e.e2e_world import TAKE, lead_for, maria, taken_with_call_card


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
