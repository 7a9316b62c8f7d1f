"""Deals moved back out of won/lost, remembered for the SLA guard (`sla:reopened:<deal>` in
`sync_state`, like the other `sla:*` entries).

A webhook and the sync's events feed may both report the same move, in any order, and the
bot's own moves (the guard's revert, a head's "keep it open") come back as webhooks too. So a
record is never deleted, only moved between states, and `seen` (the newest change applied)
makes an old or repeated report a no-op:

- `open`: moved out of a closed stage; the sweep's guard acts on it (the only state it reads);
- `reverted`: the bot put it back (or is doing so); the original move reported late is ignored;
- `allowed`: a head kept it open; the bot's own move to `to` is ignored;
- `closed`: the deal is in a closed stage again; the next move out is a new `open`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nextstep.bot.storage.mirror import SyncStateRepository
from nextstep.bot.storage.models import SyncState
from nextstep.crm_client.models import LOST_STATUS_ID, WON_STATUS_ID, CrmEvent

PREFIX = "sla:reopened:"
CLOSED_STATUS_IDS = frozenset({WON_STATUS_ID, LOST_STATUS_ID})  # the same in every pipeline
OPEN, REVERTED, ALLOWED, CLOSED = "open", "reverted", "allowed", "closed"
SAME_MOVE = timedelta(minutes=1)  # a webhook and the feed stamp one move a little apart


@dataclass(frozen=True)
class Reopened:
    deal_id: int
    from_status: int
    to_status: int
    pipeline_id: int | None
    by: int | None  # the CRM user who moved it (None: unknown)
    at: datetime  # when it was moved out
    state: str
    seen: datetime  # the newest change applied to this record

    def value(self) -> dict[str, Any]:
        return {
            "from": self.from_status,
            "to": self.to_status,
            "pipeline": self.pipeline_id,
            "by": self.by,
            "at": self.at.isoformat(),
            "state": self.state,
            "seen": self.seen.isoformat(),
        }

    @classmethod
    def of(cls, deal_id: int, value: Any) -> Reopened | None:
        if not isinstance(value, dict):
            return None
        try:
            return cls(
                deal_id,
                int(value["from"]),
                int(value["to"]),
                _opt_int(value.get("pipeline")),
                _opt_int(value.get("by")),
                datetime.fromisoformat(str(value["at"])),
                str(value["state"]),
                datetime.fromisoformat(str(value["seen"])),
            )
        except (KeyError, TypeError, ValueError):
            return None


def _opt_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value else None


def key_of(deal_id: int) -> str:
    return f"{PREFIX}{deal_id}"


async def get_reopened(session: AsyncSession, deal_id: int) -> Reopened | None:
    return Reopened.of(deal_id, await SyncStateRepository(session).get(key_of(deal_id)))


async def load_open_reopened(session: AsyncSession) -> dict[int, Reopened]:
    """Deals the guard should act on, by id."""
    out: dict[int, Reopened] = {}
    stmt = select(SyncState.key, SyncState.value).where(SyncState.key.startswith(PREFIX))
    for key, value in (await session.execute(stmt)).all():
        tail = key.removeprefix(PREFIX)
        found = Reopened.of(int(tail), value) if tail.isdigit() else None
        if found is not None and found.state == OPEN:
            out[found.deal_id] = found
    return out


async def _save(session: AsyncSession, record: Reopened, now: datetime) -> None:
    await SyncStateRepository(session).set(key_of(record.deal_id), record.value(), now)


async def mark(session: AsyncSession, deal_id: int, state: str, now: datetime) -> Reopened | None:
    """Move the record to `state` (the bot reverted it, or a head allowed it) as of `now`."""
    found = await get_reopened(session, deal_id)
    if found is None:
        return None
    updated = replace(found, state=state, seen=max(found.seen, now))
    await _save(session, updated, now)
    return updated


async def observe_move(
    session: AsyncSession,
    deal_id: int,
    old_status: int | None,
    new_status: int | None,
    *,
    pipeline_id: int | None,
    by: int | None,
    at: datetime,
    now: datetime,
) -> Reopened | None:
    """A status change reported (webhook or events feed); returns the record if it changed."""
    if old_status is None or new_status is None or old_status == new_status:
        return None
    found = await get_reopened(session, deal_id)
    by = by or None  # 0: a robot or the system
    if found is not None and at <= found.seen:
        same = (found.from_status, found.to_status) == (old_status, new_status)
        if same and found.by is None and by is not None and abs(at - found.at) <= SAME_MOVE:
            updated = replace(found, by=by)
            await _save(session, updated, now)
            return updated
        return None  # already applied, or older than what we know
    if new_status in CLOSED_STATUS_IDS:
        if found is None or found.state == CLOSED:
            return None
        updated = replace(found, state=CLOSED, seen=at)
    elif old_status in CLOSED_STATUS_IDS:
        if found is not None and found.state == ALLOWED and found.to_status == new_status:
            updated = replace(found, seen=at)  # the head's "keep it open", done by the bot
        else:
            updated = Reopened(deal_id, old_status, new_status, pipeline_id, by, at, OPEN, at)
    else:
        return None
    await _save(session, updated, now)
    return updated


async def observe_events(
    session: AsyncSession, events: Iterable[CrmEvent], since: datetime | None, now: datetime
) -> int:
    """The events feed's status changes since `since` (oldest first); how many records moved.

    Without `since` (the very first sync) the history is old news: nothing is recorded.
    """
    if since is None:
        return 0
    moves = sorted(
        (
            e
            for e in events
            if e.occurred_at is not None
            and e.occurred_at >= since
            and e.old_status_id is not None
            and e.status_id is not None
        ),
        key=lambda e: (e.occurred_at, e.event_id or ""),
    )
    changed = 0
    for event in moves:
        assert event.occurred_at is not None
        record = await observe_move(
            session,
            event.entity_id,
            event.old_status_id,
            event.status_id,
            pipeline_id=event.pipeline_id,
            by=event.created_by,
            at=event.occurred_at,
            now=now,
        )
        changed += record is not None
    return changed
