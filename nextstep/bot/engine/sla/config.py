"""The SLA part of a resolved playbook, shaped for the sweep's hot loop (sets and dicts by id)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from nextstep.bot.engine.sla.actions import Button
from nextstep.bot.engine.sla.record import Ladder, Step
from nextstep.bot.playbook.resolved import ResolvedPlaybook
from nextstep.bot.playbook.sections.distribution import Distribution
from nextstep.bot.playbook.sections.guards import Guards
from nextstep.bot.playbook.sections.sla import Audience, Levels, Sla, Snooze


def ladder_of(levels: Levels) -> Ladder:
    return tuple(Step(level.to, level.within) for level in levels)


@dataclass(frozen=True)
class PipelineSla:
    new_status_ids: frozenset[int]
    working_status_ids: frozenset[int]
    closed_status_ids: frozenset[int]
    stage_names: Mapping[int, str]


@dataclass(frozen=True)
class SlaConfig:
    sla: Sla
    guards: Guards
    distribution: Distribution
    pipelines: Mapping[int, PipelineSla]
    stuck_limits: Mapping[int, timedelta]  # status id → limit (others: the default)
    handover_after_days: int = 2
    take_tail: Ladder = field(default=())  # the take rule's rungs after the deadline
    no_task_ladder: Ladder = ()
    stuck_ladder: Ladder = ()
    pile_ladder: Ladder = ()
    snooze_buttons: tuple[Button, ...] = ()
    _take_ladders: dict[timedelta, tuple[Ladder, timedelta]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @property
    def stuck_default(self) -> timedelta:
        return timedelta(days=self.sla.stuck.days)

    @classmethod
    def of(cls, rp: ResolvedPlaybook) -> SlaConfig:
        playbook = rp.playbook
        sla = playbook.sla
        pipelines = {
            pid: PipelineSla(
                new_status_ids=plan.new_status_ids,
                working_status_ids=frozenset(plan.layout.working),
                closed_status_ids=frozenset({plan.layout.won_id, plan.layout.lost_id}),
                stage_names=plan.layout.stage_names,
            )
            for pid, plan in rp.pipelines.items()
        }
        limits = {sid: timedelta(days=d) for sid, d in rp.stuck_days.items()}
        return cls(
            sla=sla,
            guards=playbook.guards,
            distribution=playbook.distribution,
            pipelines=pipelines,
            stuck_limits=limits,
            handover_after_days=playbook.schedules.handover_after_days,
            take_tail=ladder_of(sla.take.levels),
            no_task_ladder=ladder_of(sla.no_task.levels),
            stuck_ladder=ladder_of(sla.stuck.levels),
            pile_ladder=ladder_of(sla.overdue_pile.levels),
            snooze_buttons=snooze_buttons(sla),
        )

    def take_ladder(self, deadline: timedelta) -> tuple[Ladder, timedelta]:
        """The take rule's rungs for a lead with `deadline`, and when the first is due: the
        manager's reminder (until the deadline), then the configured rungs."""
        known = self._take_ladders.get(deadline)  # one per deadline, not one per lead
        if known is None:
            remind = self.sla.take.remind_after(deadline)
            if remind is None:
                known = self.take_tail, deadline
            else:
                known = (Step(Audience.MANAGER, deadline - remind), *self.take_tail), remind
            self._take_ladders[deadline] = known
        return known


def snooze_buttons(sla: Sla) -> tuple[Button, ...]:
    buttons = [Button("ack", "sla.button.ack")]
    for choice in sla.snooze:
        if isinstance(choice, Snooze):
            buttons.append(Button("snooze", "sla.button.snooze_tomorrow", (("for", "tomorrow"),)))
        else:
            minutes = int(choice.total_seconds() // 60)
            buttons.append(Button("snooze", "sla.button.snooze", (("minutes", minutes),)))
    return tuple(buttons)
