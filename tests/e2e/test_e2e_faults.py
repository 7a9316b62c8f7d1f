"""When the CRM, Telegram or the process itself misbehave: retried, told, never lost or doubled."""

from __future__ import annotations

from sqlalchemy import func, select

from nextstep.bot.demo.harness import DemoWorld
from nextstep.bot.storage.models import InboxItem, Staff
from nextstep.sandbox.crm import Fault
from nextstep.sandbox.crm.seed import FIELD_PROJECT_URL_ID
from tests.e2e.e2e_world import (
    NO_ANSWER,
    REACHED,
    TAKE,
    TAKE_TEXT,
    lead_for,
    maria,
    notes_of,
    outbox_rows,
    stage,
    taken_with_call_card,
    the_open_task,
    world_for,
)

RETRY = "🔁 Повторить"


async def inbox_count(world: DemoWorld) -> int:
    async with world.runtime.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(InboxItem)) or 0)


async def test_a_crm_500_on_a_write_is_retried_and_lands(world: DemoWorld) -> None:
    manager = maria(world)
    deal = await lead_for(world, manager)
    fault = Fault(status=500, times=2, path="/api/v4/leads/*", method="PATCH")
    world.state.faults.append(fault)
    await world.press(manager, TAKE, deal=deal)
    await world.settle(within=20)
    assert fault.hits == 2
    assert stage(world, deal) == "Взят в работу"
    assert the_open_task(world, deal).text == "Позвонить клиенту"
    moves = [w for w in world.state.writes if w.method == "PATCH" and w.path.endswith(f"/{deal}")]
    assert len(moves) == 1
    assert moves[0].status == 200
    assert all(row.status == "sent" for row in await outbox_rows(world, "crm"))


async def test_a_crm_400_shows_the_owner_its_message_with_retry(world: DemoWorld) -> None:
    manager = maria(world)
    deal = await taken_with_call_card(world, manager)
    card = world.last(manager)
    await world.press(manager, REACHED, deal=deal)
    await world.say(manager, "Согласовали дизайн-проект")
    await world.press(manager, "Дизайн-проект готов")  # the CRM requires «Ссылка на проект»
    refused = world.last(manager)
    assert "Ссылка на проект" in refused.body or "required" in refused.body.lower()
    assert stage(world, deal) == "Взят в работу"
    assert len(refused.button_texts) == 1
    # the card shows where the deal really is, and says what happened and what to do
    shown = world.emu.message(manager.telegram_id, card.message_id)
    assert "Этап: Взят в работу" in shown.body
    assert "Этап: Дизайн-проект готов" not in shown.body
    assert (
        "CRM не приняла перевод на этап «Дизайн-проект готов» — сделка осталась на этапе "
        "«Взят в работу»" in shown.body
    )
    assert "нажмите «Повторить»" in shown.body
    assert shown.button_texts == []

    world.state.leads[deal].custom_fields[FIELD_PROJECT_URL_ID] = [
        {"value": "https://rerooms.example/p/1"}
    ]
    await world.press(manager, refused.button_texts[0])
    assert stage(world, deal) == "Дизайн-проект готов"
    shown = world.emu.message(manager.telegram_id, card.message_id)
    assert "Этап: Дизайн-проект готов" in shown.body
    assert "не приняла" not in shown.body


async def test_a_crm_403_on_a_stage_move_shows_the_actual_stage_until_the_retry_lands(
    world: DemoWorld,
) -> None:
    manager, admin = maria(world), world.person("admin")
    deal = await taken_with_call_card(world, manager)
    card = world.last(manager)
    await world.press(manager, REACHED, deal=deal)
    await world.say(manager, "Согласовали смету")
    world.state.faults.append(Fault(status=403, times=1, path="/api/v4/leads/*", method="PATCH"))
    await world.press(manager, "Смета", settle=False)  # the move waits 5 min for its retry

    def says_refused() -> bool:
        return (
            "отказала боту в доступе"
            in world.emu.message(manager.telegram_id, card.message_id).body
        )

    await world.emu.wait_for(says_refused, description="the card saying the move waits")
    shown = world.emu.message(manager.telegram_id, card.message_id)
    assert "Этап: Взят в работу" in shown.body
    assert "перевод на этап «Смета» пока не выполнен" in shown.body
    assert "Бот повторит его сам" in shown.body
    assert shown.button_texts == []
    assert stage(world, deal) == "Взят в работу"
    assert any("отказывает боту в доступе" in m.body for m in world.bot_messages(admin))

    await world.advance(6)  # the slow retry goes through
    assert stage(world, deal) == "Смета"
    shown = world.emu.message(manager.telegram_id, card.message_id)
    assert "Этап: Смета" in shown.body
    assert "отказала" not in shown.body


async def test_a_telegram_429_is_delivered_later() -> None:
    async with world_for(telegram_rate_limits=True) as world:
        manager = maria(world)
        deals = [await lead_for(world, manager, f"Заявка {n}") for n in range(1, 6)]
        await world.settle(within=20)
        assert world.emu.stats.rate_limited > 0
        cards = [m for m in world.bot_messages(manager) if "🆕 Новая сделка" in m.body]
        assert sorted(m.body.splitlines()[0] for m in cards) == [
            f"🆕 Новая сделка «Заявка {n}»" for n in range(1, 6)
        ]
        assert all(the_open_task(world, d).text == TAKE_TEXT for d in deals)


async def test_a_blocked_bot_marks_the_person_unreachable_and_tells_the_admin(
    world: DemoWorld,
) -> None:
    manager, admin = maria(world), world.person("admin")
    world.emu.block(manager.telegram_id)
    await world.settle()
    await lead_for(world, manager)
    async with world.runtime.db.transaction() as session:
        row = await session.scalar(select(Staff).where(Staff.telegram_id == manager.telegram_id))
    assert row is not None
    assert row.is_reachable is False
    told = world.bot_messages(admin)
    assert len(told) == 1
    assert "Мария" in told[0].body
    assert world.bot_messages(manager) == []


async def test_a_malformed_crm_webhook_is_refused_and_nothing_processed(world: DemoWorld) -> None:
    for body in ("", "this is not a form", "leads[add][0][id]=not-a-number"):
        assert await world.post_webhook(body) == 400
    assert await world.post_webhook("x", secret="wrong") == 404
    await world.settle()
    assert await inbox_count(world) == 0
    assert world.mark() == 0


async def test_a_resent_webhook_is_processed_once(world: DemoWorld) -> None:
    manager = maria(world)
    deal = await lead_for(world, manager)
    (added,) = [d for d in world.state.webhook_deliveries if "leads%5Badd%5D" in d.body]
    stored = await inbox_count(world)
    assert await world.post_webhook(added.body) == 200
    await world.settle()
    assert await inbox_count(world) == stored
    assert len([m for m in world.bot_messages(manager) if "🆕" in m.body]) == 1
    assert [t.text for t in world.state.open_tasks_of(deal)] == [TAKE_TEXT]


async def test_pending_outbox_rows_survive_a_restart_and_go_out_once(world: DemoWorld) -> None:
    manager = maria(world)
    deal = await taken_with_call_card(world, manager)
    world.state.faults.append(Fault(status=503, times=1000, path="/api/v4/*", method="POST"))
    world.runtime.sender.stop()  # and Telegram sends stop too: a crash before sending
    await world.press(manager, NO_ANSWER, deal=deal, settle=False)
    pending = [r for r in await outbox_rows(world, "crm") if r.status != "sent"]
    assert pending  # the note and the next task are waiting
    await world.stop_runtime()
    world.state.faults.clear()
    await world.start_runtime()
    await world.advance(10)  # past any backoff of the failed tries
    await world.settle(within=20)
    assert len(notes_of(world, deal)) == 1
    assert the_open_task(world, deal).text == "Перезвонить: не дозвонились (1-я попытка)"
    texts = [m.body for m in world.bot_messages(manager)]
    assert len(texts) == len(set(texts))
    assert all(r.status == "sent" for r in await outbox_rows(world, "crm"))
