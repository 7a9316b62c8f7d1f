"""Linked deals (story 004): a deal won, lost or reaching a stage starts one in another pipeline.

Once per source deal and rule (`linked:<rule>` in the deal's once-only keys), with the rule's
condition on the deal's fields. The new deal carries the named fields, so a rule on the new
deal's own pipeline can continue the chain (Money won → Training, Training won → Repeat sale).
Down the chain `{deal}` stays the name the chain started with (see `chain_name`).
The budget may be split by the source's numeric fields (story 004's advance and rest, see
`budget_of`); a split whose field is empty falls back to the full budget, and says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nextstep.bot.engine.rules.common import choice, copied, draft, params
from nextstep.bot.engine.rules.effects import CreateLinkedDeal, Remember, RuleEffect
from nextstep.bot.engine.rules.events import StageChanged
from nextstep.bot.engine.rules.facts import DealFacts
from nextstep.bot.engine.state import Context
from nextstep.bot.engine.texts import Text
from nextstep.bot.playbook.model import Playbook
from nextstep.bot.playbook.resolved import StagePlace
from nextstep.bot.playbook.sections.bind import BoundLinked, ResolvedRules
from nextstep.bot.playbook.sections.linked import BudgetSplit
from nextstep.bot.playbook.sections.rule_common import norm

_NUMBER_JUNK = re.compile(r"[\s\u00a0\u202f₽$€]|руб\.?|rub", re.IGNORECASE)


@dataclass(frozen=True)
class Budget:
    """The new deal's budget, and the split's fields that were empty (the full budget was
    taken instead; the executor tells the new deal's owner)."""

    price: float | None
    empty: tuple[str, ...] = ()


def as_number(value: object) -> float | None:
    """A numeric field's value: a number, or text like "90 000" / "90000,50 ₽"; else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        text = _NUMBER_JUNK.sub("", value).replace(",", ".")
        try:
            return float(text) if text else None
        except ValueError:
            return None
    return None


def field_value(deal: DealFacts, name: str) -> object:
    """A custom field by the name the playbook wrote (spacing and case as the CRM likes)."""
    if name in deal.fields:
        return deal.fields[name]
    return next((v for k, v in deal.fields.items() if norm(k) == norm(name)), None)


def budget_of(spec: BudgetSplit, deal: DealFacts) -> Budget:
    """`true`: the source's budget; `false`: none; a split: `field` (else the budget) minus
    `minus_field`, never below 0 — or the full budget when a field it reads is empty."""
    if not spec.enabled:
        return Budget(None)
    full = deal.view.price
    if not spec.split:
        return Budget(full)
    read = {name: as_number(field_value(deal, name)) for name in spec.fields()}
    empty = tuple(name for name, number in read.items() if number is None)
    if empty:
        return Budget(full, empty)
    base = read[spec.field] if spec.field is not None else full
    minus = read[spec.minus_field] if spec.minus_field is not None else 0.0
    return Budget(max(0.0, (base or 0.0) - (minus or 0.0)))


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
    if rule.create.copy_budget_to is not None and deal.view.price:
        fields[rule.create.copy_budget_to] = deal.view.price
    fields.update(rule.create.set)
    budget = budget_of(rule.create.budget, deal)
    values = {**params(deal), "deal": chain_name(deal.view.name, rules)}
    task = draft(rule.task, playbook, ctx, values) if rule.task is not None else None
    return CreateLinkedDeal(
        key=f"{key}:{deal.id}",
        rule=rule.name,
        source_deal_id=deal.id,
        pipeline_id=bound.create_at.pipeline_id,
        status_id=bound.create_at.status_id,
        name=Text.from_spec(rule.create.name, values),
        price=budget.price,
        fields=tuple(fields.items()),
        responsible=choice(rule.responsible, deal),
        contact_ids=deal.contact_ids,
        task=task,
        budget_fallback=budget.empty,
    )
