"""NPS (stories 000 and 003): 0–10 buttons on "collect NPS" tasks.

The score is written to the playbook's field and the task completed; a promoter (9–10 by
default) gives a task to ask for a public review; anyone lower a task to ask what went wrong,
and the head is told.
"""

from __future__ import annotations

from nextstep.bot.engine.effects import (
    CompleteTask,
    CreateTask,
    RefreshCards,
    Role,
    RunSalesbot,
    TaskPurpose,
)
from nextstep.bot.engine.rules.common import draft, key_text, params
from nextstep.bot.engine.rules.effects import (
    RuleEffect,
    RuleReject,
    RuleRejectReason,
    Tell,
    TellKind,
    WriteField,
)
from nextstep.bot.engine.rules.events import NpsScore
from nextstep.bot.engine.rules.facts import DealFacts
from nextstep.bot.engine.state import Context, OpenTask
from nextstep.bot.engine.texts import Text
from nextstep.bot.playbook.model import Playbook
from nextstep.bot.playbook.sections.nps import SCORES, Nps


def nps_buttons(task: OpenTask, nps: Nps | None) -> tuple[int, ...]:
    """The score buttons an open task's card shows: 0–10 on NPS tasks, none on others."""
    if nps is None or not nps.is_nps_task(task.text, task.task_type_id):
        return ()
    return SCORES


def on_score(
    event: NpsScore, deal: DealFacts, nps: Nps | None, playbook: Playbook, ctx: Context
) -> list[RuleEffect]:
    task = deal.view.task(event.task_id)
    if task is None:
        return [RuleReject(RuleRejectReason.TASK_NOT_OPEN)]
    if nps is None or not nps_buttons(task, nps):
        return [RuleReject(RuleRejectReason.NPS_NOT_OFFERED)]
    if event.score not in SCORES:
        return [RuleReject(RuleRejectReason.BAD_SCORE)]
    values = params(deal, score=event.score)
    effects: list[RuleEffect] = [CompleteTask(task.id, Text.from_spec(nps.result, values))]
    if nps.field is not None:
        effects.append(WriteField(nps.field, event.score))
    manager = deal.view.responsible_user_id
    follow = nps.promoter_task if nps.is_promoter(event.score) else nps.detractor_task
    if follow is not None:
        t = draft(follow, playbook, ctx, values)
        effects.append(CreateTask(t.text, t.due, t.task_type, manager, TaskPurpose.NEXT_STEP))
    if nps.is_promoter(event.score) and nps.salesbot_promoter is not None:
        effects.append(RunSalesbot(nps.salesbot_promoter))
    if not nps.is_promoter(event.score) and nps.tell_head:
        told = key_text(TellKind.NPS_LOW, values)
        effects.append(Tell(Role("head"), TellKind.NPS_LOW, told))
    effects.append(RefreshCards())
    return effects
