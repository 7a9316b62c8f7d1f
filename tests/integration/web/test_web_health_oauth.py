"""/healthz, the OAuth callback page and the Telegram webhook hook, through a real server."""

from __future__ import annotations

import aiohttp
from aiohttp import web

from nextstep.bot.config import Settings
from nextstep.bot.storage import Database
from nextstep.bot.web import create_web_app
from nextstep.crm_client.errors import CrmAuthError
from tests.integration.web.conftest import serve


async def test_healthz_reports_the_database(
    db: Database, settings: Settings, http: aiohttp.ClientSession
) -> None:
    server = await serve(create_web_app(db, settings, oauth_exchange=None))
    try:
        async with http.get(server.make_url("/healthz")) as resp:
            assert resp.status == 200
            assert await resp.json() == {"status": "ok", "db": "ok"}
    finally:
        await server.close()


async def test_healthz_is_503_when_the_database_is_gone(
    settings: Settings, http: aiohttp.ClientSession
) -> None:
    # A server nobody answers on (port 1 refuses at once). Not a SQLite file in a missing
    # folder: aiosqlite leaves that failed connection's thread behind, and it raises into a
    # later test once this test's event loop is closed.
    broken = Database("postgresql+asyncpg://nobody@127.0.0.1:1/gone")
    server = await serve(create_web_app(broken, settings, oauth_exchange=None))
    try:
        async with http.get(server.make_url("/healthz")) as resp:
            assert resp.status == 503
            assert (await resp.json())["status"] == "error"
    finally:
        await server.close()
        await broken.dispose()


async def test_oauth_callback_exchanges_the_code_once(
    db: Database, settings: Settings, http: aiohttp.ClientSession
) -> None:
    codes: list[str] = []

    async def exchange(code: str) -> object:
        codes.append(code)
        if code == "used":
            raise CrmAuthError("Authorization code has expired")
        return None

    server = await serve(create_web_app(db, settings, oauth_exchange=exchange))
    try:
        async with http.get(
            server.make_url("/oauth/amocrm/callback"), params={"code": "abc", "state": "xyz"}
        ) as resp:
            ok = (resp.status, await resp.text())
        async with http.get(
            server.make_url("/oauth/amocrm/callback"), params={"code": "used"}
        ) as resp:
            refused = (resp.status, await resp.text())
        async with http.get(
            server.make_url("/oauth/amocrm/callback"), params={"error": "access_denied"}
        ) as resp:
            denied = resp.status
    finally:
        await server.close()
    assert codes == ["abc", "used"]
    assert ok[0] == 200
    assert "Connected" in ok[1]
    assert refused[0] == 400
    assert "Authorization code has expired" in refused[1]
    assert denied == 400


async def test_oauth_callback_without_oauth_settings_says_so(
    db: Database, settings: Settings, http: aiohttp.ClientSession
) -> None:
    server = await serve(create_web_app(db, settings))  # long-lived token only: no OAuth
    try:
        async with http.get(
            server.make_url("/oauth/amocrm/callback"), params={"code": "abc"}
        ) as resp:
            assert resp.status == 503
            assert "AMOCRM_CLIENT_ID" in await resp.text()
    finally:
        await server.close()


async def test_telegram_webhook_hook_checks_the_secret_token(
    db: Database, settings: Settings, http: aiohttp.ClientSession
) -> None:
    seen: list[dict[str, object]] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(await request.json())
        return web.json_response({"ok": True})

    with_secret = settings.model_copy(
        update={"telegram_webhook_secret": settings.webhook_secret.__class__("tg-secret")}
    )
    app = create_web_app(db, with_secret, oauth_exchange=None, telegram_handler=handler)
    server = await serve(app)
    url = server.make_url("/webhooks/telegram")
    try:
        async with http.post(url, json={"update_id": 1}) as resp:
            missing = resp.status
        headers = {"X-Telegram-Bot-Api-Secret-Token": "tg-secret"}
        async with http.post(url, json={"update_id": 2}, headers=headers) as resp:
            good = resp.status
    finally:
        await server.close()
    assert (missing, good) == (401, 200)
    assert seen == [{"update_id": 2}]
