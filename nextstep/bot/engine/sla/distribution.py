"""Who gets a new lead, a reassigned lead or a redistributed task: managers on shift now.

New leads go round robin (story 000, 002), weighted, skipping managers at their open-deal cap;
the cursor is one integer the runtime keeps per team. With nobody on shift the lead waits for
the first shift to start and the head is told. Hand-offs by a head (Reassign to…, Redistribute)
offer the least loaded on-shift teammates first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from nextstep.bot.engine.sla.facts import ShiftCalendar, StaffDirectory, StaffMember, TaskRow


def on_shift(member: StaffMember, now: datetime, default: ShiftCalendar | None = None) -> bool:
    calendar = member.calendar or default
    return calendar is None or calendar.is_on_shift(now)


@cache
def _cycle(members: tuple[tuple[int, int], ...]) -> tuple[int, ...]:
    """Smooth weighted round robin order for (id, weight) pairs: weights 2:1:1 give a, b, a, c."""
    total = sum(w for _, w in members)
    current = dict.fromkeys((m for m, _ in members), 0)
    order: list[int] = []
    for _ in range(total):
        for member, weight in members:
            current[member] += weight
        pick = max(members, key=lambda mw: (current[mw[0]], -mw[0]))[0]
        current[pick] -= total
        order.append(pick)
    return tuple(order)


def pick_manager(
    team: Sequence[StaffMember],
    loads: Mapping[int, int],
    weights: Mapping[int, int],
    caps: Mapping[int, int | None],
    rr_cursor: int,
    now: datetime,
    *,
    default_calendar: ShiftCalendar | None = None,
) -> tuple[int | None, int]:
    """The next manager in the weighted round robin who is on shift, under their cap and
    active in the CRM (it refuses deals for a deactivated user), and the cursor to keep;
    (None, cursor unchanged) when nobody is."""
    members = tuple(sorted((m.crm_user_id, max(1, weights.get(m.crm_user_id, 1))) for m in team))
    if not members:
        return None, rr_cursor
    by_id = {m.crm_user_id: m for m in team}
    order = _cycle(members)
    for offset in range(len(order)):
        position = (rr_cursor + offset) % len(order)
        who = order[position]
        cap = caps.get(who)
        if (cap is not None and loads.get(who, 0) >= cap) or not by_id[who].active:
            continue
        if on_shift(by_id[who], now, default_calendar):
            return who, (position + 1) % len(order)
    return None, rr_cursor


@dataclass(frozen=True, slots=True)
class Routing:
    """Where a new lead goes: `to` now, or it waits until `waits_until` and `tell_head` hears."""

    to: int | None
    cursor: int
    waits_until: datetime | None = None
    tell_head: int | None = None


def route_new_lead(
    head_id: int,
    staff: StaffDirectory,
    loads: Mapping[int, int],
    weights: Mapping[int, int],
    caps: Mapping[int, int | None],
    rr_cursor: int,
    now: datetime,
) -> Routing:
    team = staff.team(head_id)
    who, cursor = pick_manager(
        team, loads, weights, caps, rr_cursor, now, default_calendar=staff.default_calendar
    )
    if who is not None:
        return Routing(who, cursor)
    starts = [
        start
        for m in team
        if (cal := m.calendar or staff.default_calendar) is not None
        and (start := cal.next_shift_start(now)) is not None
    ]
    return Routing(None, cursor, min(starts) if starts else None, head_id)


def candidates(
    owner: int,
    staff: StaffDirectory,
    loads: Mapping[int, int],
    now: datetime,
    *,
    limit: int | None = None,
    on_shift_now: Mapping[int, bool] | None = None,
) -> tuple[int, ...]:
    """The owner's on-shift teammates (not the owner, none deactivated in the CRM), least
    loaded first, then by id."""
    team = staff.team(staff.head_of(owner))
    ready = [
        m.crm_user_id
        for m in team
        if m.crm_user_id != owner
        and m.active
        and (
            on_shift_now[m.crm_user_id]
            if on_shift_now is not None and m.crm_user_id in on_shift_now
            else on_shift(m, now, staff.default_calendar)
        )
    ]
    ready.sort(key=lambda who: (loads.get(who, 0), who))
    return tuple(ready[:limit] if limit is not None else ready)


def redistribute(
    tasks: Sequence[TaskRow],
    owner: int,
    staff: StaffDirectory,
    loads: Mapping[int, int],
    now: datetime,
) -> list[tuple[int, int]]:
    """Spread `owner`'s tasks among on-shift teammates, each to the least loaded at that
    moment: (task id, new responsible) pairs; [] when nobody is on shift."""
    pool = candidates(owner, staff, loads, now)
    if not pool:
        return []
    load = {who: loads.get(who, 0) for who in pool}
    moves: list[tuple[int, int]] = []
    for task in sorted(tasks, key=lambda t: (t.due, t.id)):
        who = min(pool, key=lambda w: (load[w], w))
        moves.append((task.id, who))
        load[who] += 1
    return moves
