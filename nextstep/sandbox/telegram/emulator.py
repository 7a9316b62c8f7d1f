"""The emulator object tests and the demo hold: the user's side of Telegram, plus inspection.

The bot talks to the emulator over HTTP; this object is how a scenario plays the people on the
other end (``user_sends``, ``user_presses``), reads what they see (``chat``, ``render_chat``,
``callback_answer``) and waits for the bot to react (``wait_for``).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from .formatting import command_entities
from .ratelimit import Stats
from .render import render_chat
from .state import ApiCall, CallbackAnswer, CallbackQuery, ChangeSignal, EmulatorState, Json, User
from .views import ChatMessage, chat_message

if TYPE_CHECKING:
    from aiogram import Bot

T = TypeVar("T")


class TelegramEmulator:
    def __init__(self, state: EmulatorState, base_url: str = "") -> None:
        self.state = state
        self.base_url = base_url
        self._query_ids = itertools.count(1)

    # --- identity ---------------------------------------------------------------------------

    @property
    def token(self) -> str:
        return self.state.token

    @property
    def stats(self) -> Stats:
        return self.state.stats

    @property
    def changes(self) -> ChangeSignal:
        """Bumped on every change; ``await emu.changes.wait(timeout)`` wakes on the next one."""
        return self.state.changes

    def make_bot(self, **kwargs: Any) -> Bot:
        """An aiogram Bot whose session talks to this emulator (close ``bot.session`` after)."""
        from aiogram import Bot
        from aiogram.client.session.aiohttp import AiohttpSession
        from aiogram.client.telegram import TelegramAPIServer

        session = AiohttpSession(api=TelegramAPIServer.from_base(self.base_url))
        return Bot(self.token, session=session, **kwargs)

    # --- users ------------------------------------------------------------------------------

    def add_user(
        self,
        user_id: int,
        first_name: str,
        language_code: str | None = "ru",
        username: str | None = None,
        last_name: str | None = None,
    ) -> Json:
        user = User(user_id, first_name, language_code, username, last_name)
        return self.state.add_user(user).as_json()

    def block(self, user_id: int) -> None:
        """The user blocks the bot: sends to the chat answer 403 from now on."""
        self._set_blocked(user_id, blocked=True)

    def unblock(self, user_id: int) -> None:
        self._set_blocked(user_id, blocked=False)

    def _set_blocked(self, user_id: int, *, blocked: bool) -> None:
        chat = self.state.chat(user_id)
        if chat.user.blocked == blocked:
            return
        chat.user.blocked = blocked
        old, new = ("member", "kicked") if blocked else ("kicked", "member")
        member: Json = {"status": new, "user": self.state.bot_json()}
        if blocked:
            member["until_date"] = 0
        self.state.push_update(
            "my_chat_member",
            {
                "chat": chat.user.chat_json(),
                "from": chat.user.as_json(),
                "date": int(time.time()),
                "old_chat_member": {"status": old, "user": self.state.bot_json()},
                "new_chat_member": member,
            },
        )

    # --- the user acts ----------------------------------------------------------------------

    async def user_sends(self, user_id: int, text: str) -> int:
        """The user sends ``text``; queues a ``message`` update. Returns the message_id.

        A user who had blocked the bot restarts it first, as the Telegram client requires.
        """
        if not text:
            raise ValueError("a user cannot send an empty message")
        chat = self.state.chat(user_id)
        if chat.user.blocked:
            self.unblock(user_id)
        message = self.state.add_message(
            chat, from_bot=False, text=text, entities=command_entities(text)
        )
        self.state.push_update("message", self.state.message_json(message))
        return message.message_id

    async def user_presses(self, user_id: int, message_id: int, callback_data: str) -> str:
        """The user presses the button carrying ``callback_data`` on a bot message.

        Queues a ``callback_query`` update and returns its id (see :meth:`callback_answer`).
        """
        chat = self.state.chat(user_id)
        if chat.user.blocked:
            raise ValueError(f"user {user_id} has blocked the bot")
        message = chat.messages.get(message_id)
        if message is None or message.deleted or not message.from_bot:
            raise ValueError(f"no bot message {message_id} in the chat with {user_id}")
        rows = (message.reply_markup or {}).get("inline_keyboard", [])
        labels = {
            b["callback_data"]: b["text"] for row in rows for b in row if "callback_data" in b
        }
        if callback_data not in labels:
            raise ValueError(
                f"message {message_id} has no button with callback_data {callback_data!r}: "
                f"{chat_message(message).buttons}"
            )
        query_id = str(4_000_000_000_000_000_000 + next(self._query_ids))
        query = CallbackQuery(
            id=query_id,
            user_id=user_id,
            message_id=message_id,
            data=callback_data,
            seq=self.state.next_seq(),
            created=self.state.clock(),
            button_text=labels[callback_data],
        )
        self.state.callbacks[query_id] = query
        chat.presses.append(query)
        self.state.push_update(
            "callback_query",
            {
                "id": query_id,
                "from": chat.user.as_json(),
                "message": self.state.message_json(message),
                "chat_instance": str(-7_000_000_000 - user_id),
                "data": callback_data,
            },
        )
        return query_id

    async def user_presses_button(
        self, user_id: int, button_text: str, message_id: int | None = None
    ) -> str:
        """Press a button by its label, on ``message_id`` or on the newest message showing it."""
        for view in reversed(self.chat(user_id, include_deleted=False)):
            if message_id is not None and view.message_id != message_id:
                continue
            if button_text in view.button_texts:
                data = view.callback_data(button_text)
                return await self.user_presses(user_id, view.message_id, data)
        raise ValueError(f"no button {button_text!r} in the chat with {user_id}")

    # --- what the user sees -----------------------------------------------------------------

    def callback_answer(self, query_id: str) -> CallbackAnswer | None:
        """The toast/alert the bot answered a press with; None while unanswered."""
        query = self.state.callbacks.get(query_id)
        if query is None:
            raise KeyError(f"no callback query {query_id}")
        return query.answer

    def chat(self, user_id: int, *, include_deleted: bool = True) -> list[ChatMessage]:
        """The chat's messages (user's and bot's) in order, as they look now."""
        chat = self.state.chat(user_id)
        return [
            chat_message(m) for m in chat.messages.values() if include_deleted or not m.deleted
        ]

    def last_message(self, user_id: int) -> ChatMessage | None:
        """The newest visible message from the bot in this chat."""
        bot_messages = [m for m in self.chat(user_id, include_deleted=False) if m.from_bot]
        return bot_messages[-1] if bot_messages else None

    def message(self, user_id: int, message_id: int) -> ChatMessage:
        message = self.state.chat(user_id).messages.get(message_id)
        if message is None:
            raise KeyError(f"no message {message_id} in the chat with {user_id}")
        return chat_message(message)

    def chat_action(self, user_id: int) -> str | None:
        return self.state.chat(user_id).last_action

    def render_chat(self, user_id: int, *, show_deleted: bool = False) -> str:
        return render_chat(
            self.state.chat(user_id), self.state.bot_name, show_deleted=show_deleted
        )

    # --- inspection -------------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[ApiCall]:
        """Requests the bot made, optionally only one method (case-insensitive)."""
        if method is None:
            return list(self.state.calls)
        return [c for c in self.state.calls if c.method.lower() == method.lower()]

    def commands(self, scope: Json | None = None, language_code: str | None = None) -> list[Json]:
        return list(self.state.commands.get(self.state.commands_key(scope, language_code), []))

    @property
    def pending_updates(self) -> list[Json]:
        return list(self.state.updates)

    @property
    def polling(self) -> bool:
        """True while a getUpdates long poll is waiting (the bot is ready for updates)."""
        return self.state.active_polls > 0

    @property
    def webhook_url(self) -> str | None:
        return self.state.webhook.url if self.state.webhook else None

    # --- waiting ----------------------------------------------------------------------------

    async def wait_for(
        self,
        predicate: Callable[[], T | None],
        timeout: float = 5.0,  # noqa: ASYNC109 - a deadline for the whole wait, not one I/O call
        *,
        description: str | None = None,
        poll_interval: float = 0.05,
    ) -> T:
        """Re-check ``predicate`` on every change (and every ``poll_interval``, for conditions
        that depend on state outside the emulator) until it is truthy; return its value.

        Raises TimeoutError naming ``description`` when ``timeout`` seconds pass first.
        """
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value  # truthy, so not None
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                what = description or getattr(predicate, "__name__", "condition")
                raise TimeoutError(f"{what} not met within {timeout} s")
            await self.state.changes.wait(min(poll_interval, remaining))

    async def wait_for_message(
        self,
        user_id: int,
        contains: str | None = None,
        *,
        after: int = 0,
        timeout: float = 5.0,  # noqa: ASYNC109 - a deadline for the whole wait
    ) -> ChatMessage:
        """The first bot message with id > ``after`` whose text/caption contains ``contains``."""

        def found() -> ChatMessage | None:
            for view in self.chat(user_id, include_deleted=False):
                if not view.from_bot or view.message_id <= after:
                    continue
                if contains is None or contains in view.body:
                    return view
            return None

        return await self.wait_for(
            found,
            timeout,
            description=f"a bot message to {user_id} containing {contains!r} after #{after}",
        )
