"""Plain data for SLA tests: the stock pipeline, a team of three managers with a head (who has
a head of her own), weekly and 2/2 schedules, and deal/task rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import yaml

from nextstep.bot.engine.schedule import Schedule
from nextstep.bot.engine.sla.actions import EscalationAction, Summary
from nextstep.bot.engine.sla.calendar import ScheduleCalendar
from nextstep.bot.engine.sla.config import SlaConfig
from nextstep.bot.engine.sla.facts import DealRow, StaffDirectory, StaffMember, TaskRow
from nextstep.bot.engine.sla.record import EscalationState, Rule, Status
from nextstep.bot.engine.sla.sweep import sweep
from nextstep.bot.playbook.loader import parse_playbook
from nextstep.bot.playbook.resolve import resolve
from tests.unit.engine.engine_world import DEFAULT_PLAYBOOK, FIRST, REASONS, SECOND, STOCK, THIRD

UNSORTED = 100
ANNA, BORIS, VERA = 11, 12, 13  # managers
HEAD, BIG_BOSS = 21, 31
# Monday 2 March 2026, 10:00 Moscow (07:00 UTC): everyone on a Mon-Fri 09-18 schedule is on shift.
NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
OFFICE = Schedule.model_validate({"timezone": "Europe/Moscow", "days": ["mon-fri"]})
ALWAYS = Schedule.model_validate({"timezone": "Europe/Moscow", "weekly": {"daily": "00:00-24:00"}})


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        old = merged.get(key)
        both = isinstance(old, dict) and isinstance(value, dict)
        merged[key] = _merge(old, value) if both else value  # type: ignore[arg-type]
    return merged


def playbook_cfg(extra: str = "") -> SlaConfig:
    """The default playbook with `extra` YAML merged over it, bound to the stock pipeline."""
    base = yaml.safe_load(DEFAULT_PLAYBOOK.read_text(encoding="utf-8"))
    text = yaml.safe_dump(_merge(base, yaml.safe_load(extra) or {}), allow_unicode=True)
    return SlaConfig.of(resolve(parse_playbook(text), [STOCK], REASONS))


CFG = playbook_cfg()


def member(
    who: int,
    role: str = "manager",
    head: int | None = HEAD,
    schedule: Schedule = OFFICE,
    **kw: Any,
) -> StaffMember:
    return StaffMember(who, role, head, ScheduleCalendar(schedule), schedule.timezone, **kw)


def team(**schedules: Schedule) -> StaffDirectory:
    """Anna, Boris, Vera (managers), their head and the head's head; `anna=...` overrides."""
    return StaffDirectory.of(
        [
            member(ANNA, schedule=schedules.get("anna", OFFICE)),
            member(BORIS, schedule=schedules.get("boris", OFFICE)),
            member(VERA, schedule=schedules.get("vera", OFFICE)),
            member(HEAD, "head", BIG_BOSS, schedules.get("head", ALWAYS)),
            member(BIG_BOSS, "head", None, ALWAYS),
        ]
    )


STAFF = team()


def deal(
    did: int = 55,
    status: int = SECOND,
    owner: int = ANNA,
    *,
    age: timedelta = timedelta(0),
    **kw: Any,
) -> DealRow:
    """A deal that landed `age` before NOW; taken unless on a new stage."""
    at = NOW - age
    fields: dict[str, Any] = {
        "id": did,
        "pipeline_id": 1,
        "status_id": status,
        "responsible_user_id": owner,
        "created_at": at,
        "stage_entered_at": at,
        "last_activity_at": at,
        "price": 1000.0,
        "name": f"Deal {did}",
        "taken": status not in (UNSORTED, FIRST),
    }
    fields.update(kw)
    return DealRow(**fields)


def task(
    tid: int,
    did: int = 55,
    owner: int = ANNA,
    due: datetime = NOW + timedelta(hours=3),
) -> TaskRow:
    return TaskRow(tid, did, owner, due, "Позвонить")


def later(row: DealRow, **kw: Any) -> DealRow:
    return replace(row, **kw)


__all__ = ["FIRST", "SECOND", "THIRD"]


class Runtime:
    """The runtime's part, in memory: stores each action's escalation record, as the real one
    does in `escalations`, so successive sweeps see what earlier ones decided."""

    def __init__(self, cfg: SlaConfig = CFG, staff: StaffDirectory = STAFF) -> None:
        self.cfg = cfg
        self.staff = staff
        self.states: dict[tuple[Rule, str], EscalationState] = {}
        self.log: list[EscalationAction] = []

    def sweep(
        self,
        deals: list[DealRow],
        now: datetime,
        tasks: dict[int, list[TaskRow]] | None = None,
        pings: dict[int, int] | None = None,
    ) -> list[EscalationAction]:
        result = sweep(
            deals, tasks or {}, self.staff, self.states, self.cfg, now, pings_in_last_hour=pings
        )
        self.last = result
        for action in result.actions:
            for item in action.items if isinstance(action, Summary) else (action,):
                state = getattr(item, "state", None)
                if isinstance(state, EscalationState):
                    key = (state.rule, state.subject_key)
                    if state.status is Status.CLOSED:
                        self.states.pop(key, None)
                    else:
                        self.states[key] = state
        self.log += result.actions
        return result.actions

    def press(
        self, rule: Rule, subject: str, change: Callable[[EscalationState], EscalationState]
    ) -> None:
        key = (rule, subject)
        self.states[key] = change(self.states[key])


def kinds(actions: list[EscalationAction]) -> list[str]:
    return [type(a).__name__ for a in actions]


def of(actions: list[EscalationAction], rule: Rule) -> list[EscalationAction]:
    return [a for a in actions if getattr(getattr(a, "state", None), "rule", None) is rule]
