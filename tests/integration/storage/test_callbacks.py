"""Buttons: the callback id is short and url-safe, and a double press acts once."""

from __future__ import annotations

import asyncio
import re

from nextstep.bot.storage import Database, Repositories
from nextstep.bot.storage.callbacks import claim_callback
from tests.integration.storage.storage_world import NOW


async def _card_with_button(db: Database) -> tuple[int, str]:
    async with db.transaction() as s:
        cards = Repositories(s).cards
        card = await cards.add(chat_id=42, kind="deal", deal_id=1, now=NOW)
        callback_id = await cards.add_callback(card.id, "take", NOW, {"task_id": 9})
    return card.id, callback_id


async def test_callback_id_fits_in_callback_data(db: Database) -> None:
    _, callback_id = await _card_with_button(db)
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,16}", callback_id)


async def test_second_press_gets_nothing(db: Database) -> None:
    card_id, callback_id = await _card_with_button(db)
    async with db.transaction() as s:
        first = await claim_callback(s, callback_id, NOW)
    async with db.transaction() as s:
        second = await claim_callback(s, callback_id, NOW)
    assert first is not None
    assert (first.card_id, first.action, first.args) == (card_id, "take", {"task_id": 9})
    assert second is None


async def test_simultaneous_presses_act_once(db: Database) -> None:
    _, callback_id = await _card_with_button(db)

    async def press() -> bool:
        async with db.transaction() as s:
            return await claim_callback(s, callback_id, NOW) is not None

    assert sorted(await asyncio.gather(*(press() for _ in range(4)))) == [False] * 3 + [True]


async def test_redrawn_card_disables_its_old_buttons(db: Database) -> None:
    card_id, callback_id = await _card_with_button(db)
    async with db.transaction() as s:
        assert await Repositories(s).cards.expire_callbacks(card_id, NOW) == 1
        assert await claim_callback(s, callback_id, NOW) is None
        await Repositories(s).cards.set_message_id(card_id, 555, NOW)
        [card] = await Repositories(s).cards.open_for_deal(1)
    assert card.message_id == 555
