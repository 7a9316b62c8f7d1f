"""HTTP control API under ``/_control/``: the emulator's Python API for out-of-process use.

Routes (JSON in and out; unknown users/messages → 404, misuse → 400, both ``{"error": ...}``):

- ``POST /_control/users`` ``{user_id, first_name, language_code?, username?, last_name?}``
- ``POST /_control/users/{user_id}/block`` and ``.../unblock``
- ``POST /_control/users/{user_id}/messages`` ``{text}`` → ``{message_id}``
- ``POST /_control/users/{user_id}/presses`` ``{message_id, callback_data}`` or ``{button}``
  (label; optional message_id) → ``{callback_query_id}``
- ``GET /_control/callbacks/{query_id}`` → ``{answered, text, show_alert, url}``
- ``GET /_control/chats/{user_id}`` → ``{messages: [...]}``
- ``GET /_control/chats/{user_id}/transcript`` → text/plain
- ``GET /_control/stats``, ``GET /_control/calls?method=sendMessage``
- ``GET /_control/changes?since=V&timeout=S`` → ``{version}`` once the version passes ``since``
  (long poll, for waiting from another process)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from .emulator import TelegramEmulator

ControlHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _guard(handler: ControlHandler) -> ControlHandler:
    async def guarded(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except KeyError as exc:
            return web.json_response({"error": str(exc.args[0] if exc.args else exc)}, status=404)
        except (ValueError, TypeError) as exc:
            return web.json_response({"error": str(exc)}, status=400)

    return guarded


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    body = await request.json()
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    return body


def _field(body: dict[str, Any], name: str) -> Any:
    if name not in body:
        raise ValueError(f"missing field {name!r}")
    return body[name]


def _user_id(request: web.Request) -> int:
    return int(request.match_info["user_id"])


def add_control_routes(app: web.Application, emu: TelegramEmulator) -> None:
    async def add_user(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        user = emu.add_user(
            int(_field(body, "user_id")),
            str(_field(body, "first_name")),
            language_code=body.get("language_code", "ru"),
            username=body.get("username"),
            last_name=body.get("last_name"),
        )
        return web.json_response(user)

    async def block(request: web.Request) -> web.StreamResponse:
        emu.block(_user_id(request))
        return web.json_response({"ok": True})

    async def unblock(request: web.Request) -> web.StreamResponse:
        emu.unblock(_user_id(request))
        return web.json_response({"ok": True})

    async def send(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        message_id = await emu.user_sends(_user_id(request), str(_field(body, "text")))
        return web.json_response({"message_id": message_id})

    async def press(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        user_id = _user_id(request)
        message_id = body.get("message_id")
        if "button" in body:
            query_id = await emu.user_presses_button(
                user_id, str(body["button"]), int(message_id) if message_id else None
            )
        else:
            query_id = await emu.user_presses(
                user_id, int(_field(body, "message_id")), str(_field(body, "callback_data"))
            )
        return web.json_response({"callback_query_id": query_id})

    async def callback(request: web.Request) -> web.StreamResponse:
        answer = emu.callback_answer(request.match_info["query_id"])
        if answer is None:
            return web.json_response({"answered": False})
        return web.json_response({"answered": True, **dataclasses.asdict(answer)})

    async def chat(request: web.Request) -> web.StreamResponse:
        messages = [dataclasses.asdict(m) for m in emu.chat(_user_id(request))]
        return web.json_response({"messages": messages})

    async def transcript(request: web.Request) -> web.StreamResponse:
        show_deleted = request.query.get("show_deleted") in {"1", "true"}
        return web.Response(text=emu.render_chat(_user_id(request), show_deleted=show_deleted))

    async def stats(request: web.Request) -> web.StreamResponse:
        return web.json_response(emu.stats.as_dict())

    async def calls(request: web.Request) -> web.StreamResponse:
        found = emu.calls(request.query.get("method"))
        return web.json_response({"calls": [dataclasses.asdict(c) for c in found]})

    async def changes(request: web.Request) -> web.StreamResponse:
        since = int(request.query.get("since", "0"))
        timeout = min(60.0, float(request.query.get("timeout", "10")))
        signal = emu.changes
        if signal.version <= since:
            await signal.wait(timeout)
        return web.json_response({"version": signal.version})

    routes = [
        ("POST", "/_control/users", add_user),
        ("POST", "/_control/users/{user_id}/block", block),
        ("POST", "/_control/users/{user_id}/unblock", unblock),
        ("POST", "/_control/users/{user_id}/messages", send),
        ("POST", "/_control/users/{user_id}/presses", press),
        ("GET", "/_control/callbacks/{query_id}", callback),
        ("GET", "/_control/chats/{user_id}", chat),
        ("GET", "/_control/chats/{user_id}/transcript", transcript),
        ("GET", "/_control/stats", stats),
        ("GET", "/_control/calls", calls),
        ("GET", "/_control/changes", changes),
    ]
    for method, path, handler in routes:
        app.router.add_route(method, path, _guard(handler))
