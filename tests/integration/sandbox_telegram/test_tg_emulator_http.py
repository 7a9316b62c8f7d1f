"""The emulator at the HTTP level: routing, parameter encodings, long polling, control routes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from nextstep.sandbox.telegram import TelegramEmulator
from tests.integration.sandbox_telegram.tg_emulator_bot import IVAN


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def call(
    http: aiohttp.ClientSession, emu: TelegramEmulator, method: str, **kwargs: Any
) -> tuple[int, dict[str, Any]]:
    async with http.post(f"{emu.base_url}/bot{emu.token}/{method}", **kwargs) as response:
        return response.status, await response.json()


async def test_unknown_token_and_unknown_method(
    emu: TelegramEmulator, http: aiohttp.ClientSession
) -> None:
    async with http.post(f"{emu.base_url}/bot1:WRONG/getMe") as response:
        assert response.status == 401
        assert await response.json() == {
            "ok": False,
            "error_code": 401,
            "description": "Unauthorized",
        }
    status, body = await call(http, emu, "sendSticker")
    assert (status, body["description"]) == (404, "Not Found")


async def test_json_bodies_and_query_strings_are_read(
    emu: TelegramEmulator, http: aiohttp.ClientSession
) -> None:
    status, body = await call(http, emu, "sendMessage", json={"chat_id": IVAN, "text": "json"})
    assert status == 200
    assert body["result"]["chat"] == {
        "id": IVAN,
        "type": "private",
        "first_name": "Иван",
        "username": "ivan",
    }
    assert body["result"]["from"]["is_bot"] is True

    async with http.get(
        f"{emu.base_url}/bot{emu.token}/sendMessage", params={"chat_id": IVAN, "text": "query"}
    ) as response:
        assert (await response.json())["result"]["text"] == "query"

    status, body = await call(http, emu, "sendMessage", data={"chat_id": str(IVAN)})
    assert (status, body["description"]) == (400, "Bad Request: message text is empty")


async def test_get_updates_honours_offset_limit_and_wakes_on_a_new_update(
    emu: TelegramEmulator, http: aiohttp.ClientSession
) -> None:
    for text in ("/start", "one", "two"):
        await emu.user_sends(IVAN, text)

    _, first = await call(http, emu, "getUpdates", data={"limit": "2"})
    ids = [u["update_id"] for u in first["result"]]
    assert len(ids) == 2
    assert first["result"][0]["message"]["entities"] == [
        {"type": "bot_command", "offset": 0, "length": 6}
    ]
    _, rest = await call(http, emu, "getUpdates", data={"offset": str(ids[-1] + 1)})
    assert [u["message"]["text"] for u in rest["result"]] == ["two"]
    assert len(emu.pending_updates) == 1  # confirmed ones are gone

    last = rest["result"][0]["update_id"]
    poll = asyncio.create_task(
        call(http, emu, "getUpdates", data={"offset": str(last + 1), "timeout": "30"})
    )
    await emu.wait_for(lambda: emu.polling)
    await emu.user_sends(IVAN, "late")
    _, woke = await asyncio.wait_for(poll, 5)  # far sooner than the 30 s long poll
    assert [u["message"]["text"] for u in woke["result"]] == ["late"]


async def test_a_second_long_poll_terminates_the_first(
    emu: TelegramEmulator, http: aiohttp.ClientSession
) -> None:
    first = asyncio.create_task(call(http, emu, "getUpdates", data={"timeout": "30"}))
    await emu.wait_for(lambda: emu.polling)
    second = asyncio.create_task(call(http, emu, "getUpdates", data={"timeout": "0"}))

    status, body = await asyncio.wait_for(first, 5)
    await second

    assert status == 409
    assert "terminated by other getUpdates request" in body["description"]


async def test_the_control_routes_play_the_user(
    emu: TelegramEmulator, http: aiohttp.ClientSession
) -> None:
    control = f"{emu.base_url}/_control"
    async with http.post(f"{control}/users", json={"user_id": 7, "first_name": "Petr"}) as r:
        assert (await r.json())["first_name"] == "Petr"
    async with http.post(f"{control}/users/7/messages", json={"text": "/start"}) as r:
        assert (await r.json())["message_id"] == 1
    await call(
        http,
        emu,
        "sendMessage",
        data={
            "chat_id": "7",
            "text": "Card",
            "reply_markup": '{"inline_keyboard": [[{"text": "Take", "callback_data": "t:1"}]]}',
        },
    )
    async with http.post(f"{control}/users/7/presses", json={"button": "Take"}) as r:
        query_id = (await r.json())["callback_query_id"]
    async with http.get(f"{control}/callbacks/{query_id}") as r:
        assert await r.json() == {"answered": False}
    await call(
        http, emu, "answerCallbackQuery", data={"callback_query_id": query_id, "text": "ok"}
    )
    async with http.get(f"{control}/callbacks/{query_id}") as r:
        assert (await r.json())["text"] == "ok"

    async with http.get(f"{control}/chats/7") as r:
        messages = (await r.json())["messages"]
    assert [(m["text"], m["buttons"]) for m in messages] == [
        ("/start", []),
        ("Card", [[["Take", "t:1"]]]),
    ]
    async with http.get(f"{control}/chats/7/transcript") as r:
        assert "[ Take ]" in await r.text()
    async with http.get(f"{control}/stats") as r:
        assert (await r.json())["per_chat"]["7"] == {"accepted": 1, "rate_limited": 0}
    async with http.post(f"{control}/users/7/block") as r:
        assert r.status == 200
    status, body = await call(http, emu, "sendMessage", data={"chat_id": "7", "text": "x"})
    assert (status, body["description"]) == (403, "Forbidden: bot was blocked by the user")
    async with http.post(f"{control}/users/99/messages", json={"text": "hi"}) as r:
        assert r.status == 404
    async with http.post(f"{control}/users/7/presses", json={"button": "Nope"}) as r:
        assert r.status == 400
