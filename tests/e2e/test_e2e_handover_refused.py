"""A hand-over the CRM refuses: the head's card says so and why, with its buttons back; the
new holder's card says it did not happen; the old owner's card is theirs again; the bot's
mirror names the CRM's responsible user. Nothing of the hand-over's later steps lands."""

from __future__ import annotations

import json

from sqlalchemy import select

from nextstep.bot.demo.harness import DemoWorld, Person
from nextstep.bot.demo.story_jobs import sla_sweep
from nextstep.bot.demo.story_school import new_lead
from nextstep.bot.services.sla.sweep_run import run_sweep
from nextstep.bot.storage.models import CrmDeal, CrmTask, DealFlow
from nextstep.sandbox.crm import Fault
from nextstep.sandbox.telegram.views import ChatMessage
from tests.e2e.e2e_world import (
    TAKE,
    lead_for,
    maria,
    outbox_rows,
    stage,
    the_open_task,
    world_for,
)

TAKE_MYSELF = "🙋 Возьму сам"
REDISTRIBUTE = "🔀 Перераспределить"
DEAL = "Кухня-гостиная"
DEACTIVATED = {
    "title": "Bad Request",
    "status": 400,
    "validation-errors": [
        {
            "request_id": "0",
            "errors": [
                {
                    "code": "NotSupportedChoice",
                    "path": "responsible_user_id",
                    "detail": "The user is deactivated.",
                }
            ],
        }
    ],
}


async def escalated(world: DemoWorld, manager: Person) -> tuple[int, ChatMessage, ChatMessage]:
    """A new lead the manager did not take in time: (deal, the manager's card, the head's)."""
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
    return deal, card, escalation


async def mirrored_holder(world: DemoWorld, deal: int) -> int | None:
    async with world.runtime.db.transaction() as session:
        return await session.scalar(select(CrmDeal.responsible_user_id).where(CrmDeal.id == deal))


async def test_a_reassignment_the_crm_refuses_is_undone_on_every_card(world: DemoWorld) -> None:
    manager = maria(world)
    assert manager.head_crm_user_id is not None
    head = world.by_crm_id(manager.head_crm_user_id)
    deal, card, escalation = await escalated(world, manager)
    target = next(label for label in escalation.button_texts if label.startswith("→ "))
    receiver = next(p for p in world.people.values() if p.name == target.removeprefix("→ "))
    take_task = the_open_task(world, deal)
    world.state.faults.append(
        Fault(
            status=400,
            path=f"/api/v4/leads/{deal}",
            method="PATCH",
            body=json.dumps(DEACTIVATED),
        )
    )
    await world.press(head, target)

    # the CRM holds the deal and its take task where they were; the bot's mirror says so too
    assert world.state.leads[deal].responsible_user_id == manager.crm_user_id
    assert the_open_task(world, deal).id == take_task.id
    assert the_open_task(world, deal).responsible_user_id == manager.crm_user_id
    assert await mirrored_holder(world, deal) == manager.crm_user_id
    task_moves = [w for w in world.state.writes if w.path.startswith("/api/v4/tasks")]
    assert [w for w in task_moves if w.method == "PATCH"] == []
    # the head's card: refused, why, and the choices again
    shown = world.emu.message(head.telegram_id, escalation.message_id)
    assert (
        f"⚠️ CRM не приняла передачу сделки: {receiver.name} — сделка осталась у "
        f"{manager.name}." in shown.body
    )
    assert "responsible_user_id: The user is deactivated." in shown.body
    assert "🔀 Передана" not in shown.body
    assert target in shown.button_texts
    assert TAKE_MYSELF in shown.button_texts
    # the receiver's card says the hand-over did not happen, and cannot take the deal
    (new,) = [m for m in world.bot_messages(receiver) if DEAL in m.body]
    assert f"↩️ Передача не состоялась: CRM её не приняла — сделка остаётся у {manager.name}." in (
        new.body
    )
    assert new.button_texts == []
    # the manager's card is theirs again, with its button
    old = world.emu.message(manager.telegram_id, card.message_id)
    assert "Сделка передана" not in old.body
    assert old.button_texts == [TAKE]
    # the head heard it on the card, not in a separate Retry notice
    assert not any("🔁" in " ".join(m.button_texts) for m in world.bot_messages(head))
    assert not any("🔁" in " ".join(m.button_texts) for m in world.bot_messages(receiver))

    # choosing again (the CRM accepts now) hands it over for real
    await world.press(head, target)
    assert world.state.leads[deal].responsible_user_id == receiver.crm_user_id
    assert the_open_task(world, deal).responsible_user_id == receiver.crm_user_id
    assert await mirrored_holder(world, deal) == receiver.crm_user_id
    cards = [m for m in world.bot_messages(receiver) if DEAL in m.body]
    assert len(cards) == 2
    assert cards[-1].button_texts == [TAKE]
    old = world.emu.message(manager.telegram_id, card.message_id)
    assert f"🔀 Сделка передана: {receiver.name}." in old.body
    assert old.button_texts == []


async def test_a_take_myself_the_crm_denies_access_to_is_undone_and_not_retried_later(
    world: DemoWorld,
) -> None:
    manager, admin = maria(world), world.person("admin")
    assert manager.head_crm_user_id is not None
    head = world.by_crm_id(manager.head_crm_user_id)
    deal, card, escalation = await escalated(world, manager)
    before = stage(world, deal)
    world.state.faults.append(
        Fault(status=403, times=1, path=f"/api/v4/leads/{deal}", method="PATCH")
    )
    await world.press(head, TAKE_MYSELF)

    assert world.state.leads[deal].responsible_user_id == manager.crm_user_id
    assert stage(world, deal) == before  # the take's stage move was dropped with it
    assert the_open_task(world, deal).responsible_user_id == manager.crm_user_id
    assert await mirrored_holder(world, deal) == manager.crm_user_id
    async with world.runtime.db.transaction() as session:
        flow = await session.get(DealFlow, deal)
    assert flow is None or flow.taken_by is None
    shown = world.emu.message(head.telegram_id, escalation.message_id)
    assert (
        f"⚠️ CRM отказала боту в доступе — передача сделки ({head.name}) не выполнена, "
        f"сделка осталась у {manager.name}." in shown.body
    )
    assert TAKE_MYSELF in shown.button_texts
    assert any("отказывает боту в доступе" in m.body for m in world.bot_messages(admin))
    for message in world.bot_messages(head):
        if DEAL in message.body and message.message_id != escalation.message_id:
            assert "↩️ Передача не состоялась" in message.body
            assert message.button_texts == []
    old = world.emu.message(manager.telegram_id, card.message_id)
    assert old.button_texts == [TAKE]
    rows = [r for r in await outbox_rows(world, "crm") if r.payload.get("deal_id") == deal]
    assert not [r for r in rows if r.status == "pending"]

    await world.advance(6)  # past the relay's slow retry: nothing lands on its own
    assert world.state.leads[deal].responsible_user_id == manager.crm_user_id
    assert stage(world, deal) == before


async def test_a_redistributed_task_the_crm_refuses_stays_and_the_head_can_redistribute_again(
    world: DemoWorld,
) -> None:
    manager = maria(world)
    assert manager.head_crm_user_id is not None
    head = world.by_crm_id(manager.head_crm_user_id)
    deals = []
    for n in range(5):
        deal = await lead_for(world, manager, f"Заявка {n}")
        await world.press(manager, TAKE, deal=deal)
        deals.append(deal)
    await world.advance(240)  # five calls overdue: the head gets the pile card
    await run_sweep(world.runtime.services)
    await world.settle()
    pile = next(m for m in world.bot_messages(head) if REDISTRIBUTE in m.button_texts)
    stuck = the_open_task(world, deals[2])
    world.state.faults.append(
        Fault(
            status=400,
            path=f"/api/v4/tasks/{stuck.id}",
            method="PATCH",
            body=json.dumps(DEACTIVATED),
        )
    )
    await world.press(head, REDISTRIBUTE)

    assert the_open_task(world, deals[2]).responsible_user_id == manager.crm_user_id
    moved = [the_open_task(world, d) for d in deals if d != deals[2]]
    assert all(t.responsible_user_id != manager.crm_user_id for t in moved)
    async with world.runtime.db.transaction() as session:
        mirrored = await session.get(CrmTask, stuck.id)
    assert mirrored is not None
    assert mirrored.responsible_user_id == manager.crm_user_id
    shown = world.emu.message(head.telegram_id, pile.message_id)
    assert "🔀 Передано задач:" in shown.body
    assert f"⚠️ CRM не приняла передачу задачи «{stuck.text}» по сделке «Заявка 2»" in shown.body
    assert f"задача осталась у {manager.name}." in shown.body
    assert "responsible_user_id: The user is deactivated." in shown.body
    assert REDISTRIBUTE in shown.button_texts


async def test_an_automatic_reassignment_the_crm_refuses_tells_the_head_without_a_retry() -> None:
    """The online school hands an untaken webinar lead on by itself after 5 minutes; the CRM
    refuses (the receiver is deactivated there). The deal and its take task stay with Maria,
    her head is told why, and there is no Retry that would move the deal without its task."""
    async with world_for("online-school") as world:
        maria, dmitry, _ = world.by_role("manager")
        assert maria.head_crm_user_id is not None
        head = world.by_crm_id(maria.head_crm_user_id)
        deal = await new_lead(world, maria, "Вебинар", "Вебинар", "Антон Белов")
        await sla_sweep(world)
        world.state.faults.append(
            Fault(
                status=400,
                path=f"/api/v4/leads/{deal}",
                method="PATCH",
                body=json.dumps(DEACTIVATED),
            )
        )
        await world.advance(6)  # past the webinar window's 5 minutes
        await sla_sweep(world)

        notice = await world.emu.wait_for_message(
            head.telegram_id, "CRM не дала автоматически передать сделку"
        )
        assert "The user is deactivated." in notice.body
        assert notice.button_texts == []  # nothing to retry: the next sweep decides again
        assert world.state.leads[deal].responsible_user_id == maria.crm_user_id
        take = [t for t in world.state.open_tasks_of(deal) if "Взять в работу" in t.text]
        assert [t.responsible_user_id for t in take] == [maria.crm_user_id]
        for person in (maria, dmitry):
            assert not any("Повторить" in m.button_texts for m in world.bot_messages(person))
        assert await mirrored_holder(world, deal) == maria.crm_user_id
