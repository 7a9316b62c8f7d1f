"""The rules' entry point: `apply_rules(event, deal, playbook, ctx) -> RuleDecision`.

The runtime calls it next to `engine.decide`: on every CRM change (a move → `StageChanged`, other
changes → `FieldsChanged`, a task done → `TaskCompleted`), on every hand-off or NPS button, and
when a timer it keeps for the deal comes due (`TimerDue`).
"""

from __future__ import annotations

from typing import assert_never

from nextstep.bot.engine.rules import dates, handoff, linked, nps, recycling
from nextstep.bot.engine.rules.effects import RuleDecision, RuleEffect
from nextstep.bot.engine.rules.events import (
    FieldsChanged,
    HandoffAccept,
    HandoffNeedInfo,
    HandoffReady,
    HandoffReply,
    NpsScore,
    RuleEvent,
    StageChanged,
    TaskCompleted,
    TimerDue,
)
from nextstep.bot.engine.rules.facts import DealFacts
from nextstep.bot.engine.state import Context
from nextstep.bot.playbook.resolved import ResolvedPlaybook
from nextstep.bot.playbook.sections.bind import ResolvedRules

NO_RULES = ResolvedRules()


def apply_rules(
    event: RuleEvent, deal: DealFacts, rp: ResolvedPlaybook, ctx: Context
) -> RuleDecision:
    """What the rule sections say should happen to `deal` on `event`, as effects (no I/O)."""
    rules = rp.rules or NO_RULES
    pb = rp.playbook
    effects: list[RuleEffect] = []
    match event:
        case StageChanged():
            effects += handoff.on_stage_changed(event, deal, rules, ctx)
            effects += linked.on_stage_changed(event, deal, rules, pb, ctx)
            effects += recycling.on_lost(deal, rules, rp, ctx)
            effects += dates.replan(deal, rules, pb, ctx)
        case FieldsChanged():
            effects += handoff.on_fields_changed(deal, rules, ctx)
            effects += recycling.on_lost(deal, rules, rp, ctx)
            effects += dates.replan(deal, rules, pb, ctx)
        case TaskCompleted():
            effects += handoff.on_task_completed(event, deal, rules, ctx)
        case HandoffAccept() | HandoffNeedInfo() | HandoffReply() | HandoffReady():
            effects += handoff.on_press(event, deal, rp, rules, ctx)
        case TimerDue(key=key) if key.startswith(handoff.TIMER_PREFIX):
            effects += handoff.on_timer(key, deal, rules)
        case TimerDue(key=key) if key.startswith(dates.PREFIX):
            effects += dates.on_due(key, deal, rules, pb, ctx)
        case TimerDue():
            pass  # someone else's timer
        case NpsScore():
            effects += nps.on_score(event, deal, rules.nps, pb, ctx)
        case _:
            assert_never(event)
    return RuleDecision(tuple(effects))
