"""The playbook's sla / schedules / distribution / guards sections: defaults when omitted,
what a head of sales writes, and located errors."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from nextstep.bot.playbook.loader import PlaybookError, load_playbook, parse_playbook
from nextstep.bot.playbook.sections.distribution import Mode
from nextstep.bot.playbook.sections.sla import Audience, OnDeadline, Snooze
from tests.unit.engine.engine_world import DEFAULT_PLAYBOOK

BARE = """\
name: Bare
call_task: {text: "Позвонить", due: 1d}
outcomes:
  reached: {label: outcome.reached, task_result: "ok"}
"""


def test_a_file_without_the_sections_gets_the_promised_defaults() -> None:
    playbook = parse_playbook(BARE)
    sla = playbook.sla
    assert sla.take.deadline == timedelta(minutes=10)
    assert sla.take.remind_after(sla.take.deadline) == timedelta(minutes=5)
    assert sla.take.on_deadline is OnDeadline.HEAD
    assert [lv.to for lv in sla.take.levels] == [Audience.HEAD, Audience.HEAD_OF_HEAD]
    assert [lv.to for lv in sla.no_task.levels] == list(Audience)
    assert sla.overdue_pile.threshold == 5
    assert sla.no_task.grace == timedelta(hours=1)
    assert sla.stuck.days == 30
    assert sla.snooze == (timedelta(minutes=30), timedelta(hours=2), Snooze.TOMORROW)
    assert playbook.guards.closed_stage.revert
    assert playbook.distribution.mode is Mode.OFF
    assert playbook.schedules.handover_after_days == 2
    assert playbook.schedules.default.timezone == "Europe/Moscow"


def test_the_default_playbook_states_its_sections() -> None:
    playbook = load_playbook(DEFAULT_PLAYBOOK)
    assert playbook.sla.take.deadline == timedelta(minutes=10)
    assert playbook.sla.noise.head.quiet_hours is not None


def test_what_a_head_of_sales_writes() -> None:
    playbook = parse_playbook(
        BARE
        + """\
sla:
  take:
    deadline: 5m
    remind: 2m
    on_deadline: auto_reassign
    priority:
      - {source: Вебинар, deadline: 3m, first: 4h}
  no_task:
    levels: [{manager: 30m}, head]
  noise:
    manager: {quiet_hours: "21:00-09:00", per_hour: 5}
  snooze: [15m, tomorrow]
schedules:
  default:
    timezone: Asia/Vladivostok
    cycle: {pattern: 2/2, anchor: 2026-03-02}
    hours: "09:00-21:00"
  holidays: [2026-05-01]
distribution: {mode: round_robin, weights: {4501: 2}, open_deal_cap: 40}
guards: {closed_stage: {revert: false}}
"""
    )
    take = playbook.sla.take
    assert (take.deadline, take.remind_after(take.deadline)) == (
        timedelta(minutes=5),
        timedelta(minutes=2),
    )
    assert take.priority[0].deadline == timedelta(minutes=3)
    assert [(lv.to, lv.within) for lv in playbook.sla.no_task.levels] == [
        (Audience.MANAGER, timedelta(minutes=30)),
        (Audience.HEAD, None),
    ]
    quiet = playbook.sla.noise.manager.quiet_hours
    assert quiet is not None
    assert quiet.covers(time(23))
    assert quiet.covers(time(8, 59))
    assert not quiet.covers(time(9))
    assert playbook.schedules.default.cycle is not None
    assert playbook.distribution.cap_of(4501) == 40
    assert playbook.distribution.weights == {4501: 2}
    assert not playbook.guards.closed_stage.revert


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("sla:\n  take:\n    deadline: soon\n", "sla.take.deadline: expected a duration"),
        ("sla:\n  take:\n    remind: 15m\n", "sla.take: remind must come before the deadline"),
        ("sla:\n  stuck:\n    levels: [head, manager]\n", "level `head` needs `within`"),
        ('sla:\n  noise:\n    head: {quiet_hours: "late"}\n', "expected hours like"),
        ("schedules:\n  default: {timezone: Mars/Olympus}\n", "unknown time zone"),
        ("sla:\n  take:\n    deadlin: 5m\n", "sla.take.deadlin: unknown key"),
    ],
)
def test_mistakes_are_located(section: str, message: str) -> None:
    with pytest.raises(PlaybookError) as caught:
        parse_playbook(BARE + section, source="pb.yaml")
    assert message in str(caught.value)


def test_story_playbooks_state_their_deadlines() -> None:
    playbooks = DEFAULT_PLAYBOOK.parent
    quest = load_playbook(playbooks / "quest-rooms.yaml")
    assert quest.sla.take.deadline == timedelta(minutes=5)
    assert quest.sla.take.remind_after(quest.sla.take.deadline) == timedelta(seconds=150)
    assert quest.schedules.default.cycle is not None
    assert quest.schedules.default.cycle.period == 4  # 2/2
    school = load_playbook(playbooks / "online-school.yaml")
    assert school.sla.take.on_deadline is OnDeadline.AUTO_REASSIGN
    assert school.sla.take.priority[0].first == timedelta(hours=4)
    assert school.distribution.mode is Mode.ROUND_ROBIN
