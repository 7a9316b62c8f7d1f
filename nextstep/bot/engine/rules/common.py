"""Helpers the rule modules share: texts, tasks from playbook specs, responsible choices."""

from __future__ import annotations

from collections.abc import Mapping

from nextstep.bot.engine.common import due_at
from nextstep.bot.engine.rules.effects import ResponsibleChoice, TaskDraft
from nextstep.bot.engine.rules.facts import DealFacts
from nextstep.bot.engine.state import Context
from nextstep.bot.engine.texts import ParamValue, Text
from nextstep.bot.playbook.calls import TaskSpec
from nextstep.bot.playbook.model import Playbook
from nextstep.bot.playbook.sections.rule_common import DealField, Responsible, ResponsibleKind


def params(deal: DealFacts, **more: ParamValue) -> dict[str, ParamValue]:
    return {"deal": deal.view.name, **more}


def key_text(key: str, values: Mapping[str, ParamValue]) -> Text:
    """A bot message by i18n key (the executor renders it in the recipient's locale)."""
    return Text(key=key, params=tuple(sorted(values.items())))


def draft(
    spec: TaskSpec, playbook: Playbook, ctx: Context, values: Mapping[str, ParamValue]
) -> TaskDraft:
    """A task from a playbook spec, its gaps filled from `call_task`; due from now."""
    full = playbook.task(spec)
    return TaskDraft(Text.from_spec(full.text, values), due_at(full.due, ctx), full.type)


def choice(spec: Responsible, deal: DealFacts) -> ResponsibleChoice:
    current = deal.view.responsible_user_id
    match spec.kind:
        case ResponsibleKind.SAME:
            return ResponsibleChoice.same(current)
        case ResponsibleKind.ANOTHER_MANAGER:
            return ResponsibleChoice(
                ResponsibleKind.ANOTHER_MANAGER, role="manager", exclude=(current,)
            )
        case ResponsibleKind.ROLE:
            return ResponsibleChoice(ResponsibleKind.ROLE, role=spec.role)
        case ResponsibleKind.USER:
            return ResponsibleChoice(ResponsibleKind.USER, user_id=spec.user)


def copied(deal: DealFacts, refs: tuple[DealField, ...]) -> list[tuple[str, object]]:
    """The named custom fields' values that are filled in (built-ins travel on their own)."""
    out: list[tuple[str, object]] = []
    for ref in refs:
        if ref.field is None:
            continue
        value = deal.fields.get(ref.field)
        if value is not None and value != "":
            out.append((ref.field, value))
    return out
