"""Where the incremental sync resumes: the newest change already mirrored, per feed.

Checkpoints are the CRM's own timestamps (the newest `updated_at` / event time seen), never this
machine's clock, so a skewed clock cannot make the sync skip changes. They are read back with an
overlap, and the walk deduplicates, so a change made in the same second as the checkpoint is
still picked up.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from nextstep.bot.storage.mirror import SyncStateRepository

OVERLAP = timedelta(minutes=5)

DEALS = "amocrm.sync.deals_updated_at"
TASKS = "amocrm.sync.tasks_updated_at"
EVENTS = "amocrm.sync.events_created_at"
LAST_FULL = "amocrm.sync.last_full_at"
LAST_RUN = "amocrm.sync.last_run"


async def read(repo: SyncStateRepository, key: str) -> datetime | None:
    value = await repo.get(key)
    if not isinstance(value, str):
        return None
    try:
        stamp = datetime.fromisoformat(value)
    except ValueError:
        return None
    return stamp if stamp.tzinfo is not None else None


async def write(
    repo: SyncStateRepository, key: str, stamp: datetime | None, now: datetime
) -> None:
    if stamp is not None:
        await repo.set(key, stamp.isoformat(), now)


def newest(previous: datetime | None, stamps: Iterable[datetime | None]) -> datetime | None:
    """The checkpoint after a run: the newest stamp seen, never going back."""
    best = previous
    for stamp in stamps:
        if stamp is not None and (best is None or stamp > best):
            best = stamp
    return best


def since(checkpoint: datetime | None) -> datetime | None:
    return checkpoint - OVERLAP if checkpoint is not None else None
