"""Staff (who gets which cards) and the one-time invites that pair a Telegram account."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from nextstep.bot.storage.models import Invite, Staff

INVITE_TOKEN_BYTES = 24  # → 32 url-safe characters; Telegram's /start payload allows 64


class StaffRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self,
        *,
        crm_user_id: int,
        role: str,
        now: datetime,
        telegram_id: int | None = None,
        name: str = "",
        head_crm_user_id: int | None = None,
        locale: str = "ru",
        timezone: str | None = None,
    ) -> Staff:
        staff = Staff(
            crm_user_id=crm_user_id,
            role=role,
            telegram_id=telegram_id,
            name=name,
            head_crm_user_id=head_crm_user_id,
            locale=locale,
            timezone=timezone,
            is_reachable=True,
            created_at=now,
        )
        self.session.add(staff)
        await self.session.flush()
        return staff

    async def get(self, staff_id: int) -> Staff | None:
        return await self.session.get(Staff, staff_id)

    async def by_telegram_id(self, telegram_id: int) -> Staff | None:
        stmt = select(Staff).where(Staff.telegram_id == telegram_id)
        return (await self.session.scalars(stmt)).one_or_none()

    async def by_crm_user_id(self, crm_user_id: int) -> Staff | None:
        stmt = select(Staff).where(Staff.crm_user_id == crm_user_id)
        return (await self.session.scalars(stmt)).one_or_none()

    async def list(self, role: str | None = None) -> Sequence[Staff]:
        stmt = select(Staff).order_by(Staff.id)
        if role is not None:
            stmt = stmt.where(Staff.role == role)
        return (await self.session.scalars(stmt)).all()

    async def team_of(self, head_crm_user_id: int) -> Sequence[Staff]:
        stmt = select(Staff).where(Staff.head_crm_user_id == head_crm_user_id)
        return (await self.session.scalars(stmt.order_by(Staff.id))).all()

    async def set_reachable(
        self, staff_id: int, reachable: bool, reason: str | None = None
    ) -> None:
        """Record that Telegram refused delivery (blocked bot) or that it works again."""
        await self.session.execute(
            update(Staff)
            .where(Staff.id == staff_id)
            .values(is_reachable=reachable, unreachable_reason=None if reachable else reason)
            .execution_options(synchronize_session="fetch")
        )


class InviteRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create(
        self,
        *,
        crm_user_id: int,
        role: str,
        now: datetime,
        expires_at: datetime,
        head_crm_user_id: int | None = None,
    ) -> Invite:
        invite = Invite(
            token=secrets.token_urlsafe(INVITE_TOKEN_BYTES),
            crm_user_id=crm_user_id,
            role=role,
            head_crm_user_id=head_crm_user_id,
            created_at=now,
            expires_at=expires_at,
        )
        self.session.add(invite)
        await self.session.flush()
        return invite

    async def redeem(self, token: str, telegram_id: int, now: datetime) -> Invite | None:
        """Use an invite once; None when unknown, expired or already used (atomic)."""
        stmt = (
            update(Invite)
            .where(Invite.token == token, Invite.used_at.is_(None), Invite.expires_at > now)
            .values(used_at=now, used_by_telegram_id=telegram_id)
            .returning(Invite)
            .execution_options(synchronize_session=False, populate_existing=True)
        )
        return (await self.session.scalars(stmt)).one_or_none()
