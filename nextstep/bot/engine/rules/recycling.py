"""Lost-deal recycling by loss reason (story 001).

`new_deal`: a copy in the same or a reactivation pipeline for another manager, with a task; the
lost deal stays lost (the closed-stage guard stays meaningful). `reassign`: the deal itself is
reopened in place for another manager. Once per deal (`recycle` in its once-only keys).

Either way the lost deal's open tasks (the old manager's take or call task) are completed: they
are stale, and the new manager must find exactly one next step — the rule's task.
"""

from __future__ import annotations

from nextstep.bot.engine.effects import AddNote, CompleteTask, MoveStage
from nextstep.bot.engine.rules.common import choice, copied, draft, key_text, params
from nextstep.bot.engine.rules.effects import (
    CreateLinkedDeal,
    CreateRuleTask,
    ReassignTo,
    Remember,
    RuleEffect,
)
from nextstep.bot.engine.rules.facts import DealFacts
from nextstep.bot.engine.state import Context
from nextstep.bot.engine.texts import Text
from nextstep.bot.playbook.resolved import ResolvedPlaybook
from nextstep.bot.playbook.sections.bind import BoundRecycle, ResolvedRules
from nextstep.bot.playbook.sections.recycling import RecycleAction

RECYCLED = "recycle"
TASK_CLOSED = "rules.recycle.task_closed"


def matching(deal: DealFacts, rules: ResolvedRules) -> BoundRecycle | None:
    layout = rules.layouts.get(deal.view.pipeline_id)
    if layout is None or deal.view.status_id != layout.lost_id:
        return None
    if deal.loss_reason_id is None or RECYCLED in deal.state.done:
        return None
    values = deal.values()
    for bound in rules.recycling:
        if deal.view.pipeline_id not in bound.pipeline_ids:
            continue
        if deal.loss_reason_id in bound.reason_ids and bound.rule.where.matches(values):
            return bound
    return None


def on_lost(
    deal: DealFacts, rules: ResolvedRules, rp: ResolvedPlaybook, ctx: Context
) -> list[RuleEffect]:
    """Called on every move or field change; acts once the deal is lost with a listed reason."""
    bound = matching(deal, rules)
    if bound is None:
        return []
    target = bound.targets.get(deal.view.pipeline_id)
    if target is None:
        return []
    rule = bound.rule
    reason = rp.loss_reason_names.get(deal.loss_reason_id or 0, "")
    values = params(deal, reason=reason)
    effects: list[RuleEffect] = []
    if rule.note is not None:
        effects.append(AddNote(Text.from_spec(rule.note, values)))
    closed = key_text(TASK_CLOSED, {})
    owner = deal.view.responsible_user_id  # the manager who lost it; others' tasks stay
    effects += [
        CompleteTask(task.id, closed)
        for task in deal.view.open_tasks
        if task.responsible_user_id in (None, owner)
    ]
    task = draft(rule.task, rp.playbook, ctx, values) if rule.task is not None else None
    if rule.action is RecycleAction.NEW_DEAL:
        effects.append(
            CreateLinkedDeal(
                key=f"{RECYCLED}:{rule.name}:{deal.id}",
                rule=rule.name,
                source_deal_id=deal.id,
                pipeline_id=target.pipeline_id,
                status_id=target.status_id,
                name=Text.from_spec(rule.name_template, values),
                price=deal.view.price or None,
                fields=tuple({**dict(copied(deal, rule.copy_fields)), **rule.set}.items()),
                responsible=choice(rule.responsible, deal),
                contact_ids=deal.contact_ids,
                task=task,
            )
        )
    else:
        effects += [
            MoveStage(target.pipeline_id, target.status_id),
            ReassignTo(choice(rule.responsible, deal)),
        ]
        if task is not None:
            effects.append(
                CreateRuleTask(
                    f"{RECYCLED}:{rule.name}", task.text, task.due, task.task_type, None
                )
            )
    effects.append(Remember(RECYCLED))
    return effects
