"""Everything the emulated Telegram knows: the bot, its users, chats, pending updates, callbacks.

Mutations are synchronous (handlers run on one event loop) and each ends with ``changes.bump()``,
which wakes long polls, the webhook deliverer and ``wait_for`` callers at once.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import bad_request, forbidden
from .ratelimit import RateLimiter, RateLimits, Stats

Json = dict[str, Any]

DEFAULT_UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "callback_query",
        "inline_query",
        "chosen_inline_result",
        "shipping_query",
        "pre_checkout_query",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
    }
)


class ChangeSignal:
    """A version counter whose every bump wakes all current waiters."""

    def __init__(self) -> None:
        self.version = 0
        self._event = asyncio.Event()

    def bump(self) -> None:
        self.version += 1
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float) -> bool:  # noqa: ASYNC109 - returns on timeout
        """Wait for the next bump; False when ``timeout`` passed first."""
        event = self._event
        try:
            async with asyncio.timeout(max(0.0, timeout)):
                await event.wait()
        except TimeoutError:
            return False
        return True


@dataclass
class User:
    id: int
    first_name: str
    language_code: str | None = "ru"
    username: str | None = None
    last_name: str | None = None
    blocked: bool = False

    def as_json(self) -> Json:
        data: Json = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    def chat_json(self) -> Json:
        data: Json = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        return data


@dataclass
class Photo:
    file_id: str
    file_unique_id: str
    size: int
    width: int
    height: int
    filename: str | None = None

    def sizes_json(self) -> list[Json]:
        """A thumbnail plus the original, as Telegram returns several ``PhotoSize`` objects."""
        scale = min(1.0, 90 / max(self.width, self.height, 1))
        thumb: Json = {
            "file_id": f"{self.file_id}_s",
            "file_unique_id": f"{self.file_unique_id}s",
            "width": max(1, round(self.width * scale)),
            "height": max(1, round(self.height * scale)),
            "file_size": max(1, self.size // 20),
        }
        full: Json = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "width": self.width,
            "height": self.height,
            "file_size": self.size,
        }
        return [thumb, full]


@dataclass
class Message:
    chat_id: int
    message_id: int
    date: int
    from_bot: bool
    seq: int
    text: str | None = None
    entities: list[Json] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[Json] = field(default_factory=list)
    photo: Photo | None = None
    reply_markup: Json | None = None
    edit_date: int | None = None
    deleted: bool = False


@dataclass(frozen=True)
class CallbackAnswer:
    """What the user saw after pressing: a toast (``show_alert=False``) or a modal alert."""

    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int


@dataclass
class CallbackQuery:
    id: str
    user_id: int
    message_id: int
    data: str
    seq: int
    created: float
    button_text: str = ""
    answer: CallbackAnswer | None = None


@dataclass
class Webhook:
    url: str
    secret_token: str | None
    max_connections: int
    allowed_updates: list[str] | None
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass(frozen=True)
class ApiCall:
    """One request the bot made, for tests that assert on what was called."""

    method: str
    params: Json
    ok: bool
    error: str | None
    at: float


@dataclass
class Chat:
    user: User
    messages: dict[int, Message] = field(default_factory=dict)
    next_message_id: int = 1
    last_action: str | None = None
    presses: list[CallbackQuery] = field(default_factory=list)


class EmulatorState:
    def __init__(
        self,
        token: str,
        *,
        limits: RateLimits | None = None,
        bot_name: str = "Nextstep Sandbox",
        bot_username: str = "nextstep_sandbox_bot",
        callback_timeout: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_name = bot_name
        self.bot_username = bot_username
        self.callback_timeout = callback_timeout
        self.clock = clock
        self.stats = Stats()
        self.limiter = RateLimiter(limits or RateLimits(), self.stats, clock)
        self.changes = ChangeSignal()
        self.chats: dict[int, Chat] = {}
        self.updates: list[Json] = []
        self.next_update_id = 1
        self.allowed_updates: frozenset[str] = DEFAULT_UPDATE_TYPES
        self.callbacks: dict[str, CallbackQuery] = {}
        self.files: dict[str, Photo] = {}
        self.webhook: Webhook | None = None
        self.commands: dict[tuple[str, str], list[Json]] = {}
        self.calls: list[ApiCall] = []
        self.poll_generation = 0
        self.active_polls = 0
        self.closing = False
        self._seq = itertools.count(1)
        self._ids = itertools.count(1)

    # --- identities -------------------------------------------------------------------------

    def bot_json(self) -> Json:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_name,
            "username": self.bot_username,
        }

    def me_json(self) -> Json:
        return {
            **self.bot_json(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def next_seq(self) -> int:
        return next(self._seq)

    def new_id(self) -> int:
        return next(self._ids)

    # --- chats ------------------------------------------------------------------------------

    def add_user(self, user: User) -> User:
        chat = self.chats.get(user.id)
        if chat is None:
            self.chats[user.id] = Chat(user)
        else:
            chat.user = user
        self.changes.bump()
        return user

    def chat(self, chat_id: int) -> Chat:
        """The chat for a control call (a test's mistake is a KeyError, not an API error)."""
        try:
            return self.chats[chat_id]
        except KeyError:
            raise KeyError(f"no user {chat_id} in the emulator; call add_user first") from None

    def api_chat(self, chat_id: int | None, *, sending: bool = True) -> Chat:
        """The chat for a bot's call, with the API's errors for unknown and blocked chats."""
        if chat_id is None:
            raise bad_request("chat_id is empty")
        chat = self.chats.get(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        if sending and chat.user.blocked:
            raise forbidden("bot was blocked by the user")
        return chat

    def add_message(self, chat: Chat, *, from_bot: bool, **fields: Any) -> Message:
        message = Message(
            chat_id=chat.user.id,
            message_id=chat.next_message_id,
            date=int(time.time()),
            from_bot=from_bot,
            seq=self.next_seq(),
            **fields,
        )
        chat.next_message_id += 1
        chat.messages[message.message_id] = message
        self.changes.bump()
        return message

    def message_json(self, message: Message) -> Json:
        chat = self.chats[message.chat_id]
        data: Json = {
            "message_id": message.message_id,
            "from": self.bot_json() if message.from_bot else chat.user.as_json(),
            "chat": chat.user.chat_json(),
            "date": message.date,
        }
        if message.edit_date is not None:
            data["edit_date"] = message.edit_date
        if message.text is not None:
            data["text"] = message.text
            if message.entities:
                data["entities"] = message.entities
        if message.photo is not None:
            data["photo"] = message.photo.sizes_json()
        if message.caption is not None:
            data["caption"] = message.caption
            if message.caption_entities:
                data["caption_entities"] = message.caption_entities
        if message.reply_markup is not None:
            data["reply_markup"] = message.reply_markup
        return data

    # --- updates ----------------------------------------------------------------------------

    def push_update(self, kind: str, payload: Json) -> Json:
        update: Json = {"update_id": self.next_update_id, kind: payload}
        self.next_update_id += 1
        self.updates.append(update)
        self.changes.bump()
        return update

    def confirm_updates(self, offset: int | None) -> None:
        """Forget updates before ``offset`` (negative: keep only the last ``-offset``)."""
        if offset is None or offset == 0:
            return
        before = len(self.updates)
        if offset > 0:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        else:
            self.updates = self.updates[offset:]
        if len(self.updates) != before:
            self.changes.bump()

    def drop_unwanted(self, allowed: frozenset[str]) -> None:
        """Telegram silently discards update types the bot did not ask for."""
        self.updates = [u for u in self.updates if update_kind(u) in allowed]

    def drop_pending(self) -> None:
        self.updates.clear()
        self.changes.bump()

    def commands_key(self, scope: Any, language_code: str | None) -> tuple[str, str]:
        scope_json = json.dumps(scope or {"type": "default"}, sort_keys=True)
        return scope_json, language_code or ""


def update_kind(update: Json) -> str:
    return next(key for key in update if key != "update_id")


def resolve_allowed(value: Any) -> frozenset[str] | None:
    """The update types a ``getUpdates``/``setWebhook`` asked for; None when it did not say."""
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad_request("can't parse allowed_updates")
    return frozenset(value) if value else DEFAULT_UPDATE_TYPES
