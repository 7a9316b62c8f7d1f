"""The head's morning digest (a photo with buttons, once a day), /team, /health and /schedule."""

from __future__ import annotations

from datetime import timedelta

from nextstep.bot.services.sla.reports import run_digests
from tests.integration.sla.conftest import ADMIN_TG, HEAD_TG, MASHA_TG, T0, World


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
