"""The escalation ladder: one record per (rule, subject), opened once, climbing levels while the
condition lasts, closed when it clears.

`step(state, finding, now, ...)` is the whole state machine. Given the stored record (or none),
whether the condition holds now (a `Finding`, or None) and the clock, it says what to do:

- nothing ripe yet → nothing (and when it ripens);
- ripe, no record → Open at the level the elapsed time reaches (a sweep that ran late after a
  restart goes straight to the head), or Defer when that person is off shift;
- record, condition holds → Raise when the level's time limit ran out (the clock restarts at any
  activity on the deal, an acknowledgement or the end of a snooze), else Update when the card's
  facts changed, else nothing; a snooze that ran out → Remind;
- record, condition gone → Close (the card says how it ended).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from nextstep.bot.engine.sla.actions import (
    Button,
    Close,
    Defer,
    EscalationAction,
    Open,
    Raise,
    Remind,
    Update,
)
from nextstep.bot.engine.sla.facts import DealRow, ShiftCalendar, StaffDirectory, TaskRow
from nextstep.bot.engine.sla.record import (
    EscalationState,
    Facts,
    Ladder,
    Rule,
    Status,
)
from nextstep.bot.playbook.sections.sla import Audience


@dataclass(frozen=True, slots=True)
class Finding:
    """The condition holds for this subject: the facts a card shows and when it ripened.

    `buttons` is one function per rule and sweep, given the finding itself (with its `subject`
    row), not a closure per finding: a first sweep over a big account builds tens of thousands
    of findings, and a closure each (function, cells, tuple) doubled what the collector walks.
    """

    rule: Rule
    subject_key: str
    owner: int  # the responsible manager: the ladder's audiences are relative to them
    ripe_at: datetime  # when level 0 is due
    ladder: Ladder
    facts: Facts
    deal_id: int | None = None
    activity_at: datetime | None = None  # the latest activity on the subject (restarts clocks)
    # The card's own buttons for a rung's audience; called only when a card is sent or edited.
    buttons: ButtonsOf | None = None
    subject: DealRow | TaskRow | None = None  # the row the buttons are about


ButtonsOf = Callable[[Finding, Audience], tuple[Button, ...]]


@dataclass(frozen=True)
class LadderContext:
    """What `step` needs besides the record and the finding. One per sweep: it remembers who
    is off shift at this sweep's moment."""

    staff: StaffDirectory
    snooze_buttons: tuple[Button, ...] = ()
    _waits: dict[tuple[int, datetime], datetime | None] = field(
        default_factory=dict, compare=False, repr=False
    )
    # (ladder, level, owner) → the rung and person `_seat` picks; keyed by the ladder's id, so
    # one context serves findings whose ladders stay alive while it does (one sweep's).
    _seats: dict[tuple[int, int, int], tuple[int, int | None]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def seat(self, finding: Finding, level: int) -> tuple[int, int | None]:
        key = (id(finding.ladder), level, finding.owner)
        found = self._seats.get(key)
        if found is None:
            found = self._seats[key] = _seat(finding, level, self.staff)
        return found

    def wait(self, who: int, now: datetime) -> datetime | None:
        key = (who, now)
        if key not in self._waits:
            self._waits[key] = shift_wait(self.staff, who, now)
        return self._waits[key]


def audience_of(to: Audience, owner: int, staff: StaffDirectory) -> int | None:
    """The CRM user a rung tells, or None when there is nobody (no head, not paired)."""
    if to is Audience.MANAGER:
        who: int | None = owner
    elif to is Audience.HEAD:
        who = staff.head_of(owner)
    else:
        who = staff.head_of(staff.head_of(owner))
    member = staff.get(who)
    return who if member is not None and member.can_be_told else None


def shift_wait(staff: StaffDirectory, who: int, now: datetime) -> datetime | None:
    """When `who` is next on shift, or None when they are on shift now (or have no schedule)."""
    calendar: ShiftCalendar | None = staff.calendar(who)
    if calendar is None or calendar.is_on_shift(now):
        return None
    return calendar.next_shift_start(now)


def _climb(ladder: Ladder, level: int, clock: datetime, now: datetime) -> tuple[int, datetime]:
    """The level the clock has reached by `now`, and when that level began."""
    while level < len(ladder) - 1:
        within = ladder[level].within
        if within is None or now < clock + within:
            break
        clock += within
        level += 1
    return level, clock


def _seat(finding: Finding, level: int, staff: StaffDirectory) -> tuple[int, int | None]:
    """The first rung from `level` up with somebody to tell (else the top rung, nobody)."""
    for index in range(level, len(finding.ladder)):
        who = audience_of(finding.ladder[index].to, finding.owner, staff)
        if who is not None:
            return index, who
    return len(finding.ladder) - 1, None


def next_raise(state: EscalationState, ladder: Ladder) -> datetime | None:
    within = ladder[state.level].within if state.level < len(ladder) else None
    if within is None or state.level >= len(ladder) - 1:
        return None
    return state.level_since + within


def _buttons(finding: Finding, level: int, ctx: LadderContext) -> tuple[Button, ...]:
    if finding.buttons is None:
        return ctx.snooze_buttons
    return finding.buttons(finding, finding.ladder[level].to) + ctx.snooze_buttons


def step(
    state: EscalationState | None,
    finding: Finding | None,
    now: datetime,
    ctx: LadderContext,
    *,
    close_reason: str = "cleared",
) -> tuple[list[EscalationAction], datetime | None]:
    """The actions for one (rule, subject) now, and when to look at it again (None: never)."""
    live = state is not None and state.status is not Status.CLOSED
    if finding is None:
        if state is None or not live:
            return [], None
        closed = replace(state, status=Status.CLOSED, deferred_until=None, snoozed_until=None)
        return [Close(closed, close_reason, card_sent=state.sent_level is not None)], None
    if state is None or not live:
        return _open(finding, now, ctx)
    return _hold(state, finding, now, ctx)


def _open(
    finding: Finding, now: datetime, ctx: LadderContext
) -> tuple[list[EscalationAction], datetime | None]:
    if now < finding.ripe_at:
        return [], finding.ripe_at
    anchor = finding.ripe_at
    if finding.activity_at is not None and finding.activity_at > anchor:
        anchor = min(finding.activity_at, now)
    level, since = _climb(finding.ladder, 0, anchor, now)
    level, who = ctx.seat(finding, level)
    if who is None:
        return [], None  # nobody to tell at any rung: pairing health reports it
    wait = ctx.wait(who, now)
    state = EscalationState(
        rule=finding.rule,
        subject_key=finding.subject_key,
        level=level,
        opened_at=now,
        level_since=since,
        audience=who,
        sent_level=None if wait is not None else level,
        sent_to=None if wait is not None else who,
        deferred_until=wait,
        facts=finding.facts,
    )
    if wait is not None:
        return [Defer(state, who, wait)], wait
    action = Open(state, who, finding.deal_id, finding.facts, _buttons(finding, level, ctx))
    return [action], next_raise(state, finding.ladder)


def _hold(
    state: EscalationState, finding: Finding, now: datetime, ctx: LadderContext
) -> tuple[list[EscalationAction], datetime | None]:
    ladder = finding.ladder
    level = min(state.level, len(ladder) - 1)
    if state.status is Status.SNOOZED and state.snoozed_until and now < state.snoozed_until:
        return _refresh(state, finding, ctx), state.snoozed_until
    if state.deferred_until is not None and now < state.deferred_until:
        return _refresh(state, finding, ctx), state.deferred_until

    if (
        state.deferred_until is None
        and state.status is not Status.SNOOZED
        and state.sent_level == level
        and (finding.activity_at is None or finding.activity_at <= state.level_since)
        and finding.facts == state.facts
    ):  # the usual tick: nothing new; only the level's time limit can matter
        due = next_raise(state, ladder)
        if due is None or now < due:
            return [], due
    clock = state.level_since
    if finding.activity_at is not None and clock < finding.activity_at <= now:
        clock = finding.activity_at  # any activity on the deal restarts the level's clock
    if state.deferred_until is not None:
        clock = max(clock, state.deferred_until)  # held for a shift: its level starts now
    woke = state.status is Status.SNOOZED  # its snooze ran out
    if woke and state.snoozed_until is not None:
        clock = max(clock, state.snoozed_until)
    new_level, since = _climb(ladder, level, clock, now)
    raised = new_level > level
    who = ctx.seat(finding, new_level)[1] if raised else state.audience
    if raised:
        new_level = ctx.seat(finding, new_level)[0]
    base = replace(
        state,
        level=new_level,
        level_since=since,
        status=Status.OPEN if raised or woke else state.status,
        audience=who,
        snoozed_until=None,
        facts=finding.facts,
    )
    if who is None:
        return [], next_raise(base, ladder)
    if raised or state.sent_level != new_level:  # a card is due: the first, or a higher one
        wait = ctx.wait(who, now)
        if wait is not None:
            return [Defer(replace(base, deferred_until=wait), who, wait)], wait
        sent = replace(base, deferred_until=None, sent_level=new_level, sent_to=who)
        buttons = _buttons(finding, new_level, ctx)
        if state.sent_level is None:
            return [Open(sent, who, finding.deal_id, finding.facts, buttons)], next_raise(
                sent, ladder
            )
        raise_ = Raise(
            sent,
            who,
            state.sent_to,
            finding.deal_id,
            finding.facts,
            buttons,
            previous_level=state.sent_level,
        )
        return [raise_], next_raise(sent, ladder)
    actions: list[EscalationAction] = []
    if woke:
        actions.append(Remind(base, who))
    changed = finding.facts != state.facts
    if changed or (base != state and not woke):
        buttons = _buttons(finding, new_level, ctx)
        actions.append(Update(base, finding.facts, buttons, card_changed=changed))
    return actions, next_raise(base, ladder)


def _refresh(
    state: EscalationState, finding: Finding, ctx: LadderContext
) -> list[EscalationAction]:
    """While held (snoozed or deferred), only edit the card when its facts changed."""
    if finding.facts == state.facts:
        return []
    level = min(state.level, len(finding.ladder) - 1)
    changed = replace(state, facts=finding.facts)
    return [Update(changed, finding.facts, _buttons(finding, level, ctx), card_changed=True)]


# Presses on an escalation card (the runtime stores the returned record and edits the card).


def acknowledge(state: EscalationState, now: datetime) -> EscalationState:
    """ "Seen, on it": the level's clock starts again; the ladder climbs if nothing changes."""
    return replace(state, status=Status.ACKED, level_since=now, snoozed_until=None)


def snooze(state: EscalationState, until: datetime, now: datetime) -> EscalationState:
    """Quiet until `until` (see `snooze_until`); then a reminder and the clock restarts."""
    if until <= now:
        raise ValueError("snooze must end in the future")
    return replace(state, status=Status.SNOOZED, snoozed_until=until)


def snooze_until(
    choice: timedelta | str, now: datetime, calendar: ShiftCalendar | None
) -> datetime:
    """30m / 2h from now, or `tomorrow`: the presser's next working morning."""
    if isinstance(choice, timedelta):
        return now + choice
    if choice != "tomorrow":
        raise ValueError(f"unknown snooze {choice!r}")
    if calendar is not None:
        return calendar.next_working_morning(now)
    return now + timedelta(days=1)
