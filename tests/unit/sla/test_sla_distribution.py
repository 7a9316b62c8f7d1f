"""New leads round robin among managers on shift: weights, caps, nobody on shift."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from nextstep.bot.engine.schedule import Schedule
from nextstep.bot.engine.sla.distribution import candidates, pick_manager, route_new_lead
from nextstep.bot.engine.sla.facts import StaffDirectory
from tests.unit.sla.sla_world import ANNA, BORIS, HEAD, NOW, STAFF, VERA, team

TEAM = STAFF.team(HEAD)


def deal_out(
    n: int,
    loads: dict[int, int] | None = None,
    weights: dict[int, int] | None = None,
    caps: dict[int, int | None] | None = None,
) -> list[int | None]:
    cursor, got = 0, []
    for _ in range(n):
        who, cursor = pick_manager(TEAM, loads or {}, weights or {}, caps or {}, cursor, NOW)
        got.append(who)
    return got


def test_round_robin_in_turn() -> None:
    assert deal_out(6) == [ANNA, BORIS, VERA, ANNA, BORIS, VERA]


def test_weights_give_a_bigger_share_interleaved() -> None:
    got = deal_out(8, weights={ANNA: 2})
    assert got == [ANNA, BORIS, VERA, ANNA] * 2
    assert got.count(ANNA) == 4


def test_a_manager_at_the_open_deal_cap_is_skipped() -> None:
    assert deal_out(4, loads={BORIS: 30}, caps={BORIS: 30}) == [ANNA, VERA, ANNA, VERA]


def test_only_managers_on_shift_now() -> None:
    nights = Schedule.model_validate({"timezone": "Europe/Moscow", "hours": "20:00-08:00"})
    staff = team(boris=nights)
    who, _ = pick_manager(staff.team(HEAD), {}, {}, {}, 1, NOW)
    assert who == VERA  # Boris (next in turn) sleeps at 10:00


def test_nobody_on_shift_the_lead_waits_for_the_first_shift_and_the_head_is_told() -> None:
    saturday = NOW + timedelta(days=5)
    routing = route_new_lead(HEAD, STAFF, {}, {}, {}, 2, saturday)
    assert (routing.to, routing.cursor, routing.tell_head) == (None, 2, HEAD)
    assert routing.waits_until == NOW + timedelta(days=7, hours=-1)  # Monday 09:00 Moscow
    assert route_new_lead(HEAD, STAFF, {}, {}, {}, 2, NOW).to == VERA


def test_empty_team_picks_nobody() -> None:
    assert pick_manager((), {}, {}, {}, 3, NOW) == (None, 3)


def test_a_manager_deactivated_in_the_crm_gets_no_leads_and_is_no_reassign_option() -> None:
    """The CRM refuses a deal for a deactivated user: Boris left the company, his Telegram
    is still paired. Leads and reassign buttons skip him."""
    members = [replace(m, active=False) if m.crm_user_id == BORIS else m for m in STAFF]
    staff = StaffDirectory.of(members, STAFF.default_calendar)
    cursor, got = 0, []
    for _ in range(4):
        who, cursor = pick_manager(staff.team(HEAD), {}, {}, {}, cursor, NOW)
        got.append(who)
    assert got == [ANNA, VERA, ANNA, VERA]
    assert candidates(ANNA, staff, {}, NOW) == (VERA,)
