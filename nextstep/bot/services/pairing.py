"""Pairing a Telegram account with a CRM user through a one-time invite (deep link)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select

from nextstep.bot.playbook.sections.roles import BUILTIN_ROLES, known_roles
from nextstep.bot.services.deps import Services
from nextstep.bot.services.staff import StaffInfo, check_role, pair
from nextstep.bot.storage import Database, Repositories
from nextstep.bot.storage.models import CrmUser, Invite
from nextstep.crm_client.errors import CrmError

INVITE_TTL = timedelta(days=7)


class PairStatus(StrEnum):
    PAIRED = "paired"
    ALREADY_PAIRED = "already_paired"
    USED = "used"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class PairResult:
    status: PairStatus
    staff: StaffInfo | None = None


def team_roles(services: Services) -> tuple[str, ...]:
    """The roles people can be paired with: the built-ins and the running playbook's own."""
    return known_roles(services.playbook.playbook)


def invite_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username.lstrip('@')}?start={token}"


async def create_invite(
    db: Database,
    *,
    crm_user_id: int,
    role: str,
    now: datetime,
    head_crm_user_id: int | None = None,
    ttl: timedelta = INVITE_TTL,
    roles: Collection[str] = BUILTIN_ROLES,
) -> str:
    """A single-use token, valid for `ttl`, for one of `roles` (raises StaffError otherwise)."""
    check_role(role, roles)
    async with db.transaction() as session:
        invite = await Repositories(session).invites.create(
            crm_user_id=crm_user_id,
            role=role,
            now=now,
            expires_at=now + ttl,
            head_crm_user_id=head_crm_user_id,
        )
        return invite.token


async def redeem_invite(
    services: Services, token: str, telegram_id: int, fallback_name: str = ""
) -> PairResult:
    """Use the invite: the Telegram account becomes that CRM user's, greeted by CRM name."""
    now = services.now()
    async with services.db.transaction() as session:
        repos = Repositories(session)
        known = await repos.staff.by_telegram_id(telegram_id)
        if known is not None:
            return PairResult(PairStatus.ALREADY_PAIRED, StaffInfo.of(known))
        invite = await _invite(repos, token)
    if invite is None:
        return PairResult(PairStatus.UNKNOWN)
    if invite.used_at is not None:
        return PairResult(PairStatus.USED)
    if invite.expires_at <= now:
        return PairResult(PairStatus.EXPIRED)
    name = await crm_user_name(services, invite.crm_user_id) or fallback_name
    async with services.db.transaction() as session:
        repos = Repositories(session)
        redeemed = await repos.invites.redeem(token, telegram_id, now)
        if redeemed is None:  # someone else used it a moment ago
            return PairResult(PairStatus.USED)
        staff = await pair(
            repos,
            telegram_id=telegram_id,
            crm_user_id=redeemed.crm_user_id,
            role=redeemed.role,
            now=now,
            name=name,
            head_crm_user_id=redeemed.head_crm_user_id,
            locale=services.settings.default_locale,
            roles=team_roles(services),
        )
    return PairResult(PairStatus.PAIRED, staff)


async def crm_user_name(services: Services, crm_user_id: int) -> str:
    """The name from the local mirror, else from the CRM; empty when neither answers."""
    async with services.db.transaction() as session:
        row = await session.get(CrmUser, crm_user_id)
        if row is not None and row.name:
            return row.name
    try:
        users = await services.crm.list_users()
    except CrmError:
        return ""
    return next((u.name for u in users if u.id == crm_user_id), "")


async def _invite(repos: Repositories, token: str) -> Invite | None:
    if not token or len(token) > 64:
        return None
    stmt = select(Invite).where(Invite.token == token)
    return (await repos.session.scalars(stmt)).one_or_none()
