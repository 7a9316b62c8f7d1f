"""Delivery benchmark: 1,000 cards to 200 staff through the outbox and the TelegramSender, against
the Telegram emulator with its real limits on (1 msg/s per chat with a burst of 3, 30 msg/s
overall).

Cards "arrive" at --arrival-rate per second (0 = all at once) in webhook deliveries of --batch
cards; each delivery commits its cards and their outbox rows in one transaction (as the
executor does) and wakes the sender. The row's
`created_at` is the webhook's arrival time and its `sent_at` the moment Telegram accepted the
message, so their difference is the webhook-to-message latency a manager lives with.

    .venv/bin/python -m benchmarks.delivery [--cards 1000] [--staff 200] [--arrival-rate 50]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nextstep.bot.config import Settings
from nextstep.bot.delivery import TelegramSender
from nextstep.bot.storage import Database, outbox, upgrade
from nextstep.bot.storage.callbacks import CardRepository
from nextstep.bot.storage.models import Card, OutboxItem
from nextstep.bot.storage.staff import StaffRepository
from nextstep.sandbox.telegram import run_telegram_emulator

FIRST_CHAT = 700_000


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


async def enqueue_cards(db: Database, batch: list[tuple[int, int, int | None]]) -> None:
    """One webhook delivery: (n, chat_id, staff_id) per card, all in one transaction."""
    now = datetime.now(UTC)  # the webhook arrived now
    async with db.transaction() as s:
        for n, chat_id, staff_id in batch:
            await _card(s, n, chat_id, staff_id, now)


async def _card(
    s: AsyncSession, n: int, chat_id: int, staff_id: int | None, now: datetime
) -> None:
    cards = CardRepository(s)
    card = await cards.add(
        chat_id=chat_id, kind="deal", now=now, deal_id=10_000 + n, owner_staff_id=staff_id
    )
    take = await cards.add_callback(card.id, "take", now, {"deal_id": 10_000 + n})
    payload = {
        "op": "send",
        "chat_id": chat_id,
        "text": f"Новая сделка #{10_000 + n}: Кухня под ключ, 450 000 ₽. Взять в работу?",
        "buttons": [
            [{"text": "Взять в работу", "cb": take}],
            [{"text": "Открыть в CRM", "url": f"https://example.amocrm.ru/leads/{n}"}],
        ],
        "card_id": card.id,
    }
    card.outbox_id = await outbox.enqueue(
        s,
        "telegram",
        payload,
        f"card:{card.id}",
        chat_id=chat_id,
        now=now,
        order_key=f"chat:{chat_id}",
    )


async def main(cards: int, staff: int, arrival_rate: float, batch: int) -> int:
    settings = Settings()
    with tempfile.TemporaryDirectory(prefix="nextstep-bench-") as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        await upgrade(url)
        db = Database(url)
        async with run_telegram_emulator() as emu:
            limits = emu.state.limiter.limits
            staff_ids: list[int] = []
            async with db.transaction() as s:
                repo = StaffRepository(s)
                for i in range(staff):
                    chat_id = FIRST_CHAT + i
                    emu.add_user(chat_id, f"Менеджер {i}")
                    row = await repo.add(
                        crm_user_id=50_000 + i,
                        role="manager",
                        now=datetime.now(UTC),
                        telegram_id=chat_id,
                        name=f"Менеджер {i}",
                    )
                    staff_ids.append(row.id)
            bot = emu.make_bot()
            sender = TelegramSender(db, bot, settings=settings)
            runner = asyncio.create_task(sender.run())
            started = time.monotonic()
            try:
                for first in range(0, cards, batch):
                    numbers = range(first, min(cards, first + batch))
                    await enqueue_cards(
                        db, [(n, FIRST_CHAT + n % staff, staff_ids[n % staff]) for n in numbers]
                    )
                    sender.wake()
                    if arrival_rate > 0:
                        next_at = started + numbers[-1] / arrival_rate
                        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
                enqueued = time.monotonic() - started
                await emu.wait_for(
                    lambda: emu.stats.messages_accepted >= cards,
                    timeout=cards / 5 + 60,
                    description=f"{cards} messages accepted",
                )
                # The marks land right after each send; wait for the last ones.
                while True:
                    async with db.transaction() as s:
                        rows = (
                            await s.scalars(select(OutboxItem).where(OutboxItem.status == "sent"))
                        ).all()
                    if len(rows) >= cards:
                        break
                    await asyncio.sleep(0.05)
                total = time.monotonic() - started
            finally:
                sender.stop()
                await runner
                await bot.session.close()

            async with db.transaction() as s:
                cards_with_message = len(
                    (await s.scalars(select(Card.id).where(Card.message_id.is_not(None)))).all()
                )
            latencies = [
                (r.sent_at - r.created_at).total_seconds() for r in rows if r.sent_at is not None
            ]
            sent_times = sorted(r.sent_at for r in rows if r.sent_at is not None)
            window = (sent_times[-1] - sent_times[0]).total_seconds() or 1e-9
            in_order = all(
                [m.body for m in emu.chat(FIRST_CHAT + i) if m.from_bot]
                == sorted(
                    (m.body for m in emu.chat(FIRST_CHAT + i) if m.from_bot),
                    key=lambda body: int(body.split("#")[1].split(":")[0]),
                )
                for i in range(staff)
            )
        await db.dispose()

    arrival = "all at once" if arrival_rate <= 0 else f"{arrival_rate:g}/s"
    print(
        f"delivery benchmark: {cards} cards to {staff} staff, arriving {arrival} "
        f"in webhook deliveries of {batch}"
    )
    print(
        f"  limits: sender {sender.global_rate:g} msg/s overall, 1 per {sender.chat_interval:g} s "
        f"per chat; emulator {limits.global_rate:g} msg/s overall (burst "
        f"{limits.global_burst:g}), {limits.per_chat_rate:g}/s per chat (burst "
        f"{limits.per_chat_burst:g})"
    )
    print(f"  delivered:        {len(rows)}/{cards} (cards with message_id: {cards_with_message})")
    print(
        f"  throughput:       {len(rows) / window:.1f} msg/s (first→last send) vs limit "
        f"{sender.global_rate:g} (Telegram ~{limits.global_rate:g})"
    )
    print(f"  429s received:    {emu.stats.rate_limited} (target 0)")
    print(
        f"  webhook→message:  p50 {percentile(latencies, 50):.2f} s, "
        f"p99 {percentile(latencies, 99):.2f} s, max {max(latencies):.2f} s, "
        f"mean {statistics.fmean(latencies):.2f} s"
    )
    print(f"  order per chat:   {'preserved' if in_order else 'BROKEN'}")
    print(f"  enqueue time:     {enqueued:.1f} s; total duration {total:.1f} s")
    return 0 if len(rows) == cards and in_order else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cards", type=int, default=1000)
    parser.add_argument("--staff", type=int, default=200)
    parser.add_argument("--arrival-rate", type=float, default=50.0, help="cards/s, 0 = at once")
    parser.add_argument("--batch", type=int, default=10, help="cards per webhook delivery")
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.cards, args.staff, args.arrival_rate, max(1, args.batch))))
