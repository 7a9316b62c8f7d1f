"""Plain-data world for the services: a fake CRM, the default playbook on the stock pipeline,
a migrated SQLite database and the Services bundle."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from nextstep.bot.config import REPO_ROOT, Settings
from nextstep.bot.i18n import build_i18n
from nextstep.bot.playbook.loader import load_playbook
from nextstep.bot.playbook.resolve import resolve
from nextstep.bot.playbook.resolved import ResolvedPlaybook
from nextstep.bot.services.deps import Services
from nextstep.bot.services.staff import StaffInfo, add_staff
from nextstep.bot.storage import Database
from nextstep.bot.storage.models import Card, DealFlow, OutboxItem
from nextstep.crm_client.errors import CrmConnectionError
from nextstep.crm_client.models import Contact, Deal, Task, User
from tests.unit.engine.engine_world import FIRST, MANAGER, REASONS, STOCK

PLAYBOOK = Path(__file__).with_name("playbook.yaml")  # the default playbook's call process


def playbook() -> ResolvedPlaybook:
    return resolve(load_playbook(PLAYBOOK), [STOCK], REASONS)


NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 12:00 Moscow
DEAL_ID, TAKE_TASK, CALL_TASK = 55, 9001, 9002
TAKE_TEXT = "Взять в работу новую заявку"
MANAGER_TG, OTHER_TG, HEAD_TG, ADMIN_TG = 1001, 1002, 1003, 1004
OTHER, HEAD, ADMIN = 8, 9, 10


@dataclass
class FakeCrm:
    """Reads only (writes go through the outbox); `down` makes every read fail."""

    deals: dict[int, Deal] = field(default_factory=dict)
    tasks: dict[int, Task] = field(default_factory=dict)
    users: list[User] = field(default_factory=list)
    down: bool = False
    reads: int = 0

    def _read(self) -> None:
        self.reads += 1
        if self.down:
            raise CrmConnectionError("connection refused")

    async def get_deal(self, deal_id: int, *, with_contacts: bool = True) -> Deal | None:
        self._read()
        return self.deals.get(deal_id)

    async def iter_tasks(self, **filters: Any) -> AsyncIterator[Task]:
        self._read()
        for task in list(self.tasks.values()):
            if filters.get("entity_id") not in (None, task.entity_id):
                continue
            if filters.get("responsible_user_id") not in (None, task.responsible_user_id):
                continue
            if (
                filters.get("is_completed") is not None
                and task.is_completed != filters["is_completed"]
            ):
                continue
            yield task

    async def get_contact(self, contact_id: int) -> Contact | None:
        self._read()
        return None

    async def get_task(self, task_id: int) -> Task | None:
        self._read()
        return self.tasks.get(task_id)

    async def list_users(self) -> list[User]:
        self._read()
        return list(self.users)

    # CRM-side changes a test makes "elsewhere"
    def put_deal(self, **changes: Any) -> Deal:
        base = self.deals.get(DEAL_ID) or make_deal()
        deal = base.model_copy(update=changes)
        self.deals[deal.id] = deal
        return deal

    def put_task(self, task_id: int, text: str, due: datetime, **changes: Any) -> Task:
        task = Task(
            id=task_id,
            text=text,
            entity_id=DEAL_ID,
            responsible_user_id=MANAGER,
            complete_till=due,
            **changes,
        )
        self.tasks[task_id] = task
        return task


def make_deal(status_id: int = FIRST) -> Deal:
    return Deal(
        id=DEAL_ID,
        name="Квартира на Пресне",
        price=150000,
        pipeline_id=1,
        status_id=status_id,
        responsible_user_id=MANAGER,
        created_at=NOW,
        updated_at=NOW,
        source="Сайт",
        contacts=(Contact(id=1, name="Анна Смирнова", phone="+79990001122"),),
    )


class Clock:
    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def make_services(db: Database, crm: FakeCrm, clock: Clock | None = None) -> Services:
    settings = Settings(_env_file=None, telegram_bot_username="nextstep_sandbox_bot")
    return Services(
        db=db,
        crm=crm,  # type: ignore[arg-type]
        playbook=playbook(),
        i18n=build_i18n(REPO_ROOT / "locales"),
        settings=settings,
        clock=clock or Clock(),
    )


async def add_team(db: Database) -> dict[str, StaffInfo]:
    """A manager (in HEAD's team), another manager, their head and an admin."""
    people = {
        "manager": (MANAGER_TG, MANAGER, "manager", HEAD, "Мария"),
        "other": (OTHER_TG, OTHER, "manager", None, "Олег"),
        "head": (HEAD_TG, HEAD, "head", None, "Гера"),
        "admin": (ADMIN_TG, ADMIN, "admin", None, "Алла"),
    }
    out = {}
    for key, (tg, crm_id, role, head, name) in people.items():
        out[key] = await add_staff(
            db,
            telegram_id=tg,
            crm_user_id=crm_id,
            role=role,
            now=NOW,
            name=name,
            head_crm_user_id=head,
        )
    return out


async def outbox(db: Database, kind: str | None = None) -> list[dict[str, Any]]:
    async with db.transaction() as session:
        stmt = select(OutboxItem).order_by(OutboxItem.id)
        rows: Sequence[OutboxItem] = (await session.scalars(stmt)).all()
        return [r.payload for r in rows if kind is None or r.kind == kind]


async def cards(db: Database) -> list[Card]:
    async with db.transaction() as session:
        return list((await session.scalars(select(Card).order_by(Card.id))).all())


async def flow(db: Database, deal_id: int = DEAL_ID) -> DealFlow | None:
    async with db.transaction() as session:
        return await session.get(DealFlow, deal_id)


def ops(rows: list[dict[str, Any]]) -> list[str]:
    return [r["op"] for r in rows]
