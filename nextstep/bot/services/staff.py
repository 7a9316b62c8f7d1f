"""Who is who: staff as plain data, their language, and who may act on whose cards."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from nextstep.bot.playbook.sections.roles import BUILTIN_ROLES
from nextstep.bot.storage import Database, Repositories
from nextstep.bot.storage.models import Staff

HEAD, ADMIN = "head", "admin"


@dataclass(frozen=True)
class StaffInfo:
    id: int
    telegram_id: int | None
    crm_user_id: int
    name: str
    role: str
    head_crm_user_id: int | None
    locale: str
    timezone: str | None

    @classmethod
    def of(cls, row: Staff) -> StaffInfo:
        return cls(
            id=row.id,
            telegram_id=row.telegram_id,
            crm_user_id=row.crm_user_id,
            name=row.name,
            role=row.role,
            head_crm_user_id=row.head_crm_user_id,
            locale=row.locale,
            timezone=row.timezone,
        )


class StaffError(ValueError):
    """A staff change that cannot be made (unknown role, telegram id taken)."""


def may_act_for(presser: StaffInfo, owner: StaffInfo | None) -> bool:
    """The card's owner, the owner's head, or an admin."""
    if presser.role == ADMIN:
        return True
    if owner is None:
        return False
    if presser.id == owner.id:
        return True
    return presser.role == HEAD and owner.head_crm_user_id == presser.crm_user_id


def check_role(role: str, roles: Collection[str]) -> None:
    if role not in roles:
        raise StaffError(f"unknown role {role!r}: use {', '.join(roles)}")


async def by_telegram_id(db: Database, telegram_id: int) -> StaffInfo | None:
    async with db.transaction() as session:
        row = await Repositories(session).staff.by_telegram_id(telegram_id)
        return StaffInfo.of(row) if row else None


async def set_locale(db: Database, staff_id: int, locale: str) -> StaffInfo:
    async with db.transaction() as session:
        row = await Repositories(session).staff.get(staff_id)
        if row is None:
            raise StaffError(f"no staff #{staff_id}")
        row.locale = locale
        return StaffInfo.of(row)


async def list_staff(db: Database) -> Sequence[StaffInfo]:
    async with db.transaction() as session:
        return [StaffInfo.of(r) for r in await Repositories(session).staff.list()]


async def pair(
    repos: Repositories,
    *,
    telegram_id: int,
    crm_user_id: int,
    role: str,
    now: datetime,
    name: str = "",
    head_crm_user_id: int | None = None,
    locale: str = "ru",
    roles: Collection[str] = BUILTIN_ROLES,
) -> StaffInfo:
    """Link a Telegram account to a CRM user (new staff, or a re-pair of a known one).

    `roles`: what the playbook in force allows (`known_roles`): the four built-ins and the
    playbook's own (accountant, trainer, ...)."""
    check_role(role, roles)
    taken = await repos.staff.by_telegram_id(telegram_id)
    if taken is not None and taken.crm_user_id != crm_user_id:
        raise StaffError(
            f"telegram id {telegram_id} is already paired with CRM user {taken.crm_user_id}"
        )
    row = await repos.staff.by_crm_user_id(crm_user_id)
    if row is None:
        row = await repos.staff.add(
            crm_user_id=crm_user_id,
            role=role,
            now=now,
            telegram_id=telegram_id,
            name=name,
            head_crm_user_id=head_crm_user_id,
            locale=locale,
        )
        return StaffInfo.of(row)
    row.telegram_id, row.role = telegram_id, role
    row.name = name or row.name
    row.head_crm_user_id = head_crm_user_id
    row.is_reachable, row.unreachable_reason = True, None
    await repos.session.flush()
    return StaffInfo.of(row)


async def add_staff(
    db: Database,
    *,
    telegram_id: int,
    crm_user_id: int,
    role: str,
    now: datetime,
    name: str = "",
    head_crm_user_id: int | None = None,
    locale: str = "ru",
    roles: Collection[str] = BUILTIN_ROLES,
) -> StaffInfo:
    """`pair` in its own transaction (the CLI's `staff add`)."""
    async with db.transaction() as session:
        return await pair(
            Repositories(session),
            telegram_id=telegram_id,
            crm_user_id=crm_user_id,
            role=role,
            now=now,
            name=name,
            head_crm_user_id=head_crm_user_id,
            locale=locale,
            roles=roles,
        )
