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


class Budget:
    """The noise budget applied one action at a time, in the sweep's order: `admit` says what
    becomes of an action (itself, a Defer for quiet hours, or None when it joins the
    recipient's summary); `summaries` gives those cards at the end. The sweep asks before it
    builds a card's buttons, so a ping that goes into a summary never builds them."""

    def __init__(
        self,
        noise: Noise,
        staff: StaffDirectory,
        pings_in_last_hour: Mapping[int, int],
        now: datetime,
    ) -> None:
        self.noise, self.staff, self.now = noise, staff, now
        self.sent = dict(pings_in_last_hour)
        self.grouped: dict[int, list[Ping]] = {}
        self.rules: dict[int, tuple[int | None, datetime | None]] = {}  # recipient: cap, quiet end

    def admit(self, action: EscalationAction) -> EscalationAction | None:
        if not isinstance(action, Open | Raise | Remind):
            return action
        who = action.audience
        known = self.rules.get(who)
        if known is None:
            member = self.staff.get(who)
            role = self.noise.for_role(member.role if member else "manager")
            tz = member.timezone if member else "UTC"
            quiet = quiet_end(role.quiet_hours, self.now, tz) if role.quiet_hours else None
            known = self.rules[who] = (role.per_hour, quiet)
        cap, quiet = known
        if quiet is not None:
            return Defer(_held(action, quiet), who, quiet)
        if cap is not None and self.sent.get(who, 0) >= cap:
            self.grouped.setdefault(who, []).append(action)
            return None
        self.sent[who] = self.sent.get(who, 0) + 1
        return action

    def summaries(self) -> list[Summary]:
        return [Summary(who, tuple(items)) for who, items in self.grouped.items()]


def apply_budget(
    actions: list[EscalationAction],
    noise: Noise,
    staff: StaffDirectory,
    pings_in_last_hour: Mapping[int, int],
    now: datetime,
) -> list[EscalationAction]:
    """Pings past the budget become Defer (quiet hours) or one Summary per recipient."""
    budget = Budget(noise, staff, pings_in_last_hour, now)
    out = [kept for action in actions if (kept := budget.admit(action)) is not None]
    out.extend(budget.summaries())
    return out
