"""TelegramSender against the Telegram emulator over HTTP: what people see in their chats."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import struct
import zlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    NextRequestMiddlewareType,
    RequestMiddlewareType,
)
from aiogram.exceptions import TelegramServerError
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType

from nextstep.bot.delivery import Backoff, TelegramSender
from nextstep.bot.storage import Database, outbox
from nextstep.bot.storage.callbacks import CardRepository
from nextstep.sandbox.telegram import Button, TelegramEmulator, run_telegram_emulator
from tests.integration.delivery.delivery_world import (
    ADMIN,
    IVAN,
    OLGA,
    Clock,
    add_staff,
    edit,
    row,
    send,
    staff,
)

FAST = Backoff(base=0.01, max_delay=0.05)


@pytest.fixture
def people(emu: TelegramEmulator) -> None:
    emu.add_user(IVAN, "Иван")
    emu.add_user(OLGA, "Olga", language_code="en")
    emu.add_user(ADMIN, "Anna", language_code="en")


def make_sender(db: Database, bot: Bot, **kwargs: Any) -> TelegramSender:
    kwargs.setdefault("backoff", FAST)
    return TelegramSender(db, bot, **kwargs)


def bot_texts(emu: TelegramEmulator, user_id: int) -> list[str]:
    return [m.body for m in emu.chat(user_id) if m.from_bot]


@contextlib.asynccontextmanager
async def running(sender: TelegramSender) -> AsyncIterator[TelegramSender]:
    task = asyncio.create_task(sender.run())
    try:
        yield sender
    finally:
        sender.stop()
        await asyncio.wait_for(task, 30)


@pytest.mark.usefixtures("people")
async def test_card_with_buttons_appears_and_its_message_id_is_recorded(
    db: Database, bot: Bot, emu: TelegramEmulator
) -> None:
    buttons = [
        [{"text": "Взять в работу", "cb": "AbC123"}],
        [{"text": "Открыть в CRM", "url": "https://example.amocrm.ru/leads/detail/7"}],
    ]
    item_id, card_id = await send(db, IVAN, "Новая сделка #7", buttons=buttons, card=True)

    assert await make_sender(db, bot).drain_once() == 1

    [message] = [m for m in emu.chat(IVAN) if m.from_bot]
    assert message.text == "Новая сделка #7"
    assert message.buttons == [
        [Button("Взять в работу", "c:AbC123")],
        [Button("Открыть в CRM", "https://example.amocrm.ru/leads/detail/7")],
    ]
    sent = await row(db, item_id)
    assert sent.status == "sent"
    assert sent.result == {"message_id": message.message_id}
    async with db.transaction() as s:
        card = await CardRepository(s).get(card_id)  # type: ignore[arg-type]
        assert card is not None
        assert card.message_id == message.message_id


@pytest.mark.usefixtures("people")
async def test_an_edit_changes_the_card_in_the_chat_and_drops_old_buttons(
    db: Database, bot: Bot, emu: TelegramEmulator
) -> None:
    _, card_id = await send(
        db, IVAN, "Сделка #7: ждёт", buttons=[[{"text": "Взять", "cb": "x1"}]], card=True
    )
    sender = make_sender(db, bot)
    await sender.drain_once()
    assert card_id is not None
    edit_id = await edit(db, card_id, IVAN, "Сделка #7: в работе у Ивана")
    await sender.drain_once()

    [message] = [m for m in emu.chat(IVAN) if m.from_bot]
    assert message.text == "Сделка #7: в работе у Ивана"
    assert message.edited
    assert message.buttons == []
    assert (await row(db, edit_id)).status == "sent"


@pytest.mark.usefixtures("people")
async def test_an_edit_to_the_same_content_counts_as_sent(
    db: Database, bot: Bot, emu: TelegramEmulator
) -> None:
    _, card_id = await send(db, IVAN, "Сделка #7", card=True)
    sender = make_sender(db, bot)
    await sender.drain_once()
    assert card_id is not None
    edit_id = await edit(db, card_id, IVAN, "Сделка #7")
    await sender.drain_once()

    done = await row(db, edit_id)
    assert done.status == "sent"
    assert done.result == {"not_modified": True}
    assert bot_texts(emu, IVAN) == ["Сделка #7"]


@pytest.mark.usefixtures("people")
async def test_an_edit_of_a_card_whose_message_never_went_out_gives_up(
    db: Database, bot: Bot, emu: TelegramEmulator
) -> None:
    _, card_id = await send(db, IVAN, "Сделка #7", card=True)
    assert card_id is not None
    emu.block(IVAN)
    sender = make_sender(db, bot)
    await sender.drain_once()
    edit_id = await edit(db, card_id, IVAN, "Сделка #7: обновлено")
    await sender.drain_once()

    done = await row(db, edit_id)
    assert done.status == "dead"
    assert "never delivered" in (done.last_error or "")


@pytest.mark.usefixtures("people")
async def test_an_edit_waits_while_its_card_is_still_unsent(db: Database, bot: Bot) -> None:
    later = datetime.now(UTC) + timedelta(hours=1)
    _, card_id = await send(db, IVAN, "Сделка #7", card=True, now=later)  # not due yet
    assert card_id is not None
    async with db.transaction() as s:
        payload = {"op": "edit", "card_id": card_id, "text": "Сделка #7: обновлено"}
        # No order key shared with the send, so only the sender's own check holds it back.
        edit_id = await outbox.enqueue(s, "telegram", payload, "e:1", chat_id=IVAN)
    assert edit_id is not None
    await make_sender(db, bot).drain_once()

    waiting = await row(db, edit_id)
    assert waiting.status == "pending"
    assert "no message yet" in (waiting.last_error or "")


@pytest.mark.usefixtures("people")
async def test_one_chats_messages_arrive_in_order_while_other_chats_proceed(
    db: Database, bot: Bot, emu: TelegramEmulator
) -> None:
    for i in range(4):
        await send(db, IVAN, f"Иван {i}")
        await send(db, OLGA, f"Olga {i}")

    handled = await make_sender(db, bot).drain_once()

    assert handled == 8
    assert bot_texts(emu, IVAN) == [f"Иван {i}" for i in range(4)]
    assert bot_texts(emu, OLGA) == [f"Olga {i}" for i in range(4)]
    assert emu.stats.rate_limited == 0


async def test_a_blocked_person_is_flagged_and_admins_are_told_once(
    db: Database, bot: Bot, emu: TelegramEmulator, people: None
) -> None:
    team = await add_staff(db)
    emu.block(IVAN)
    first, _ = await send(db, IVAN, "Сделка #7")
    second, _ = await send(db, IVAN, "Сделка #8")

    await make_sender(db, bot).drain_once()

    assert (await row(db, first)).status == "dead"
    assert (await row(db, second)).status == "dead"
    ivan = await staff(db, team["ivan"].id)
    assert ivan.is_reachable is False
    assert ivan.unreachable_reason == "bot was blocked by the user"
    notices = bot_texts(emu, ADMIN)
    assert len(notices) == 1
    assert "Иван" in notices[0]
    assert "blocked the bot" in notices[0]
    assert bot_texts(emu, OLGA) == []  # managers are not told


@pytest.mark.usefixtures("people")
async def test_the_unreachable_notice_text_can_be_injected(
    db: Database, bot: Bot, emu: TelegramEmulator
) -> None:
    await add_staff(db)
    emu.block(OLGA)
    await send(db, OLGA, "Deal #9")

    def render(locale: str, name: str, reason: str) -> str:
        return f"[{locale}] {name} unreachable: {reason}"

    await make_sender(db, bot, render_unreachable_notice=render).drain_once()

    assert bot_texts(emu, ADMIN) == ["[en] Olga unreachable: they blocked the bot"]


async def test_flood_control_429_is_waited_out_and_nothing_is_lost() -> None:
    # A strict emulator (no burst) and a sender that does not space a chat's messages itself:
    # Telegram answers 429, the sender waits retry_after and delivers everything, once, in order.
    async with run_telegram_emulator(per_chat_rate=1.0, per_chat_burst=1.0) as emu:
        emu.add_user(IVAN, "Иван")
        bot = emu.make_bot()
        database = await _fresh_sqlite()
        try:
            for i in range(3):
                await send(database, IVAN, f"Сообщение {i}")
            sender = make_sender(database, bot, chat_interval=0.0)
            async with running(sender):
                await emu.wait_for(
                    lambda: len(bot_texts(emu, IVAN)) == 3, timeout=20, description="3 messages"
                )
            assert bot_texts(emu, IVAN) == [f"Сообщение {i}" for i in range(3)]
            assert emu.stats.rate_limited >= 1
        finally:
            await bot.session.close()
            await database.dispose()


@pytest.mark.usefixtures("people")
async def test_a_send_abandoned_mid_way_is_delivered_exactly_once_after_its_lease(
    db: Database, bot: Bot, emu: TelegramEmulator
) -> None:
    item_id, _ = await send(db, IVAN, "Сделка #7")
    async with db.transaction() as s:  # a relay claims it, then dies before sending
        [claimed] = await outbox.claim_batch(s, 10, datetime.now(UTC), timedelta(minutes=2))
    assert claimed.id == item_id

    clock = Clock()
    sender = make_sender(db, bot, clock=clock)
    assert await sender.drain_once() == 0  # still leased to the dead relay
    assert bot_texts(emu, IVAN) == []

    clock.skip(180)  # the lease runs out
    assert await sender.drain_once() == 1
    assert await sender.drain_once() == 0
    assert bot_texts(emu, IVAN) == ["Сделка #7"]
    assert (await row(db, item_id)).status == "sent"


def _fail_first(n: int) -> RequestMiddlewareType:
    calls = {"n": 0}

    async def middleware(
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        calls["n"] += 1
        if calls["n"] <= n:
            raise TelegramServerError(method=method, message="Internal Server Error")
        return await make_request(bot, method)

    return middleware


@pytest.mark.usefixtures("people")
async def test_a_telegram_server_error_is_retried_with_backoff(
    db: Database, bot: Bot, emu: TelegramEmulator
) -> None:
    bot.session.middleware(_fail_first(2))
    item_id, _ = await send(db, IVAN, "Сделка #7")
    clock = Clock()
    sender = make_sender(db, bot, clock=clock)

    for _ in range(3):
        await sender.drain_once()
        clock.skip(60)

    assert bot_texts(emu, IVAN) == ["Сделка #7"]
    done = await row(db, item_id)
    assert done.status == "sent"
    assert done.attempts == 3


@pytest.mark.usefixtures("people")
async def test_persistent_server_errors_give_up_after_the_bounded_attempts(
    db: Database, bot: Bot, emu: TelegramEmulator
) -> None:
    bot.session.middleware(_fail_first(100))
    item_id, _ = await send(db, IVAN, "Сделка #7")
    clock = Clock()
    sender = make_sender(db, bot, clock=clock, max_attempts=3)

    for _ in range(5):
        await sender.drain_once()
        clock.skip(60)

    done = await row(db, item_id)
    assert done.status == "dead"
    assert done.attempts == 3
    assert "TelegramServerError" in (done.last_error or "")
    assert bot_texts(emu, IVAN) == []


@pytest.mark.usefixtures("people")
async def test_a_bad_request_is_dead_with_telegrams_reason(db: Database, bot: Bot) -> None:
    item_id, _ = await send(db, 424242, "nobody")  # no such chat
    await make_sender(db, bot).drain_once()

    done = await row(db, item_id)
    assert done.status == "dead"
    assert "chat not found" in (done.last_error or "")


@pytest.mark.usefixtures("people")
async def test_a_card_too_long_for_telegram_arrives_shortened_not_lost(
    db: Database, bot: Bot, emu: TelegramEmulator
) -> None:
    """A hand-off card with a manager's very long comment: Telegram would refuse it (400,
    "message is too long"); it goes out cut at a line with "…", and its edit does too."""
    comment = "\n".join(f"Пожелание {n}: тёплый пол и ниша под шкаф" for n in range(300))
    text = f"Смета для «Квартира на Пресне»\n{comment}"
    item_id, card_id = await send(
        db, IVAN, text, buttons=[[{"text": "Принять", "cb": "a1"}]], card=True
    )
    sender = make_sender(db, bot)
    await sender.drain_once()

    assert (await row(db, item_id)).status == "sent"
    [message] = [m for m in emu.chat(IVAN) if m.from_bot]
    assert len(message.text or "") <= 4096
    assert (message.text or "").startswith("Смета для «Квартира на Пресне»\nПожелание 0:")
    assert (message.text or "").endswith("\n…")
    assert message.buttons == [[Button("Принять", "c:a1")]]

    assert card_id is not None
    edit_id = await edit(db, card_id, IVAN, text + "\n\n—\nПринял: Олег")
    await sender.drain_once()
    assert (await row(db, edit_id)).status == "sent"


@pytest.mark.usefixtures("people")
async def test_a_photo_card_arrives_with_caption_and_buttons(
    db: Database, bot: Bot, emu: TelegramEmulator
) -> None:
    async with db.transaction() as s:
        payload = {
            "op": "photo",
            "chat_id": IVAN,
            "png_b64": base64.b64encode(_png()).decode(),
            "caption": "План на день",
            "buttons": [[{"text": "Подробнее", "cb": "p1"}]],
        }
        item_id = await outbox.enqueue(s, "telegram", payload, "p:1", chat_id=IVAN)
    assert item_id is not None

    await make_sender(db, bot).drain_once()

    [message] = [m for m in emu.chat(IVAN) if m.from_bot]
    assert message.photo is not None
    assert message.caption == "План на день"
    assert message.buttons == [[Button("Подробнее", "c:p1")]]
    assert (await row(db, item_id)).result == {"message_id": message.message_id}


@pytest.mark.usefixtures("people")
async def test_wake_sends_at_once_while_running(
    db: Database, bot: Bot, emu: TelegramEmulator
) -> None:
    sender = make_sender(db, bot, poll_interval=30)
    async with running(sender):
        await send(db, IVAN, "Сделка #7")
        sender.wake()
        await emu.wait_for_message(IVAN, "Сделка #7", timeout=10)


async def _fresh_sqlite() -> Database:
    import tempfile

    from nextstep.bot.storage import upgrade

    path = tempfile.mkdtemp(prefix="nextstep-delivery-")
    url = f"sqlite+aiosqlite:///{path}/db.sqlite"
    await upgrade(url)
    return Database(url)


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )
