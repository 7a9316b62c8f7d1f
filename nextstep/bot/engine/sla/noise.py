"""The noise budget: per role, quiet hours and a cap on pings per hour.

A ping (a new card, a raise, a reminder) that falls in the recipient's quiet hours waits for
their end; one beyond the hourly cap is grouped into a single summary card. Card edits are not
pings and are never held.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from nextstep.bot.engine.sla.actions import Defer, EscalationAction, Open, Raise, Remind, Summary
from nextstep.bot.engine.sla.facts import StaffDirectory
from nextstep.bot.engine.sla.record import EscalationState, Status
from nextstep.bot.playbook.sections.sla import Noise, QuietHours


@dataclass(frozen=True, slots=True)
class Send:
    pass


@dataclass(frozen=True, slots=True)
class Group:
    """Over the cap: into the recipient's summary card."""


@dataclass(frozen=True, slots=True)
class Hold:
    """Quiet hours: wait until `until`."""

    until: datetime


Verdict = Send | Group | Hold
SEND, GROUP = Send(), Group()


def quiet_end(quiet: QuietHours, now: datetime, tz: str) -> datetime | None:
    """When the quiet hours around `now` end (UTC), or None when `now` is not in them."""
    local = now.astimezone(ZoneInfo(tz))
    if not quiet.covers(local.time()):
        return None
    day = local.date()
    if quiet.start > quiet.end and local.time() >= quiet.start:
        day += timedelta(days=1)  # the quiet hours run past midnight: they end tomorrow
    end = datetime.combine(day, quiet.end, tzinfo=ZoneInfo(tz))
    return end.astimezone(now.tzinfo)


def budget(
    pings_in_last_hour: int,
    cap: int | None,
    quiet_hours: QuietHours | None,
    now: datetime,
    tz: str,
) -> Verdict:
    """Send now, group into a summary (over the cap), or hold (quiet hours) one more ping."""
    if quiet_hours is not None and (until := quiet_end(quiet_hours, now, tz)) is not None:
        return Hold(until)
    if cap is not None and pings_in_last_hour >= cap:
        return GROUP
    return SEND


Ping = Open | Raise | Remind


def _held(action: Ping, until: datetime) -> EscalationState:
    """The record of a ping held for quiet hours: delivered later by the ladder itself."""
    state = action.state
    if isinstance(action, Remind):  # a reminder: snoozed again until the quiet hours end
        return replace(state, status=Status.SNOOZED, snoozed_until=until)
    if isinstance(action, Open):
        return replace(state, sent_level=None, sent_to=None, deferred_until=until)
    return replace(
        state,
        sent_level=action.previous_level,
        sent_to=action.previous_audience,
        deferred_until=until,
    )


def apply_budget(
    actions: list[EscalationAction],
    noise: Noise,
    staff: StaffDirectory,
    pings_in_last_hour: Mapping[int, int],
    now: datetime,
) -> list[EscalationAction]:
    """Pings past the budget become Defer (quiet hours) or one Summary per recipient."""
    sent = dict(pings_in_last_hour)
    out: list[EscalationAction] = []
    grouped: dict[int, list[Ping]] = {}
    rules: dict[int, tuple[int | None, datetime | None]] = {}  # per recipient: cap, quiet end
    for action in actions:
        if not isinstance(action, Open | Raise | Remind):
            out.append(action)
            continue
        who = action.audience
        known = rules.get(who)
        if known is None:
            member = staff.get(who)
            role = noise.for_role(member.role if member else "manager")
            tz = member.timezone if member else "UTC"
            quiet = quiet_end(role.quiet_hours, now, tz) if role.quiet_hours else None
            known = rules[who] = (role.per_hour, quiet)
        cap, quiet = known
        if quiet is not None:
            out.append(Defer(_held(action, quiet), who, quiet))
            continue
        if cap is not None and sent.get(who, 0) >= cap:
            grouped.setdefault(who, []).append(action)
            continue
        sent[who] = sent.get(who, 0) + 1
        out.append(action)
    for who, items in grouped.items():
        out.append(Summary(who, tuple(items)))
    return out
