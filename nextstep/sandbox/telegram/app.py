"""The aiohttp application: ``/bot{token}/{method}`` for the bot, ``/_control/`` for scenarios."""

from __future__ import annotations

from aiohttp import web

from .control import add_control_routes
from .emulator import TelegramEmulator
from .errors import ApiError
from .methods import METHODS, call_method
from .params import read_params

EMULATOR_KEY = web.AppKey("telegram_emulator", TelegramEmulator)

# Telegram accepts uploads up to 50 MB; aiohttp's default body limit is 1 MiB.
MAX_BODY = 50 * 1024 * 1024


def _error(exc: ApiError) -> web.Response:
    return web.json_response(exc.body(), status=exc.code)


async def handle_api(request: web.Request) -> web.Response:
    emulator = request.app[EMULATOR_KEY]
    if request.match_info["token"] != emulator.token:
        return _error(ApiError(401, "Unauthorized"))
    method = request.match_info["method"]
    if method.lower() not in METHODS:
        return _error(ApiError(404, "Not Found"))
    try:
        params = await read_params(request)
        result = await call_method(emulator.state, method, params)
    except ApiError as exc:
        return _error(exc)
    return web.json_response({"ok": True, "result": result})


def build_app(emulator: TelegramEmulator) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY)
    app[EMULATOR_KEY] = emulator
    app.router.add_get("/bot{token}/{method}", handle_api)
    app.router.add_post("/bot{token}/{method}", handle_api)
    add_control_routes(app, emulator)
    return app
