"""A won deal moved back to a working stage by a person in the CRM: the status webhook is
remembered (who moved it), the sweep puts the deal back at won through the outbox, the head's
card names the person, and "Keep it open" moves it back to work for good."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from pydantic import SecretStr

from nextstep.bot.config import Settings
from nextstep.bot.services.inbox import process_inbox
from nextstep.bot.services.sla.sweep_run import run_sweep
from nextstep.bot.web import create_web_app
from nextstep.crm_client.models import WON_STATUS_ID
from tests.integration.sla.conftest import BORIS, HEAD_TG, World

SECRET = "sla-guard-webhook-secret-0123456789"
KEEP_OPEN = "Оставить открытой"


@pytest.fixture
async def hooked(world: World) -> AsyncIterator[World]:
    """The bot's webhook endpoint, served and given to the sandbox CRM."""
    settings = Settings(
        _env_file=None,
        webhook_secret=SecretStr(SECRET),
        amocrm_base_url="https://stock.amocrm.ru",
        amocrm_long_lived_token=SecretStr("t"),
        timezone="Europe/Moscow",
    )
    app = create_web_app(
        world.services.db,
        settings,
        oauth_exchange=None,
        account_subdomain_check=None,
        clock=world.services.now,
    )
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    world.sb.set_webhook_url(str(server.make_url(f"/webhooks/amocrm/{SECRET}")))
    try:
        yield world
    finally:
        world.sb.set_webhook_url(None)
        await server.close()


async def move(world: World, deal_id: int, status_id: int, **body: Any) -> None:
    """A person moves the lead in the CRM; the bot hears the webhooks and processes them."""
    async with aiohttp.ClientSession(headers=world.sb.headers) as http:
        url = f"{world.sb.base_url}/_sandbox/leads/{deal_id}/move"
        async with http.post(url, json={"status_id": status_id, **body}) as response:
            assert response.status == 200, await response.text()
    await world.sb.webhooks_idle()
    while await process_inbox(world.services):
        pass


async def test_a_won_deal_moved_back_is_reverted_and_the_head_told_who(hooked: World) -> None:
    world = hooked
    working = world.stages["Переговоры"]
    deal_id = await world.taken_deal_with_task(
        "Кухня на Арбате", world.services.now() + timedelta(days=1)
    )
    await move(world, deal_id, WON_STATUS_ID)
    await world.sync()

    world.advance(timedelta(minutes=1))
    await move(world, deal_id, working, by=BORIS)
    await run_sweep(world.services)
    await world.drain()

    assert world.state.leads[deal_id].status_id == WON_STATUS_ID
    card = await world.emu.wait_for_message(HEAD_TG, "Борис вернул(а) сделку «Кухня на Арбате»")
    assert "Возвращаем её обратно" in card.body
    assert KEEP_OPEN in card.button_texts

    # The revert's own webhook and later sweeps change nothing: one revert, one card.
    world.advance(timedelta(minutes=1))
    await world.sb.webhooks_idle()
    while await process_inbox(world.services):
        pass
    await run_sweep(world.services)
    await world.drain()
    await world.sync()
    await run_sweep(world.services)
    await world.drain()
    assert world.state.leads[deal_id].status_id == WON_STATUS_ID
    cards = [m for m in world.emu.chat(HEAD_TG) if "вернул(а) сделку" in m.body]
    assert len(cards) == 1
    await world.emu.wait_for(
        lambda: "возвращена на закрытый этап" in world.emu.message(HEAD_TG, card.message_id).body,
        description="the head's card says the deal is back at won",
    )

    # The head keeps it open: back to work, and the guard leaves it there.
    await world.emu.user_presses_button(HEAD_TG, KEEP_OPEN, card.message_id)
    await world.emu.wait_for(
        lambda: "остаётся открытой" in world.emu.message(HEAD_TG, card.message_id).body,
        description="the head's card says the deal stays open",
    )
    await world.drain()
    assert world.state.leads[deal_id].status_id == working
    world.advance(timedelta(minutes=1))
    await world.sb.webhooks_idle()
    while await process_inbox(world.services):
        pass
    await world.sync()
    await run_sweep(world.services)
    await world.drain()
    assert world.state.leads[deal_id].status_id == working


async def test_a_move_seen_only_by_the_sync_is_reverted_too(world: World) -> None:
    """No webhook (lost): the sync's events feed shows the move out of won."""
    working = world.stages["Переговоры"]
    deal_id = await world.taken_deal_with_task(
        "Дача в Сходне", world.services.now() + timedelta(days=1)
    )
    await move(world, deal_id, WON_STATUS_ID)
    await world.sync()
    world.advance(timedelta(minutes=1))
    await move(world, deal_id, working, by=BORIS)
    await world.sync()
    await run_sweep(world.services)
    await world.drain()
    assert world.state.leads[deal_id].status_id == WON_STATUS_ID
    await world.emu.wait_for_message(HEAD_TG, "Борис вернул(а) сделку «Дача в Сходне»")
