"""Every repository over one session, for services that touch several aggregates at once."""

from __future__ import annotations

from functools import cached_property

from sqlalchemy.ext.asyncio import AsyncSession

from nextstep.bot.storage.callbacks import CardRepository
from nextstep.bot.storage.escalations import EscalationRepository
from nextstep.bot.storage.flow import DealFlowRepository
from nextstep.bot.storage.mirror import MirrorRepository, SyncStateRepository
from nextstep.bot.storage.schedules import ScheduleRepository
from nextstep.bot.storage.staff import InviteRepository, StaffRepository
from nextstep.bot.storage.timers import TimerRepository


class Repositories:
    """Repositories never commit: the service that opened the session owns the transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @cached_property
    def staff(self) -> StaffRepository:
        return StaffRepository(self.session)

    @cached_property
    def invites(self) -> InviteRepository:
        return InviteRepository(self.session)

    @cached_property
    def mirror(self) -> MirrorRepository:
        return MirrorRepository(self.session)

    @cached_property
    def sync_state(self) -> SyncStateRepository:
        return SyncStateRepository(self.session)

    @cached_property
    def cards(self) -> CardRepository:
        return CardRepository(self.session)

    @cached_property
    def flow(self) -> DealFlowRepository:
        return DealFlowRepository(self.session)

    @cached_property
    def timers(self) -> TimerRepository:
        return TimerRepository(self.session)

    @cached_property
    def escalations(self) -> EscalationRepository:
        return EscalationRepository(self.session)

    @cached_property
    def schedules(self) -> ScheduleRepository:
        return ScheduleRepository(self.session)
