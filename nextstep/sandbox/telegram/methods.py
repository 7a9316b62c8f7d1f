"""The Bot API methods the emulator answers, each checked the way Telegram checks it.

A handler takes the state and the call's parameters and returns the ``result`` value, or raises
:class:`ApiError` with Telegram's own error text. ``METHODS`` maps lower-cased names (the API is
case-insensitive about method names) to handlers.
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from .errors import (
    MESSAGE_NOT_MODIFIED,
    POLL_TERMINATED,
    QUERY_TOO_OLD,
    WEBHOOK_ACTIVE,
    ApiError,
    bad_request,
    conflict,
    too_many_requests,
)
from .formatting import format_text
from .media import store_photo
from .params import Params
from .state import (
    ApiCall,
    CallbackAnswer,
    Chat,
    EmulatorState,
    Json,
    Message,
    Webhook,
    resolve_allowed,
)

Handler = Callable[[EmulatorState, Params], Awaitable[Any]]

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_TEXT = 200
MAX_CALLBACK_DATA = 64
_BUTTON_ACTIONS = frozenset(
    {
        "url",
        "callback_data",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


# --- shared checks -------------------------------------------------------------------------


def _limit(state: EmulatorState, chat: Chat) -> None:
    retry_after = state.limiter.acquire(chat.user.id)
    if retry_after is not None:
        raise too_many_requests(retry_after)


def _text(p: Params, name: str = "text") -> tuple[str, list[Json]]:
    raw = p.get_str(name)
    if not raw:
        raise bad_request("message text is empty")
    text, entities = format_text(raw, p.get_str("parse_mode"))
    explicit = p.get_json("entities")
    if isinstance(explicit, list) and not entities:
        entities = explicit
    if not text.strip():
        raise bad_request("message text is empty")
    if len(text) > MAX_TEXT:
        raise bad_request("message is too long")
    return text, entities


def _caption(p: Params) -> tuple[str | None, list[Json]]:
    raw = p.get_str("caption")
    if not raw:
        return None, []
    caption, entities = format_text(raw, p.get_str("parse_mode"))
    if len(caption) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return caption, entities


def parse_reply_markup(value: Any) -> Json | None:
    """Validate a reply_markup; return the inline keyboard to keep on the message, if any.

    Reply keyboards, removals and force-reply are accepted but (as in the real API) are not
    part of the returned Message.
    """
    if value is None:
        return None
    if not isinstance(value, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in value:
        return None
    rows = value["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
        )
    for row in rows:
        for button in row:
            _check_button(button)
    if not any(rows):
        return None
    return {"inline_keyboard": rows}


def _check_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request("can't parse inline keyboard button: Text must be a String")
    if not button["text"]:
        raise bad_request("can't parse inline keyboard button: Text must be non-empty")
    actions = _BUTTON_ACTIONS.intersection(button)
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not re.match(r"^(https?|tg)://\S+$", url):
            raise bad_request("BUTTON_URL_INVALID")


def _message_for_edit(state: EmulatorState, p: Params) -> tuple[Chat, Message]:
    if p.get_str("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")
    chat = state.api_chat(p.get_int("chat_id"))
    message_id = p.get_int("message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    message = chat.messages.get(message_id)
    if message is None or message.deleted:
        raise bad_request("message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    return chat, message


def _apply_edit(state: EmulatorState, message: Message, **changes: Any) -> Json:
    for key, value in changes.items():
        setattr(message, key, value)
    message.edit_date = int(time.time())
    state.changes.bump()
    return state.message_json(message)


# --- identity and updates -----------------------------------------------------------------


async def get_me(state: EmulatorState, p: Params) -> Any:
    return state.me_json()


async def get_updates(state: EmulatorState, p: Params) -> Any:
    if state.webhook is not None:
        raise conflict(WEBHOOK_ACTIVE)
    allowed = resolve_allowed(p.get_json("allowed_updates"))
    if allowed is not None:
        state.allowed_updates = allowed
    state.confirm_updates(p.get_int("offset"))
    limit = min(100, max(1, p.get_int("limit") or 100))
    timeout = max(0, p.get_int("timeout") or 0)
    state.poll_generation += 1
    ticket = state.poll_generation
    # An older long poll still waiting is answered 409, as in Telegram; waiters see polling start.
    state.changes.bump()
    deadline = time.monotonic() + timeout
    state.active_polls += 1
    try:
        while True:
            if state.poll_generation != ticket:
                raise conflict(POLL_TERMINATED)
            if state.webhook is not None:
                raise conflict(WEBHOOK_ACTIVE)
            state.drop_unwanted(state.allowed_updates)
            remaining = deadline - time.monotonic()
            if state.updates or state.closing or remaining <= 0:
                return state.updates[:limit]
            await state.changes.wait(remaining)
    finally:
        state.active_polls -= 1


async def set_webhook(state: EmulatorState, p: Params) -> Any:
    url = p.get_str("url") or ""
    if p.get_bool("drop_pending_updates"):
        state.drop_pending()
    if not url:
        state.webhook = None
        state.changes.bump()
        return True
    if not re.match(r"^https?://\S+$", url):
        raise bad_request("bad webhook: Failed to resolve host: Name or service not known")
    secret = p.get_str("secret_token")
    if secret is not None and not _SECRET.match(secret):
        raise bad_request("secret token contains unallowed characters")
    max_connections = p.get_int("max_connections") or 40
    if not 1 <= max_connections <= 100:
        raise bad_request("bad webhook: max_connections must be between 1 and 100")
    allowed = resolve_allowed(p.get_json("allowed_updates"))
    if allowed is not None:
        state.allowed_updates = allowed
    state.webhook = Webhook(
        url=url,
        secret_token=secret,
        max_connections=max_connections,
        allowed_updates=sorted(allowed) if allowed is not None else None,
    )
    state.changes.bump()
    return True


async def delete_webhook(state: EmulatorState, p: Params) -> Any:
    if p.get_bool("drop_pending_updates"):
        state.drop_pending()
    state.webhook = None
    state.changes.bump()
    return True


async def get_webhook_info(state: EmulatorState, p: Params) -> Any:
    info: Json = {
        "url": "",
        "has_custom_certificate": False,
        "pending_update_count": len(state.updates),
    }
    hook = state.webhook
    if hook is not None:
        info["url"] = hook.url
        info["max_connections"] = hook.max_connections
        if hook.allowed_updates is not None:
            info["allowed_updates"] = hook.allowed_updates
        if hook.last_error_date is not None:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message
    return info


# --- messages ------------------------------------------------------------------------------


async def send_message(state: EmulatorState, p: Params) -> Any:
    chat = state.api_chat(p.get_int("chat_id"))
    text, entities = _text(p)
    markup = parse_reply_markup(p.get_json("reply_markup"))
    _limit(state, chat)
    message = state.add_message(
        chat, from_bot=True, text=text, entities=entities, reply_markup=markup
    )
    return state.message_json(message)


async def send_photo(state: EmulatorState, p: Params) -> Any:
    chat = state.api_chat(p.get_int("chat_id"))
    source = p.get_input_file("photo")
    if source is None or source == "":
        raise bad_request("there is no photo in the request")
    caption, caption_entities = _caption(p)
    markup = parse_reply_markup(p.get_json("reply_markup"))
    photo = store_photo(state, source)
    _limit(state, chat)
    message = state.add_message(
        chat,
        from_bot=True,
        photo=photo,
        caption=caption,
        caption_entities=caption_entities,
        reply_markup=markup,
    )
    return state.message_json(message)


async def edit_message_text(state: EmulatorState, p: Params) -> Any:
    chat, message = _message_for_edit(state, p)
    if message.text is None:
        raise bad_request("there is no text in the message to edit")
    text, entities = _text(p)
    markup = parse_reply_markup(p.get_json("reply_markup"))
    if (text, entities, markup) == (message.text, message.entities, message.reply_markup):
        raise bad_request(MESSAGE_NOT_MODIFIED)
    _limit(state, chat)
    return _apply_edit(state, message, text=text, entities=entities, reply_markup=markup)


async def edit_message_caption(state: EmulatorState, p: Params) -> Any:
    chat, message = _message_for_edit(state, p)
    if message.photo is None:
        raise bad_request("there is no caption in the message to edit")
    caption, entities = _caption(p)
    markup = parse_reply_markup(p.get_json("reply_markup"))
    current = (message.caption, message.caption_entities, message.reply_markup)
    if (caption, entities, markup) == current:
        raise bad_request(MESSAGE_NOT_MODIFIED)
    _limit(state, chat)
    return _apply_edit(
        state, message, caption=caption, caption_entities=entities, reply_markup=markup
    )


async def edit_message_reply_markup(state: EmulatorState, p: Params) -> Any:
    chat, message = _message_for_edit(state, p)
    markup = parse_reply_markup(p.get_json("reply_markup"))
    if markup == message.reply_markup:
        raise bad_request(MESSAGE_NOT_MODIFIED)
    _limit(state, chat)
    return _apply_edit(state, message, reply_markup=markup)


async def delete_message(state: EmulatorState, p: Params) -> Any:
    chat = state.api_chat(p.get_int("chat_id"), sending=False)
    message_id = p.get_int("message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    message = chat.messages.get(message_id)
    if message is None or message.deleted:
        raise bad_request("message to delete not found")
    message.deleted = True
    state.changes.bump()
    return True


async def send_chat_action(state: EmulatorState, p: Params) -> Any:
    chat = state.api_chat(p.get_int("chat_id"))
    action = p.get_str("action")
    if action not in _CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    chat.last_action = action
    state.changes.bump()
    return True


# --- callbacks -----------------------------------------------------------------------------


async def answer_callback_query(state: EmulatorState, p: Params) -> Any:
    query = state.callbacks.get(p.get_str("callback_query_id") or "")
    if query is None or query.answer is not None:
        raise bad_request(QUERY_TOO_OLD)
    timeout = state.callback_timeout
    if timeout is not None and state.clock() - query.created > timeout:
        raise bad_request(QUERY_TOO_OLD)
    text = p.get_str("text")
    if text is not None and len(text) > MAX_CALLBACK_TEXT:
        raise bad_request("MESSAGE_TOO_LONG")
    query.answer = CallbackAnswer(
        text=text or None,
        show_alert=p.get_bool("show_alert"),
        url=p.get_str("url"),
        cache_time=p.get_int("cache_time") or 0,
    )
    state.changes.bump()
    return True


# --- commands ------------------------------------------------------------------------------


async def set_my_commands(state: EmulatorState, p: Params) -> Any:
    commands = p.get_json("commands")
    if not isinstance(commands, list):
        raise bad_request('parameter "commands" is required')
    if len(commands) > 100:
        raise bad_request("too many commands specified")
    for item in commands:
        if not isinstance(item, dict) or not _COMMAND.match(str(item.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        description = item.get("description")
        if not isinstance(description, str) or not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    key = state.commands_key(p.get_json("scope"), p.get_str("language_code"))
    state.commands[key] = [
        {"command": c["command"], "description": c["description"]} for c in commands
    ]
    state.changes.bump()
    return True


async def get_my_commands(state: EmulatorState, p: Params) -> Any:
    key = state.commands_key(p.get_json("scope"), p.get_str("language_code"))
    return state.commands.get(key, [])


async def delete_my_commands(state: EmulatorState, p: Params) -> Any:
    key = state.commands_key(p.get_json("scope"), p.get_str("language_code"))
    state.commands.pop(key, None)
    state.changes.bump()
    return True


METHODS: dict[str, Handler] = {
    "getme": get_me,
    "getupdates": get_updates,
    "setwebhook": set_webhook,
    "deletewebhook": delete_webhook,
    "getwebhookinfo": get_webhook_info,
    "sendmessage": send_message,
    "sendphoto": send_photo,
    "editmessagetext": edit_message_text,
    "editmessagecaption": edit_message_caption,
    "editmessagereplymarkup": edit_message_reply_markup,
    "deletemessage": delete_message,
    "sendchataction": send_chat_action,
    "answercallbackquery": answer_callback_query,
    "setmycommands": set_my_commands,
    "getmycommands": get_my_commands,
    "deletemycommands": delete_my_commands,
}


async def call_method(state: EmulatorState, name: str, params: Params) -> Any:
    """Run one method and record it in ``state.calls`` and the counters; raises ApiError."""
    handler = METHODS.get(name.lower())
    if handler is None:
        raise ApiError(404, "Not Found")
    state.stats.requests += 1
    try:
        result = await handler(state, params)
    except ApiError as exc:
        state.stats.errors += 1
        state.calls.append(ApiCall(name, params.loggable(), False, exc.description, time.time()))
        raise
    state.calls.append(ApiCall(name, params.loggable(), True, None, time.time()))
    return result
