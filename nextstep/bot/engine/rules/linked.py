"""Linked deals (story 004): a deal won, lost or reaching a stage starts one in another pipeline.

Once per source deal and rule (`linked:<rule>` in the deal's once-only keys), with the rule's
condition on the deal's fields. The new deal carries the named fields, so a rule on the new
deal's own pipeline can continue the chain (Money won → Training, Training won → Repeat sale).
Down the chain `{deal}` stays the name the chain started with (see `chain_name`).
"""

from __future__ import annotations

from nextstep.bot.engine.rules.common import choice, copied, draft, params
from nextstep.bot.engine.rules.effects import CreateLinkedDeal, Remember, RuleEffect
from nextstep.bot.engine.rules.events import StageChanged
from nextstep.bot.engine.rules.facts import DealFacts
from nextstep.bot.engine.state import Context
from nextstep.bot.engine.texts import Text
from nextstep.bot.playbook.model import Playbook
from nextstep.bot.playbook.resolved import StagePlace
from nextstep.bot.playbook.sections.bind import BoundLinked, ResolvedRules


def linked_key(rule: str) -> str:
    return f"linked:{rule}"


def on_stage_changed(
    event: StageChanged, deal: DealFacts, rules: ResolvedRules, playbook: Playbook, ctx: Context
) -> list[RuleEffect]:
    old = StagePlace(event.old_pipeline_id, event.old_status_id)
    effects: list[RuleEffect] = []
    values = deal.values()
    for bound in rules.linked:
        if bound.trigger != deal.place or old == deal.place:
            continue
        key = linked_key(bound.rule.name)
        if key in deal.state.done or not bound.rule.where.matches(values):
            continue
        effects += [create(bound, deal, playbook, ctx, key, rules), Remember(key)]
    return effects


def chain_name(name: str, rules: ResolvedRules) -> str:
    """The name a chain started with, the rules' own name templates peeled off: "Обучение:
    Оплата: ООО Вектор" → "ООО Вектор", so a deal three links down (and its task) is named
    after the client, not after every link before it."""
    affixes = []
    for bound in rules.linked:
        literal = bound.rule.create.name.text or ""
        if literal.count("{") == 1 and "{deal}" in literal and literal != "{deal}":
            prefix, suffix = literal.split("{deal}")
            affixes.append((prefix, suffix))
    peeled = True
    while peeled:
        peeled = False
        for prefix, suffix in affixes:
            inner = len(name) - len(prefix) - len(suffix)
            if inner > 0 and name.startswith(prefix) and name.endswith(suffix):
                name, peeled = name[len(prefix) : len(name) - len(suffix)], True
    return name


def create(
    bound: BoundLinked,
    deal: DealFacts,
    playbook: Playbook,
    ctx: Context,
    key: str,
    rules: ResolvedRules,
) -> CreateLinkedDeal:
    rule = bound.rule
    fields = dict(copied(deal, rule.copy_fields))
    fields.update(rule.create.set)
    values = {**params(deal), "deal": chain_name(deal.view.name, rules)}
    task = draft(rule.task, playbook, ctx, values) if rule.task is not None else None
    return CreateLinkedDeal(
        key=f"{key}:{deal.id}",
        rule=rule.name,
        source_deal_id=deal.id,
        pipeline_id=bound.create_at.pipeline_id,
        status_id=bound.create_at.status_id,
        name=Text.from_spec(rule.create.name, values),
        price=deal.view.price if rule.create.budget else None,
        fields=tuple(fields.items()),
        responsible=choice(rule.responsible, deal),
        contact_ids=deal.contact_ids,
        task=task,
    )
