"""TelegramSender: drains `kind="telegram"` outbox rows through an aiogram Bot, within the limits.

Pacing: a global token bucket (`telegram_global_rate`, 25 msg/s by default, under Telegram's
~30) and per-chat spacing (`telegram_chat_interval`, 1 s). Different chats go out concurrently
(at most `max_in_flight` rows in hand); one chat's rows go one at a time, in order, because the
storage's claim hands out a row only when the older rows of its `order_key` ("chat:N") are done.
The pacing state lives in this object: run one sender per bot token (several relays would each
spend the whole budget).

Outcomes (docs/bot-layer.md):
- success → `result={"message_id": M}`, and `cards.message_id = M` for a card;
- 429 → the row is handed back for `retry_after` seconds (not counted as an attempt) and the
  chat is paused as long;
- 5xx, network errors, timeouts → retried with exponential backoff and jitter, at most
  `max_attempts` tries, then dead (the last error is kept);
- "message is not modified" on an edit → sent; an edit whose card has no message yet → retried
  shortly (dead if the card's own send died);
- 403 (blocked, deactivated) → dead, the staff member `is_reachable=False` with the reason, and
  one notice to every admin, through the outbox;
- any other 400 → dead with Telegram's description. A text or caption over Telegram's size
  limit is shortened here (`textfit.fit_text`) rather than refused: a cut card beats a lost one.

Delivery guarantee — at least once, with a narrow duplicate window. The row is claimed with a
lease and committed *before* the send, and marked in its own short transaction right *after*:
- a crash before the send leaves the row `sending`; its lease runs out and it is claimed again
  (nothing is lost);
- a crash (or a lost database) after Telegram accepted the message but before the mark commits
  sends that message again once the lease runs out. Telegram has no idempotency key for
  sendMessage, so this window cannot be closed, only kept small: the mark is the very next
  statement after the send, and a row whose lease is nearly over is not sent at all (another
  relay may already have re-claimed it).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n

from nextstep.bot.config import Settings
from nextstep.bot.delivery import notices, texts
from nextstep.bot.delivery.backoff import Backoff
from nextstep.bot.delivery.keyboards import BadButtons, build_markup
from nextstep.bot.delivery.leases import release
from nextstep.bot.delivery.pacing import ChatPacer, TokenBucket
from nextstep.bot.delivery.pump import Pump
from nextstep.bot.storage import Database
from nextstep.bot.storage import outbox as outbox_store
from nextstep.bot.storage.callbacks import CardRepository
from nextstep.bot.storage.models import Card, OutboxItem
from nextstep.bot.textfit import CAPTION_LIMIT, fit_text

log = logging.getLogger(__name__)

NOT_MODIFIED = "message is not modified"
KIND = "telegram"


def _caption(caption: Any) -> str | None:
    return fit_text(str(caption), CAPTION_LIMIT) if caption else None


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class _Target:
    chat_id: int
    message_id: int | None = None  # for edits


class TelegramSender:
    """Drains the Telegram outbox. `await sender.run()` in the app; `drain_once()` in tests.

    `on_sent(row, message_id)` (optional) is awaited after a row is recorded as sent.
    """

    def __init__(
        self,
        db: Database,
        bot: Bot,
        *,
        settings: Settings | None = None,
        global_rate: float | None = None,
        chat_interval: float | None = None,
        max_in_flight: int = 32,
        lease: timedelta = timedelta(minutes=2),
        poll_interval: float = 1.0,
        max_attempts: int = 8,
        backoff: Backoff | None = None,
        request_timeout: float = 20.0,
        edit_wait: timedelta = timedelta(seconds=2),
        edit_wait_attempts: int = 30,
        i18n: I18n | None = None,
        render_unreachable_notice: texts.RenderUnreachable | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        settings_rate = settings.telegram_global_rate if settings else 25.0
        settings_interval = settings.telegram_chat_interval if settings else 1.0
        self.db = db
        self.bot = bot
        self.global_rate = global_rate if global_rate is not None else settings_rate
        self.chat_interval = chat_interval if chat_interval is not None else settings_interval
        self.max_attempts = max_attempts
        self.backoff = backoff or Backoff(base=1.0, max_delay=120.0)
        self.request_timeout = request_timeout
        self.edit_wait = edit_wait
        self.edit_wait_attempts = edit_wait_attempts
        self._render_reason = texts.make_render(i18n)
        self._render_unreachable = render_unreachable_notice or texts.unreachable_from(
            self._render_reason
        )
        self._clock = clock
        # A small burst makes up for slots lost while the pipeline stalled (a slow commit)
        # without ever exceeding global_rate by more than a fifth in any second.
        self._bucket = TokenBucket(self.global_rate, burst=max(1.0, self.global_rate / 5))
        self._pacer = ChatPacer(self.chat_interval)
        # Never start a send in the last part of the lease: the row may be re-claimed.
        self._lease_margin = timedelta(seconds=min(lease.total_seconds() / 2, request_timeout + 5))
        self._pump = Pump(
            db,
            KIND,
            handle=self._handle,
            key_of=self._key_of,
            clock=clock,
            lease=lease,
            capacity=max_in_flight,
            poll_interval=poll_interval,
        )

    # --- lifecycle ------------------------------------------------------------------------------

    def wake(self) -> None:
        self._pump.wake()

    def stop(self) -> None:
        self._pump.stop()

    async def run(self) -> None:
        await self._pump.run()

    async def drain_once(self) -> int:
        return await self._pump.drain_once()

    # --- one row --------------------------------------------------------------------------------

    @staticmethod
    def _key_of(row: OutboxItem) -> Hashable:
        if row.chat_id is not None:
            return ("chat", row.chat_id)
        chat = row.payload.get("chat_id")
        if isinstance(chat, int):
            return ("chat", chat)
        return ("card", row.payload.get("card_id"))

    async def _handle(self, row: OutboxItem) -> None:
        payload = row.payload
        op = payload.get("op")
        try:
            target = await self._target(row)
            if target is None:
                return  # recorded (dead or waiting for its card)
            if not await self._pace(row, target.chat_id):
                return
            message_id = await self._call(op, payload, target)
        except TelegramRetryAfter as exc:
            chat_id = self._chat_of(row)
            if chat_id is not None:
                self._pacer.pause(chat_id, exc.retry_after)
            await self._release(row, timedelta(seconds=exc.retry_after), f"429: {exc.message}")
        except TelegramForbiddenError as exc:
            await self._unreachable(row, exc.message)
        except TelegramBadRequest as exc:
            if op == "edit" and NOT_MODIFIED in exc.message.lower():
                await self._sent(row, None, {"not_modified": True})
            else:
                await self._dead(row, f"400: {exc.message}")
        except TelegramUnauthorizedError as exc:
            # The token is wrong: a deployment fault, not the message's. Keep it for later.
            log.error("Telegram refused the bot token: %s", exc.message)
            await self._release(row, timedelta(minutes=1), f"401: {exc.message}")
        except TelegramEntityTooLarge as exc:
            await self._dead(row, f"too large: {exc.message}")
        except (TelegramServerError, TelegramNetworkError, TimeoutError) as exc:
            await self._transient(row, f"{type(exc).__name__}: {exc}")
        except (BadButtons, binascii.Error, KeyError, TypeError, ValueError) as exc:
            await self._dead(row, f"bad payload: {exc}")
        except TelegramAPIError as exc:  # 404, 409, migrate-to-chat: not going to get better
            await self._dead(row, f"{type(exc).__name__}: {exc.message}")
        else:
            result = {"message_id": message_id} if message_id is not None else {}
            await self._sent(row, message_id, result)

    async def _target(self, row: OutboxItem) -> _Target | None:
        payload = row.payload
        op = payload.get("op")
        if op in ("send", "photo"):
            chat_id = payload.get("chat_id", row.chat_id)
            if not isinstance(chat_id, int):
                await self._dead(row, "bad payload: no chat_id")
                return None
            return _Target(chat_id)
        if op != "edit":
            await self._dead(row, f"bad payload: unknown op {op!r}")
            return None
        card_id = payload.get("card_id")
        async with self.db.transaction() as session:
            card = await CardRepository(session).get(card_id) if isinstance(card_id, int) else None
            card_send = (
                await outbox_store.get(session, card.outbox_id)
                if card is not None and card.outbox_id is not None
                else None
            )
        if card is None:
            await self._dead(row, f"bad payload: no card {card_id!r}")
            return None
        if card.message_id is not None:
            return _Target(card.chat_id, card.message_id)
        await self._card_not_sent(row, card, card_send)
        return None

    async def _card_not_sent(
        self, row: OutboxItem, card: Card, card_send: OutboxItem | None
    ) -> None:
        if card_send is not None and card_send.status == "dead":
            await self._dead(row, f"card {card.id} was never delivered: {card_send.last_error}")
        elif row.attempts >= self.edit_wait_attempts:
            await self._dead(
                row, f"card {card.id} still has no message after {row.attempts} tries"
            )
        else:
            # Counted (mark_retry keeps the claim's attempt), so the waiting is bounded.
            await self._mark(
                outbox_store.mark_retry,
                row,
                self.edit_wait,
                f"card {card.id} has no message yet",
            )

    def _chat_of(self, row: OutboxItem) -> int | None:
        chat = row.payload.get("chat_id", row.chat_id)
        return chat if isinstance(chat, int) else row.chat_id

    async def _pace(self, row: OutboxItem, chat_id: int) -> bool:
        """Wait for the chat's turn and a global token; False when the row was handed back."""
        wait = self._pacer.wait_time(chat_id)
        if wait > 2 * max(self.chat_interval, 0.5):
            # The chat is paused (429): do not hold a slot; come back when it is open.
            await self._release(row, timedelta(seconds=wait), "chat paused by flood control")
            return False
        if wait > 0:
            await asyncio.sleep(wait)
        await self._bucket.acquire()
        locked_until = row.locked_until
        if locked_until is not None and self._clock() >= locked_until - self._lease_margin:
            # Too late to send safely: another relay may claim it any moment. Leave it be.
            log.warning(
                "outbox row %s: lease nearly over before sending; left for re-claim", row.id
            )
            return False
        return True

    async def _call(self, op: Any, payload: dict[str, Any], target: _Target) -> int | None:
        markup = build_markup(payload.get("buttons"))
        extra: dict[str, Any] = {"request_timeout": int(self.request_timeout)}
        if "parse_mode" in payload:
            extra["parse_mode"] = payload["parse_mode"]
        try:
            if op == "send":
                sent = await self.bot.send_message(
                    target.chat_id, fit_text(str(payload["text"])), reply_markup=markup, **extra
                )
                return sent.message_id
            if op == "photo":
                photo = BufferedInputFile(
                    base64.b64decode(payload["png_b64"], validate=True), filename="card.png"
                )
                sent = await self.bot.send_photo(
                    target.chat_id,
                    photo,
                    caption=_caption(payload.get("caption")),
                    reply_markup=markup,
                    **extra,
                )
                return sent.message_id
            return await self._edit(payload, target, markup, extra)
        finally:
            self._pacer.sent(target.chat_id)

    async def _edit(
        self,
        payload: dict[str, Any],
        target: _Target,
        markup: InlineKeyboardMarkup | None,
        extra: dict[str, Any],
    ) -> int | None:
        assert target.message_id is not None
        if "caption" in payload and "text" not in payload:
            edited = await self.bot.edit_message_caption(
                chat_id=target.chat_id,
                message_id=target.message_id,
                caption=_caption(payload["caption"]),
                reply_markup=markup,
                **extra,
            )
        else:
            edited = await self.bot.edit_message_text(
                text=fit_text(str(payload["text"])),
                chat_id=target.chat_id,
                message_id=target.message_id,
                reply_markup=markup,
                **extra,
            )
        return edited.message_id if isinstance(edited, Message) else target.message_id

    # --- recording outcomes (each in its own short transaction) --------------------------------

    async def _sent(self, row: OutboxItem, message_id: int | None, result: dict[str, Any]) -> None:
        card_id = row.payload.get("card_id")
        now = self._clock()
        async with self.db.transaction() as session:
            ours = await outbox_store.mark_sent(session, row.id, now, result)
            is_card_send = row.payload.get("op") in ("send", "photo") and isinstance(card_id, int)
            if is_card_send and message_id is not None:
                assert isinstance(card_id, int)
                await CardRepository(session).set_message_id(card_id, message_id, now)
        if not ours:
            log.warning(
                "outbox row %s was sent after its lease ran out; it may go out twice", row.id
            )

    async def _dead(self, row: OutboxItem, error: str) -> None:
        log.warning("outbox row %s dead: %s", row.id, error)
        async with self.db.transaction() as session:
            await outbox_store.mark_dead(session, row.id, error)

    async def _release(self, row: OutboxItem, delay: timedelta, note: str) -> None:
        async with self.db.transaction() as session:
            await release(session, row.id, self._clock(), delay, note)

    async def _transient(self, row: OutboxItem, error: str) -> None:
        if row.attempts >= self.max_attempts:
            await self._dead(row, f"gave up after {row.attempts} tries: {error}")
            return
        log.info("outbox row %s: %s; retrying", row.id, error)
        await self._mark(outbox_store.mark_retry, row, self.backoff.delay(row.attempts), error)

    async def _mark(
        self,
        mark: Callable[..., Any],
        row: OutboxItem,
        delay: timedelta,
        error: str,
    ) -> None:
        async with self.db.transaction() as session:
            await mark(session, row.id, self._clock(), delay, error)

    async def _unreachable(self, row: OutboxItem, telegram_error: str) -> None:
        """Dead, the person flagged, and (the first time) one notice per admin — all in one
        transaction, so the flag is never set without the notices queued."""
        reason = telegram_error.removeprefix("Forbidden: ").strip()
        chat_id = self._chat_of(row)
        queued = False
        async with self.db.transaction() as session:
            await outbox_store.mark_dead(session, row.id, f"403: {telegram_error}")
            staff = (
                await notices.mark_unreachable(session, chat_id, reason)
                if chat_id is not None
                else None
            )
            if staff is not None:
                for admin in await notices.reachable_admins(session, exclude=staff.id):
                    assert admin.telegram_id is not None
                    key = texts.reason_key(reason)
                    shown = self._render_reason(admin.locale, key, {}) if key else reason
                    text = self._render_unreachable(
                        admin.locale, staff.name or str(chat_id), shown
                    )
                    await notices.enqueue_message(
                        session,
                        admin.telegram_id,
                        text,
                        f"tg-unreachable:{staff.id}:{row.id}:{admin.id}",
                        self._clock(),
                    )
                    queued = True
        log.warning("chat %s unreachable (%s); outbox row %s dead", chat_id, reason, row.id)
        if queued:
            self.wake()
