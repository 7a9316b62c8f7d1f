"""Lead not taken in time: the manager's reminder at half time, the head's card at the deadline
with Reassign to… / Take myself / Remind again, the head's head later; one card per level."""

from __future__ import annotations

from datetime import timedelta

from nextstep.bot.engine.schedule import Schedule
from nextstep.bot.engine.sla.actions import AutoReassign, Close, Defer, Open, Raise, Update
from nextstep.bot.engine.sla.record import Rule, Status
from nextstep.bot.engine.sla.rules import deal_key
from tests.unit.sla.sla_world import (
    ANNA,
    BIG_BOSS,
    BORIS,
    FIRST,
    HEAD,
    NOW,
    SECOND,
    VERA,
    Runtime,
    deal,
    kinds,
    later,
    of,
    playbook_cfg,
    task,
    team,
)

M = timedelta(minutes=1)


def test_nothing_before_half_time_and_the_timer_says_when() -> None:
    rt = Runtime()
    lead = deal(status=FIRST)
    assert rt.sweep([lead], NOW + 4 * M) == []
    assert rt.last.next_at == NOW + 5 * M
    assert [(t.rule, t.subject_key, t.due_at) for t in rt.last.timers] == [
        (Rule.TAKE, "deal:55", NOW + 5 * M)
    ]


def test_reminder_at_half_time_then_head_at_deadline_then_heads_head() -> None:
    rt = Runtime()
    lead = deal(status=FIRST)
    [reminder] = rt.sweep([lead], NOW + 5 * M)
    assert isinstance(reminder, Open)
    assert reminder.audience == ANNA
    assert [b.action for b in reminder.buttons][:1] == ["take"]
    assert rt.sweep([lead], NOW + 7 * M) == []  # not re-sent while it lasts
    [to_head] = rt.sweep([lead], NOW + 10 * M)
    assert isinstance(to_head, Raise)
    assert (to_head.previous_audience, to_head.audience) == (ANNA, HEAD)
    actions = [b.action for b in to_head.buttons]
    assert actions[:4] == ["reassign", "reassign", "take_myself", "remind"]
    assert rt.sweep([lead], NOW + 39 * M) == []
    [to_boss] = rt.sweep([lead], NOW + 40 * M)
    assert isinstance(to_boss, Raise)
    assert to_boss.audience == BIG_BOSS


def test_reassign_buttons_list_on_shift_teammates_least_loaded_first() -> None:
    rt = Runtime()
    lead = deal(status=FIRST)
    busy = [deal(100 + i, owner=BORIS) for i in range(3)] + [deal(200, owner=VERA)]
    rt.sweep([lead, *busy], NOW + 10 * M)
    [card] = of(rt.log, Rule.TAKE)
    assert isinstance(card, Open)
    targets = [dict(b.args)["to"] for b in card.buttons if b.action == "reassign"]
    assert targets == [VERA, BORIS]


def test_taking_the_lead_closes_the_card_saying_so() -> None:
    rt = Runtime()
    lead = deal(status=FIRST)
    rt.sweep([lead], NOW + 10 * M)
    [closed] = rt.sweep([later(lead, status_id=SECOND, taken=True)], NOW + 11 * M)
    assert isinstance(closed, Close)
    assert (closed.reason, closed.card_sent, closed.state.status) == ("taken", True, Status.CLOSED)
    assert rt.states == {}


def test_a_late_sweep_goes_straight_to_the_level_the_time_reached() -> None:
    rt = Runtime()
    [card] = rt.sweep([deal(status=FIRST)], NOW + 15 * M)  # e.g. after a restart
    assert isinstance(card, Open)
    assert card.audience == HEAD


def test_quest_rooms_take_in_five_minutes() -> None:
    rt = Runtime(playbook_cfg("sla:\n  take:\n    deadline: 5m\n"))
    lead = deal(status=FIRST)
    assert rt.sweep([lead], NOW + 2 * M) == []
    [reminder] = rt.sweep([lead], NOW + timedelta(seconds=150))
    assert reminder.audience == ANNA  # type: ignore[union-attr]
    [head] = rt.sweep([lead], NOW + 5 * M)
    assert head.audience == HEAD  # type: ignore[union-attr]


def test_priority_window_shortens_the_deadline_and_flags_the_card() -> None:
    cfg = playbook_cfg(
        "sla:\n  take:\n    priority:\n      - {source: Вебинар, deadline: 4m, first: 4h}\n"
    )
    rt = Runtime(cfg)
    webinar = deal(status=FIRST, source="Вебинар")
    [reminder] = rt.sweep([webinar], NOW + 2 * M)
    assert dict(reminder.facts)["priority"] == "Вебинар"  # type: ignore[union-attr]
    [head] = rt.sweep([webinar], NOW + 4 * M)
    assert head.audience == HEAD  # type: ignore[union-attr]
    # A lead handed to a manager after its first 4 hours is an ordinary one.
    old = deal(56, status=FIRST, source="Вебинар", age=timedelta(hours=5))
    fresh_owner = later(old, assigned_at=NOW)
    assert Runtime(cfg).sweep([fresh_owner], NOW + 2 * M) == []


def test_auto_reassign_at_the_deadline_to_the_least_loaded_on_shift_teammate() -> None:
    rt = Runtime(playbook_cfg("sla:\n  take:\n    on_deadline: auto_reassign\n"))
    lead = deal(status=FIRST)
    rt.sweep([lead, deal(100, owner=VERA)], NOW + 5 * M)
    actions = rt.sweep([lead, deal(100, owner=VERA)], NOW + 10 * M)
    assert kinds(actions) == ["AutoReassign", "Close"]
    assert actions[0] == AutoReassign(55, ANNA, BORIS, Rule.TAKE)
    assert isinstance(actions[1], Close)
    assert actions[1].reason == "auto_reassigned"


def test_lead_landing_off_shift_waits_for_the_shift_and_is_not_escalated_at_night() -> None:
    rt = Runtime()
    friday_night = NOW + timedelta(days=4, hours=13)  # Fri 23:00 Moscow
    lead = deal(
        status=FIRST,
        created_at=friday_night,
        stage_entered_at=friday_night,
        last_activity_at=friday_night,
    )
    monday = NOW + timedelta(days=7)  # Mon 10:00 Moscow; shift began at 09:00
    assert rt.sweep([lead], friday_night + timedelta(hours=2)) == []
    assert rt.last.next_at == monday - timedelta(minutes=55)  # 09:05: half of 10 minutes
    [card] = rt.sweep([lead], monday - timedelta(minutes=55))
    assert isinstance(card, Open)
    assert card.audience == ANNA


def test_escalation_to_an_off_shift_head_is_deferred_to_the_shift_start() -> None:
    short_day = Schedule.model_validate({"timezone": "Europe/Moscow", "hours": "09:00-17:50"})
    rt = Runtime(staff=team(head=short_day))
    evening = NOW + timedelta(hours=7, minutes=40)  # 17:40 Moscow
    lead = deal(
        status=FIRST, created_at=evening, stage_entered_at=evening, last_activity_at=evening
    )
    rt.sweep([lead], evening + 5 * M)  # Anna's reminder
    [held] = rt.sweep([lead], evening + 10 * M)  # 17:50: the head has gone home
    assert isinstance(held, Defer)
    assert held.until == NOW + timedelta(days=1, hours=-1)  # Tue 09:00 Moscow
    assert rt.sweep([lead], evening + 60 * M) == []  # held, not re-sent
    [delivered] = rt.sweep([lead], held.until)
    assert isinstance(delivered, Raise)
    assert (delivered.previous_audience, delivered.audience) == (ANNA, HEAD)


def test_card_facts_change_edits_the_card_instead_of_resending() -> None:
    rt = Runtime()
    lead = deal(status=FIRST)
    rt.sweep([lead], NOW + 5 * M)
    [update] = rt.sweep([later(lead, price=5000.0)], NOW + 6 * M)
    assert isinstance(update, Update)
    assert update.card_changed
    assert dict(update.facts)["price"] == 5000.0


def test_deal_key_is_the_subject() -> None:
    assert deal_key(55) == "deal:55"
    assert task(1).deal_id == 55
