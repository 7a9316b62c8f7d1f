"""The head's morning digest (a photo with buttons, once a day), /team, /health and /schedule."""

from __future__ import annotations

from datetime import timedelta

from nextstep.bot.services.sla.reports import run_digests
from nextstep.crm_client.models import NewTask
from tests.integration.sla.conftest import ADMIN_TG, BORIS, HEAD_TG, MASHA, MASHA_TG, T0, World


async def test_the_morning_digest_is_a_photo_with_buttons_sent_once(world: World) -> None:
    await world.taken_deal_with_task("Просроченная сделка", T0 - timedelta(hours=2))
    await world.sync()
    assert await run_digests(world.services) == 1
    assert await run_digests(world.services) == 0  # once per head and day
    photo = await world.emu.wait_for(
        lambda: next((m for m in world.emu.chat(HEAD_TG) if m.photo is not None), None),
        description="the digest photo",
    )
    assert "Доброе утро" in photo.body
    assert "Просроченная сделка" in photo.body
    assert any("Напомнить" in text for text in photo.button_texts)

    await world.emu.user_presses_button(HEAD_TG, photo.button_texts[0], photo.message_id)
    await world.emu.wait_for_message(MASHA_TG, "Гера напоминает")


async def test_health_lists_unpaired_crm_users(world: World) -> None:
    await world.emu.user_sends(ADMIN_TG, "/health")
    reply = await world.emu.wait_for_message(ADMIN_TG, "Не подключены к боту")
    assert "Дина (1005)" in reply.body
    assert "Маша" not in reply.body


async def test_team_and_schedule_for_a_head(world: World) -> None:
    await world.taken_deal_with_task("Сделка", T0 - timedelta(hours=1))
    await world.sync()
    await world.emu.user_sends(HEAD_TG, "/team")
    team = await world.emu.wait_for_message(HEAD_TG, "Команда сейчас")
    assert "Маша (на смене): открыто 1, просрочено 1" in team.body
    await world.emu.user_sends(HEAD_TG, "/schedule")
    schedule = await world.emu.wait_for_message(HEAD_TG, "🗓")
    assert "Борис: mon-fri 09:00-18:00" in schedule.body
    await world.emu.user_sends(MASHA_TG, "/team")
    await world.emu.wait_for_message(MASHA_TG, "для руководителей")


async def test_team_drills_down_to_a_managers_deal_and_acts_on_it(world: World) -> None:
    """/team → 👤 Маша → her problem deals → 📂 one deal → → Борис: the CRM's responsible user
    changes and the head's card says so, without leaving Telegram."""
    late = await world.taken_deal_with_task("Кухня на Соколе", T0 - timedelta(hours=3))
    await world.services.crm.create_task(
        NewTask(
            text="Отправить замерщика",
            complete_till=T0 + timedelta(days=1),
            entity_id=late,
            responsible_user_id=MASHA,
        )
    )
    await world.sync()
    await world.emu.user_sends(HEAD_TG, "/team")
    team = await world.emu.wait_for_message(HEAD_TG, "Команда сейчас")
    assert "👤 Маша: 1" in team.button_texts
    assert not any(b.startswith("👤 Борис") for b in team.button_texts)  # nothing to look at

    await world.emu.user_presses_button(HEAD_TG, "👤 Маша: 1", team.message_id)
    member = await world.emu.wait_for_message(HEAD_TG, "👤 Маша: сделок, требующих внимания")
    assert "• Кухня на Соколе: просроченная задача, 50" in member.body
    await world.emu.user_presses_button(HEAD_TG, "📂 Кухня на Соколе", member.message_id)
    deal = await world.emu.wait_for_message(HEAD_TG, "📂 «Кухня на Соколе» — Маша")
    assert deal.button_texts[:3] == ["🔔 Напомнить", "→ Борис", "🙋 Возьму сам"]
    assert "➕ Позвонить клиенту" in deal.button_texts

    await world.emu.user_presses_button(HEAD_TG, "→ Борис", deal.message_id)
    await world.emu.wait_for(
        lambda: "Передана: Борис" in world.emu.message(HEAD_TG, deal.message_id).body,
        description="the deal card says who has the deal now",
    )
    assert world.emu.message(HEAD_TG, deal.message_id).buttons == []
    await world.drain()
    assert world.state.leads[late].responsible_user_id == BORIS
    tasks = [t for t in world.state.tasks.values() if t.entity_id == late]
    assert len(tasks) == 2
    assert all(t.responsible_user_id == BORIS for t in tasks)  # the next steps go with it


async def test_a_digest_deal_opens_its_actions_and_a_next_step_is_set_from_there(
    world: World,
) -> None:
    deal_id = await world.taken_deal_with_task("Ванная в Химках", T0 - timedelta(hours=2))
    await world.sync()
    assert await run_digests(world.services) == 1
    photo = await world.emu.wait_for(
        lambda: next((m for m in world.emu.chat(HEAD_TG) if m.photo is not None), None),
        description="the digest photo",
    )
    assert "📂 Действия" in photo.button_texts
    await world.emu.user_presses_button(HEAD_TG, "📂 Действия", photo.message_id)
    card = await world.emu.wait_for_message(HEAD_TG, "📂 «Ванная в Химках» — Маша")

    await world.emu.user_presses_button(HEAD_TG, "➕ Позвонить клиенту", card.message_id)
    await world.emu.wait_for(
        lambda: "Следующий шаг назначен" in world.emu.message(HEAD_TG, card.message_id).body,
        description="the card says the next step is set",
    )
    await world.drain()
    open_tasks = [
        t for t in world.state.tasks.values() if t.entity_id == deal_id and not t.is_completed
    ]
    assert len(open_tasks) == 2  # the overdue one stays with Masha; the new one is set


async def test_a_deal_already_fine_says_so_instead_of_offering_actions(world: World) -> None:
    deal_id = await world.taken_deal_with_task("Спальня на Арбате", T0 - timedelta(hours=1))
    await world.sync()
    await world.emu.user_sends(HEAD_TG, "/team")
    team = await world.emu.wait_for_message(HEAD_TG, "Команда сейчас")
    await world.emu.user_presses_button(HEAD_TG, "👤 Маша: 1", team.message_id)
    member = await world.emu.wait_for_message(HEAD_TG, "👤 Маша: сделок")
    for task in world.state.tasks.values():  # Masha calls and closes her task in the CRM
        task.is_completed = True
    await world.services.crm.create_task(
        NewTask(
            text="Отправить КП",
            complete_till=T0 + timedelta(days=1),
            entity_id=deal_id,
            responsible_user_id=MASHA,
        )
    )
    await world.sync()
    await world.emu.user_presses_button(HEAD_TG, "📂 Спальня на Арбате", member.message_id)
    reply = await world.emu.wait_for_message(HEAD_TG, "«Спальня на Арбате»: уже в порядке")
    assert reply.buttons == []
