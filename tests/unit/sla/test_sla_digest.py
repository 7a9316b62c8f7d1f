"""The head's morning digest, /team now, pairing health, and the digest chart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from nextstep.bot.charts import digest_png
from nextstep.bot.engine.sla.digest import morning_digest, yesterday
from nextstep.bot.engine.sla.facts import (
    DealRow,
    OutcomeRow,
    StaffDirectory,
    StaffMember,
    TaskRow,
)
from nextstep.bot.engine.sla.team import CrmUserRow, pairing_health, team_now
from tests.unit.sla.sla_world import (
    ANNA,
    BIG_BOSS,
    BORIS,
    CFG,
    HEAD,
    NOW,
    STAFF,
    VERA,
    deal,
    task,
)

D = timedelta(days=1)


def world() -> tuple[list[DealRow], dict[int, list[TaskRow]]]:
    deals = [
        deal(1, price=500.0),  # no task
        deal(2, owner=BORIS, price=2000.0),  # overdue task
        deal(3, owner=VERA, age=40 * D, price=100.0),  # stuck, with a task
        deal(4, status=142, price=9000.0),  # won: not a problem
        deal(
            5,
            owner=BORIS,
            status=102,
            created_at=NOW - D,
            assigned_at=NOW - D,
            taken_at=NOW - D + timedelta(minutes=25),
        ),  # taken late yesterday
        deal(6, owner=99),  # not this team's
    ]
    tasks = {
        2: [task(20, 2, BORIS, due=NOW - timedelta(hours=3))],
        3: [task(30, 3, VERA)],
        5: [task(50, 5, BORIS)],
        6: [task(60, 6, 99)],
    }
    return deals, tasks


def test_morning_digest_counts_problems_with_money_at_stake_and_yesterday() -> None:
    deals, tasks = world()
    outcomes = [
        OutcomeRow(2, BORIS, "reached", NOW - D),
        OutcomeRow(2, BORIS, "no_answer", NOW - D + timedelta(hours=1)),
        OutcomeRow(1, ANNA, "reached", NOW),  # today: not in yesterday's digest
    ]
    digest = morning_digest(HEAD, deals, tasks, STAFF, CFG, outcomes, NOW)
    assert (digest.overdue_tasks, digest.overdue_budget) == (1, 2000.0)
    assert (digest.no_task_deals, digest.no_task_budget) == (1, 500.0)
    assert (digest.stuck_deals, digest.stuck_budget) == (1, 100.0)
    assert digest.taken_late == 1
    by_manager = {m.crm_user_id: m for m in digest.managers}
    assert by_manager[BORIS].outcomes == (("no_answer", 1), ("reached", 1))
    assert by_manager[ANNA].outcomes == ()
    assert [(p.deal_id, p.problem) for p in digest.problems] == [
        (2, "overdue_task"),
        (1, "no_task"),
        (3, "stuck"),
    ]


def test_team_now_counts_today_so_far() -> None:
    deals, tasks = world()
    figures = team_now(
        HEAD,
        deals,
        tasks,
        STAFF,
        CFG,
        [OutcomeRow(1, ANNA, "reached", NOW - timedelta(minutes=1))],
        NOW,
    )
    assert figures.window_end == NOW
    assert figures.taken_late == 0
    assert {m.crm_user_id: m.outcomes for m in figures.managers}[ANNA] == (("reached", 1),)


def test_yesterday_is_the_heads_local_day() -> None:
    start, end = yesterday(datetime(2026, 3, 2, 22, 30, tzinfo=UTC), "Asia/Vladivostok")
    assert (start, end) == (
        datetime(2026, 3, 1, 14, 0, tzinfo=UTC),
        datetime(2026, 3, 2, 14, 0, tzinfo=UTC),
    )


def test_pairing_health() -> None:
    staff = StaffDirectory.of(
        [
            *STAFF,
            StaffMember(41, "manager", None),
            StaffMember(42, "manager", HEAD, reachable=False),
            StaffMember(43, "manager", 77),
            StaffMember(44, "manager", HEAD),
        ]
    )
    users = [
        CrmUserRow(ANNA),
        CrmUserRow(50),
        CrmUserRow(51, is_active=False),
        CrmUserRow(44, is_active=False),
    ]
    health = pairing_health(users, staff)
    assert health.unpaired_users == (50,)
    assert health.unreachable_staff == (42,)
    assert health.managers_without_head == (41, 43)
    assert health.heads_not_paired == (77,)
    assert health.deactivated == (44,)  # paired, but gone from the CRM
    assert not health.healthy
    assert BIG_BOSS not in health.managers_without_head


def test_the_digest_chart_is_a_png() -> None:
    deals, tasks = world()
    digest = morning_digest(HEAD, deals, tasks, STAFF, CFG, [], NOW)
    png = digest_png(digest, {ANNA: "Анна", BORIS: "Борис"}, title="Команда")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
