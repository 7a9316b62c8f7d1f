"""Date rules (stories 000 and 003): reminders at offsets from a date field or an event.

Every change of the deal re-plans them: the wanted reminders are computed from the current
date value, new ones are scheduled (`ScheduleTimer`), those whose date changed or whose
condition no longer holds are cancelled. A reminder's key names its rule, offset and the date it
was computed from, so a changed date gives new reminders, and each key fires once
(`Remember`). A reminder whose moment passed before it could be planned is dropped, except on
its own day (it fires at once). Lost deals get no reminders.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from zoneinfo import ZoneInfo

from nextstep.bot.engine.effects import CreateTask, Person, Role, RunSalesbot, TaskPurpose
from nextstep.bot.engine.rules.common import draft, key_text, params
from nextstep.bot.engine.rules.effects import (
    CancelTimer,
    Remember,
    RuleEffect,
    ScheduleTimer,
    Tell,
    TellKind,
)
from nextstep.bot.engine.rules.facts import DealFacts
from nextstep.bot.engine.state import Context
from nextstep.bot.engine.texts import ParamValue, Span, Text
from nextstep.bot.playbook.model import Playbook
from nextstep.bot.playbook.sections.bind import BoundDateRule, ResolvedRules
from nextstep.bot.playbook.sections.dates import AnchorEvent, DateRule
from nextstep.bot.playbook.sections.rule_common import Offset, add_months
from nextstep.crm_client.models import LOST_STATUS_ID, WON_STATUS_ID

PREFIX = "date:"


@dataclass(frozen=True)
class Wanted:
    bound: BoundDateRule
    offset: Offset
    anchor: datetime  # aware
    due: datetime  # aware, UTC


def as_moment(value: object, tz: tzinfo) -> tuple[datetime, bool] | None:
    """A date field's value as an aware moment, and whether it was a bare date.

    amoCRM sends dates as unix seconds; imports bring ISO text or `dd.mm.yyyy`."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=tz)
        return moment, False
    if isinstance(value, date):
        return datetime.combine(value, time(0), tz), True
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC), False
    if isinstance(value, str) and value.strip():
        text = value.strip()
        for parse in (_iso_date, _ru_date):
            day = parse(text)
            if day is not None:
                return datetime.combine(day, time(0), tz), True
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
        return (moment if moment.tzinfo else moment.replace(tzinfo=tz)), False
    return None


def _iso_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def _ru_date(text: str) -> date | None:
    try:
        return datetime.strptime(text, "%d.%m.%Y").date()  # noqa: DTZ007 - a bare date
    except ValueError:
        return None


def anchor_of(bound: BoundDateRule, deal: DealFacts, tz: ZoneInfo) -> tuple[datetime, bool] | None:
    anchor = bound.rule.date
    if anchor.field is not None:
        return as_moment(deal.fields.get(anchor.field), tz)
    closed = deal.closed_at
    match anchor.event:
        case AnchorEvent.WON:
            return (closed, False) if closed and deal.view.status_id == WON_STATUS_ID else None
        case AnchorEvent.CLOSED:
            return (closed, False) if closed and deal.view.is_closed else None
        case AnchorEvent.CREATED:
            return (deal.created_at, False) if deal.created_at else None
        case None:
            return None


def wanted(
    deal: DealFacts, rules: ResolvedRules, playbook: Playbook, ctx: Context
) -> dict[str, Wanted]:
    tz = ZoneInfo(ctx.timezone)
    layout = rules.layouts.get(deal.view.pipeline_id)
    if layout is not None and deal.view.status_id == layout.lost_id:
        return {}
    values = deal.values()
    found: dict[str, Wanted] = {}
    for bound in rules.dates:
        rule = bound.rule
        if deal.view.pipeline_id not in bound.pipeline_ids or not rule.where.matches(values):
            continue
        anchored = anchor_of(bound, deal, tz)
        if anchored is None:
            continue
        anchor, bare = anchored
        local = anchor.astimezone(tz)
        at = rule.at or (playbook.working_morning if bare else None)
        for offset in rule.offsets:
            moment = offset.apply(local)
            if at is not None:
                moment = datetime.combine(moment.date(), at, tz)
            stamp = local.date().isoformat() if bare else local.isoformat(timespec="minutes")
            key = f"{PREFIX}{rule.name}:{offset.label()}:{stamp}"
            found[key] = Wanted(bound, offset, anchor, moment.astimezone(UTC))
    return found


def replan(
    deal: DealFacts, rules: ResolvedRules, playbook: Playbook, ctx: Context
) -> list[RuleEffect]:
    tz = ZoneInfo(ctx.timezone)
    want = wanted(deal, rules, playbook, ctx)
    timers = deal.state.timers
    effects: list[RuleEffect] = []
    for key, item in sorted(want.items(), key=lambda kv: kv[1].due):
        if key in deal.state.done:
            continue
        if key in timers and (timers[key] == item.due or item.due <= ctx.now):
            continue
        if item.due < ctx.now:
            if item.due.astimezone(tz).date() != ctx.now.astimezone(tz).date():
                continue  # its day has passed: late news is no reminder
            effects.append(ScheduleTimer(key, ctx.now))
        else:
            effects.append(ScheduleTimer(key, item.due))
    effects += [
        CancelTimer(key) for key in sorted(timers) if key.startswith(PREFIX) and key not in want
    ]
    return effects


def has_newer_deal(deal: DealFacts, since: datetime) -> bool:
    """A deal of the same client created after `since` that is not lost: the client came back
    (a newer enquiry that came to nothing does not cancel the invitation)."""
    return any(
        d.created_at > since and d.status_id != LOST_STATUS_ID
        for d in deal.client_deals
        if d.id != deal.id
    )


def span_of(offset: Offset, anchor: datetime) -> Span:
    """How far the anchor's day is from the reminder's day: -3d → in 3 days, 2mo → 2 months
    ago (the reminder fires on `offset.apply(anchor)`'s day)."""
    fires = offset.apply(anchor).date()
    by_months = add_months(anchor, offset.months).date()
    return Span(months=-offset.months, days=(by_months - fires).days)


def reminder_text(
    rule: DateRule, item: Wanted, values: Mapping[str, ParamValue], tz: ZoneInfo
) -> Text:
    """What the reminder says to a person: the rule's label (or the date field's name) and
    how far the date is, "Оплата рассрочки: через 3 дня (12 марта)"; an event without a label
    says what happened, "Сделка выиграна 2 месяца назад (12 января)"."""
    span = span_of(item.offset, item.anchor.astimezone(tz))
    told = {**values, "when": span}
    what = rule.label or rule.date.field
    if what is None and rule.date.event is not None:
        return key_text(f"{TellKind.DATE_REMINDER.value}.{rule.date.event.value}", told)
    return key_text(TellKind.DATE_REMINDER, {**told, "what": what or ""})


def on_due(
    key: str, deal: DealFacts, rules: ResolvedRules, playbook: Playbook, ctx: Context
) -> list[RuleEffect]:
    if key in deal.state.done:
        return []  # fired already
    item = wanted(deal, rules, playbook, ctx).get(key)
    if item is None:
        return []  # the date changed, or the condition no longer holds
    rule = item.bound.rule
    if rule.unless_newer_deal and has_newer_deal(deal, deal.created_at or item.anchor):
        return [Remember(key)]  # the client came back on their own
    tz = ZoneInfo(ctx.timezone)
    values = params(deal, date=item.anchor.astimezone(tz).date())
    effects: list[RuleEffect] = [Remember(key)]
    if rule.task is not None:
        task = draft(rule.task, playbook, ctx, values)
        effects.append(
            CreateTask(
                task.text,
                task.due,
                task.task_type,
                deal.view.responsible_user_id,
                TaskPurpose.NEXT_STEP,
            )
        )
    if rule.salesbot is not None:
        effects.append(RunSalesbot(rule.salesbot))
    told = reminder_text(rule, item, values, tz)
    if rule.notify.responsible:
        effects.append(Tell(Person(deal.view.responsible_user_id), TellKind.DATE_REMINDER, told))
    if rule.notify.role is not None:
        effects.append(Tell(Role(rule.notify.role), TellKind.DATE_REMINDER, told))
    return effects
