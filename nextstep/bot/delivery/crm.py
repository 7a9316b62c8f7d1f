"""CrmWriteRelay: drains `kind="crm"` outbox rows through a CrmClient, one deal's ops in order.

Ordering: the executor gives every op `order_key="deal:N"`, and the storage's claim hands out a
row only when the older rows of that key are done — an op never overtakes an older pending or
retrying op of its deal. (Rows enqueued without an order_key only get in-process serialization
of the ops of one deal claimed together, in id order: always set the key.)

Outcomes (docs/bot-layer.md):
- 429, 5xx, timeouts, connection errors, unreadable answers → retried with capped exponential
  backoff and jitter, never dropped (the attempt count is kept on the row);
- `create_task` retried after such an error first looks for an open task on the deal with the
  same text and due time — an earlier try may have landed — and takes it instead of creating a
  second one;
- 400 (validation) → dead, and the deal's card owner is told what the CRM refused, with its
  own messages and a Retry button (callback action `retry_crm_write`, args `{"outbox_id": id}`;
  the handler calls `requeue_dead`);
- 403 / 402 / OAuth failure → retried slowly (`slow_retry`, 5 min) and the admins are told once;
- 404 (the deal or task is gone) → dead.

A hand-over (`payload["handover"]`: `{"from", "to", "group", "card_id", "actor", ...}`, set by
services/sla/handoff.py) differs in two ways. Whatever the outcome that stops it (400, or 403
when someone pressed for it), the rows of the same hand-over queued after it (dedup keys
starting with `group`: the take task's move, the new holder's first steps) are dropped, since
they only make sense once the deal is the new holder's. And a hand-over someone pressed for
(`card_id` set: the head's escalation card) is told on that card, with its buttons to choose
again (`on_refused`), rather than in a separate Retry notice; a 403 on it is not retried by
itself either (it would land hours later on a deal the head meanwhile gave to someone else):
it is dead, the admins are told as usual, and the head chooses again once access is back.

Like the Telegram side this is at-least-once: a crash after the CRM applied a write but before
the row is marked repeats it. update/complete ops set absolute values, so repeating them is
harmless; `create_task` is guarded by the look-up above (any retried try does it); a note or a
Salesbot run may repeat in that window.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Hashable
from datetime import UTC, datetime, timedelta
from typing import Any

from aiogram.utils.i18n import I18n
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nextstep.bot.delivery import crm_ops, notices, texts
from nextstep.bot.delivery.backoff import Backoff
from nextstep.bot.delivery.leases import requeue_dead
from nextstep.bot.delivery.pump import Pump
from nextstep.bot.storage import Database
from nextstep.bot.storage import outbox as outbox_store
from nextstep.bot.storage.callbacks import CardRepository
from nextstep.bot.storage.flow import FLOW_FIELDS, DealFlowRepository
from nextstep.bot.storage.models import Card, OutboxItem, Staff
from nextstep.crm_client.errors import (
    CrmAuthError,
    CrmBadRequest,
    CrmConnectionError,
    CrmError,
    CrmForbidden,
    CrmNotFound,
    CrmPaymentRequired,
    CrmRateLimited,
    CrmResponseError,
    CrmServerError,
    CrmUnauthorized,
)
from nextstep.crm_client.protocol import CrmClient

log = logging.getLogger(__name__)

KIND = "crm"
RETRY_ACTION = "retry_crm_write"
TAKE_FLOW_KEY = "take_task_id"

OnWritten = Callable[[str, dict[str, Any], dict[str, Any]], Awaitable[None]]
# (payload, why, detail): a write the CRM turned down — REFUSED (400, waits for Retry) or
# NO_ACCESS (403/402/OAuth, retried slowly by itself) — and what the CRM said (one line each).
OnRefused = Callable[[dict[str, Any], str, str], Awaitable[None]]
REFUSED, NO_ACCESS = "refused", "no_access"
HANDOVER = "handover"  # payload key of a responsible-user change (module docstring)


def utc_now() -> datetime:
    return datetime.now(UTC)


class CrmWriteRelay:
    """Drains the CRM outbox. `await relay.run()` in the app; `drain_once()` in tests.

    `on_written(op, payload, result)` is awaited after the CRM confirmed a write and the row is
    marked (services refresh cards there); its failure is logged, never retried.
    `on_notice()` is called after notices were queued (wire it to the Telegram sender's wake).
    `on_refused(payload, why, detail)` is awaited after the CRM turned a write down (REFUSED or
    NO_ACCESS) and the row is marked (services redraw the deal's card to what the CRM holds);
    its failure is logged, never retried.
    """

    def __init__(
        self,
        db: Database,
        crm: CrmClient,
        *,
        max_in_flight: int = 4,
        lease: timedelta = timedelta(minutes=5),
        poll_interval: float = 1.0,
        backoff: Backoff | None = None,
        slow_retry: timedelta = timedelta(minutes=5),
        i18n: I18n | None = None,
        render: texts.Render | None = None,
        on_written: OnWritten | None = None,
        on_refused: OnRefused | None = None,
        on_notice: Callable[[], None] | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.db = db
        self.crm = crm
        self.backoff = backoff or Backoff(base=2.0, max_delay=300.0)
        self.slow_retry = slow_retry
        self.on_written = on_written
        self.on_refused = on_refused
        self.on_notice = on_notice
        self._render = render or texts.make_render(i18n)
        self._clock = clock
        self._access_noticed = False
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

    async def requeue_dead(self, outbox_id: int) -> bool:
        """Retry a refused write now (the Retry button); False unless the row was dead."""
        async with self.db.transaction() as session:
            done = await requeue_dead(session, outbox_id, self._clock(), kind=KIND)
        if done:
            self.wake()
        return done

    # --- one row --------------------------------------------------------------------------------

    @staticmethod
    def _key_of(row: OutboxItem) -> Hashable:
        deal_id = crm_ops.deal_id_of(row.payload)
        return ("deal", deal_id) if deal_id is not None else ("row", row.id)

    async def _handle(self, row: OutboxItem) -> None:
        payload = row.payload
        op = str(payload.get("op"))
        try:
            result = await self._write(row)
        except CrmBadRequest as exc:
            await self._refused(row, exc)
        except (CrmForbidden, CrmPaymentRequired, CrmAuthError) as exc:
            await self._no_access(row, exc, final=_pressed_handover(payload))
        except CrmNotFound as exc:
            await self._dead(row, f"not found: {exc}")
        except CrmRateLimited as exc:
            delay = self.backoff.delay(row.attempts)
            if exc.retry_after is not None:
                delay = max(delay, timedelta(seconds=exc.retry_after))
            await self._retry(row, delay, f"rate limited: {exc}")
        except (
            CrmServerError,
            CrmConnectionError,
            CrmUnauthorized,
            CrmResponseError,
        ) as exc:
            await self._retry(
                row, self.backoff.delay(row.attempts), f"{type(exc).__name__}: {exc}"
            )
        except (crm_ops.BadPayload, ValidationError, KeyError, TypeError) as exc:
            await self._dead(row, f"bad payload: {exc}")
        except CrmError as exc:  # any other typed CRM error: keep the write, try again later
            await self._retry(
                row, self.backoff.delay(row.attempts), f"{type(exc).__name__}: {exc}"
            )
        else:
            await self._written(row, op, result)

    async def _write(self, row: OutboxItem) -> dict[str, Any]:
        payload = row.payload
        if payload.get("op") == "create_task" and row.attempts > 1:
            # An earlier try may have created it before failing (timeout, 5xx, crash).
            landed = await crm_ops.find_landed_task(self.crm, crm_ops.new_task(payload))
            if landed is not None:
                log.info("outbox row %s: task %s had already landed", row.id, landed.id)
                return {"task_id": landed.id, "already_created": True}
        return await crm_ops.perform(self.crm, payload)

    # --- recording outcomes ---------------------------------------------------------------------

    async def _written(self, row: OutboxItem, op: str, result: dict[str, Any]) -> None:
        payload = row.payload
        now = self._clock()
        async with self.db.transaction() as session:
            ours = await outbox_store.mark_sent(session, row.id, now, result)
            flow_key = _flow_key(payload)
            deal_id = crm_ops.deal_id_of(payload)
            task_id = result.get("task_id")
            if flow_key is not None and deal_id is not None and isinstance(task_id, int):
                await DealFlowRepository(session).update(deal_id, now, **{flow_key: task_id})
        if not ours:
            log.warning("outbox row %s was written after its lease ran out", row.id)
        self._access_noticed = False
        if self.on_written is not None:
            try:
                await self.on_written(op, payload, result)
            except Exception:
                log.exception("on_written failed for outbox row %s", row.id)

    async def _retry(self, row: OutboxItem, delay: timedelta, error: str) -> None:
        log.info("outbox row %s (try %s): %s; again in %s", row.id, row.attempts, error, delay)
        async with self.db.transaction() as session:
            await outbox_store.mark_retry(session, row.id, self._clock(), delay, error)

    async def _dead(self, row: OutboxItem, error: str) -> None:
        log.warning("outbox row %s dead: %s", row.id, error)
        async with self.db.transaction() as session:
            await outbox_store.mark_dead(session, row.id, error)

    async def _refused(self, row: OutboxItem, exc: CrmBadRequest) -> None:
        """Dead, and the owner told plainly what the CRM said, with a Retry button."""
        payload = row.payload
        messages = exc.errors or [exc.detail or str(exc)]
        now = self._clock()
        async with self.db.transaction() as session:
            await outbox_store.mark_dead(session, row.id, f"400: {exc}")
            await _drop_followers(session, row, f"400 on outbox row {row.id}")
            recipients: list[Staff] = []
            automatic = _handover(payload) is not None and not _pressed_handover(payload)
            if automatic:  # the bot's own reassignment: its head hears, and nothing to retry
                await self._tell_automatic_refused(session, row, messages, now)
            elif not _pressed_handover(payload):  # else the pressed card says it (on_refused)
                recipients = await self._owner_or_admins(session, payload)
            for person in recipients:
                assert person.telegram_id is not None
                op = str(payload.get("op"))
                what_key = texts.OP_NAMES.get(op)
                params = {
                    "deal_id": str(payload.get("deal_id", "?")),
                    "what": self._render(person.locale, what_key, {}) if what_key else op,
                    "errors": "\n".join(f"• {message}" for message in messages),
                }
                text = self._render(person.locale, texts.CRM_REFUSED, params)
                callback_id = await CardRepository(session).add_callback(
                    None, RETRY_ACTION, now, {"outbox_id": row.id}
                )
                label = self._render(person.locale, texts.CRM_RETRY_BUTTON, {})
                await notices.enqueue_message(
                    session,
                    person.telegram_id,
                    text,
                    f"crm-refused:{row.id}:{row.attempts}:{person.id}",
                    now,
                    buttons=[[{"text": label, "cb": callback_id}]],
                )
        log.warning("outbox row %s refused by the CRM: %s", row.id, exc)
        await self._tell_refused(row, REFUSED, "\n".join(messages))
        if recipients and self.on_notice is not None:
            self.on_notice()

    async def _tell_automatic_refused(
        self, session: AsyncSession, row: OutboxItem, messages: list[str], now: datetime
    ) -> None:
        """An automatic reassignment the CRM refused: no Retry (it would move the deal without
        the steps dropped with it); the old holder's head (else the admins) is told that the
        deal stays where it was; once its deadline passes again the sweep decides anew."""
        marker = _handover(row.payload) or {}
        holder = marker.get("from")
        heads: list[Staff] = []
        if isinstance(holder, int):
            head_id = await session.scalar(
                select(Staff.head_crm_user_id).where(Staff.crm_user_id == holder)
            )
            if head_id is not None:
                heads = list(
                    await session.scalars(select(Staff).where(Staff.crm_user_id == head_id))
                )
        told = [p for p in heads if p.telegram_id is not None and p.is_reachable]
        for person in told or list(await notices.reachable_admins(session)):
            assert person.telegram_id is not None
            params = {
                "deal_id": str(row.payload.get("deal_id", "?")),
                "errors": "\n".join(f"• {message}" for message in messages),
            }
            await notices.enqueue_message(
                session,
                person.telegram_id,
                self._render(person.locale, texts.CRM_REFUSED_HANDOVER, params),
                f"crm-refused:{row.id}:{row.attempts}:{person.id}",
                now,
            )
        if self.on_notice is not None:
            self.on_notice()

    async def _tell_refused(self, row: OutboxItem, why: str, detail: str) -> None:
        if self.on_refused is None:
            return
        try:
            await self.on_refused(row.payload, why, detail)
        except Exception:
            log.exception("on_refused failed for outbox row %s", row.id)

    async def _no_access(self, row: OutboxItem, exc: CrmError, *, final: bool = False) -> None:
        """Retried slowly, the admins told once; `final`: dead instead (a pressed hand-over)."""
        now = self._clock()
        queued = False
        async with self.db.transaction() as session:
            if final:
                await outbox_store.mark_dead(session, row.id, f"no access: {exc}")
                await _drop_followers(session, row, f"no access on outbox row {row.id}")
            else:
                await outbox_store.mark_retry(session, row.id, now, self.slow_retry, str(exc))
            if not self._access_noticed:
                status = getattr(exc, "status", type(exc).__name__)
                for admin in await notices.reachable_admins(session):
                    assert admin.telegram_id is not None
                    text = self._render(admin.locale, texts.CRM_NO_ACCESS, {"detail": str(exc)})
                    new_id = await notices.enqueue_message(
                        session,
                        admin.telegram_id,
                        text,
                        f"crm-no-access:{status}:{now.date().isoformat()}:{admin.id}",
                        now,
                    )
                    queued = queued or new_id is not None
        self._access_noticed = True
        log.error(
            "the CRM denies access (%s); outbox row %s waits %s", exc, row.id, self.slow_retry
        )
        await self._tell_refused(row, NO_ACCESS, str(exc))
        if queued and self.on_notice is not None:
            self.on_notice()

    async def _owner_or_admins(
        self, session: AsyncSession, payload: dict[str, Any]
    ) -> list[Staff]:
        """Who should hear about a refused write: the deal's card owner; else the staff member
        the write was for; else the admins."""
        candidates: list[int] = []
        owner = payload.get("owner_staff_id")
        if isinstance(owner, int):
            candidates.append(owner)
        deal_id = crm_ops.deal_id_of(payload)
        if deal_id is not None:
            cards = await CardRepository(session).open_for_deal(deal_id)
            candidates += [c.owner_staff_id for c in reversed(cards) if c.owner_staff_id]
            # the very change the CRM refused may have closed them all: the latest owner then
            candidates += await _recent_card_owners(session, deal_id)
        for staff_id in candidates:
            staff = await session.get(Staff, staff_id)
            if staff is not None and staff.telegram_id is not None and staff.is_reachable:
                return [staff]
        crm_user = _responsible(payload)
        if crm_user is not None:
            staff = (
                await session.scalars(select(Staff).where(Staff.crm_user_id == crm_user))
            ).one_or_none()
            if staff is not None and staff.telegram_id is not None and staff.is_reachable:
                return [staff]
        return list(await notices.reachable_admins(session))


async def _recent_card_owners(session: AsyncSession, deal_id: int) -> list[int]:
    stmt = (
        select(Card.owner_staff_id)
        .where(Card.deal_id == deal_id, Card.owner_staff_id.is_not(None))
        .order_by(Card.id.desc())
        .limit(5)
    )
    return [owner for owner in (await session.scalars(stmt)).all() if owner is not None]


def _handover(payload: dict[str, Any]) -> dict[str, Any] | None:
    found = payload.get(HANDOVER)
    return found if isinstance(found, dict) else None


def _pressed_handover(payload: dict[str, Any]) -> bool:
    """A hand-over someone pressed for on a card: that card hears of a refusal."""
    found = _handover(payload)
    return found is not None and isinstance(found.get("card_id"), int)


async def _drop_followers(session: AsyncSession, row: OutboxItem, why: str) -> None:
    found = _handover(row.payload)
    group = found.get("group") if found else None
    if isinstance(group, str) and group:
        dropped = await outbox_store.drop_followers(session, row, f"{group}:", why)
        if dropped:
            log.info("outbox row %s: %s later step(s) of its hand-over dropped", row.id, dropped)


def _flow_key(payload: dict[str, Any]) -> str | None:
    """Which deal_flow field gets the created task's id ("flow_key", or "purpose": "take")."""
    key = payload.get("flow_key")
    if key is None and payload.get("purpose") == "take":
        key = TAKE_FLOW_KEY
    if isinstance(key, str) and key in FLOW_FIELDS and key.endswith("_task_id"):
        return key
    return None


def _responsible(payload: dict[str, Any]) -> int | None:
    for key in ("task", "patch", "deal", "note"):
        part = payload.get(key)
        if isinstance(part, dict) and isinstance(part.get("responsible_user_id"), int):
            return int(part["responsible_user_id"])
    return None
