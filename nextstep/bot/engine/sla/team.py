"""`/team` for a head (the digest's figures, today so far) and the pairing health an admin sees:
CRM users with no paired chat, paired staff the bot cannot reach, teams without a head."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from nextstep.bot.engine.sla.config import SlaConfig
from nextstep.bot.engine.sla.digest import TeamFigures, team_figures
from nextstep.bot.engine.sla.facts import DealRow, OutcomeRow, StaffDirectory, TaskRow


def team_now(
    head_id: int,
    deals: Sequence[DealRow],
    tasks_by_deal: Mapping[int, Sequence[TaskRow]],
    staff: StaffDirectory,
    cfg: SlaConfig,
    outcomes: Sequence[OutcomeRow],
    now: datetime,
    *,
    top: int | None = None,
) -> TeamFigures:
    """The same figures as the digest, now: open problems (the digest's top ones, or `top`),
    and today's takes and outcomes."""
    head = staff.get(head_id)
    zone = ZoneInfo(head.timezone if head else "UTC")
    midnight = datetime.combine(now.astimezone(zone).date(), time(0), tzinfo=zone)
    window = (midnight.astimezone(now.tzinfo), now)
    top = cfg.sla.digest.top if top is None else top
    return team_figures(head_id, deals, tasks_by_deal, staff, cfg, outcomes, now, window, top=top)


@dataclass(frozen=True, slots=True)
class CrmUserRow:
    id: int
    name: str = ""
    is_active: bool = True


@dataclass(frozen=True, slots=True)
class PairingHealth:
    unpaired_users: tuple[int, ...]  # active CRM users with no paired chat
    unreachable_staff: tuple[int, ...]  # paired, but the bot cannot write to them
    managers_without_head: tuple[int, ...]  # their team has no head to escalate to
    heads_not_paired: tuple[int, ...]  # named as a head, but not paired
    deactivated: tuple[int, ...] = ()  # paired, but their CRM user is deactivated

    @property
    def healthy(self) -> bool:
        return not (
            self.unpaired_users
            or self.unreachable_staff
            or self.managers_without_head
            or self.heads_not_paired
            or self.deactivated
        )


def pairing_health(crm_users: Sequence[CrmUserRow], staff: StaffDirectory) -> PairingHealth:
    paired = {m.crm_user_id for m in staff if m.paired}
    unpaired = tuple(sorted(u.id for u in crm_users if u.is_active and u.id not in paired))
    unreachable = tuple(sorted(m.crm_user_id for m in staff if m.paired and not m.reachable))
    headless = tuple(
        sorted(
            m.crm_user_id
            for m in staff
            if m.role == "manager" and (m.head_id is None or staff.get(m.head_id) is None)
        )
    )
    heads = {m.head_id for m in staff if m.head_id is not None}
    heads_not_paired = tuple(
        sorted(h for h in heads if (member := staff.get(h)) is None or not member.paired)
    )
    inactive = {u.id for u in crm_users if not u.is_active}
    deactivated = tuple(
        sorted(m.crm_user_id for m in staff if m.paired and m.crm_user_id in inactive)
    )
    return PairingHealth(unpaired, unreachable, headless, heads_not_paired, deactivated)
