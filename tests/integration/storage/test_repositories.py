"""Staff and invites, timers, escalations, per-deal flow and schedules as services use them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from nextstep.bot.storage import Database, Repositories
from nextstep.bot.storage.escalations import LiveRecord
from nextstep.bot.storage.models import Card
from tests.integration.storage.storage_world import NOW


async def test_invite_pairs_once_and_not_after_expiry(db: Database) -> None:
    async with db.transaction() as s:
        invites = Repositories(s).invites
        invite = await invites.create(
            crm_user_id=100, role="manager", now=NOW, expires_at=NOW + timedelta(days=1)
        )
        stale = await invites.create(
            crm_user_id=101, role="manager", now=NOW, expires_at=NOW + timedelta(hours=1)
        )
    assert len(invite.token) <= 64
    async with db.transaction() as s:
        invites = Repositories(s).invites
        used = await invites.redeem(invite.token, telegram_id=555, now=NOW)
        assert used is not None
        assert used.used_by_telegram_id == 555
        assert await invites.redeem(invite.token, telegram_id=666, now=NOW) is None
        assert await invites.redeem(stale.token, 777, now=NOW + timedelta(hours=1)) is None


async def test_staff_lookup_and_reachability(db: Database) -> None:
    async with db.transaction() as s:
        staff = Repositories(s).staff
        head = await staff.add(crm_user_id=1, role="head", now=NOW, telegram_id=11)
        anna = await staff.add(
            crm_user_id=2, role="manager", now=NOW, telegram_id=22, head_crm_user_id=1
        )
        await staff.set_reachable(anna.id, False, "bot blocked")
    async with db.session() as s:
        staff = Repositories(s).staff
        found = await staff.by_telegram_id(22)
        assert found is not None
        assert (found.is_reachable, found.unreachable_reason, found.locale) == (
            False,
            "bot blocked",
            "ru",
        )
        assert [m.crm_user_id for m in await staff.team_of(1)] == [2]
        assert (await staff.by_crm_user_id(1) or anna).id == head.id
        assert [m.id for m in await staff.list(role="head")] == [head.id]


async def test_one_crm_user_is_one_staff_member(db: Database) -> None:
    async with db.transaction() as s:
        await Repositories(s).staff.add(crm_user_id=1, role="manager", now=NOW)
    async with db.session() as s:
        with pytest.raises(IntegrityError):
            await Repositories(s).staff.add(crm_user_id=1, role="head", now=NOW)


async def test_timer_fires_once_and_survives_a_new_session(db: Database) -> None:
    due = NOW + timedelta(minutes=10)
    async with db.transaction() as s:
        timers = Repositories(s).timers
        assert await timers.schedule("take", "take:deal:1", due, NOW, {"deal_id": 1})
        assert await timers.schedule("take", "take:deal:1", due + timedelta(minutes=5), NOW)
        assert await timers.schedule("take", "take:deal:2", due, NOW)
        assert await timers.cancel("take:deal:2", NOW)
    async with db.transaction() as s:
        timers = Repositories(s).timers
        assert await timers.due(due) == []
        [timer] = await timers.due(due + timedelta(minutes=5))
        assert timer.payload == {}
        assert await timers.fire(timer.id, due) is not None
        assert await timers.fire(timer.id, due) is None
        assert not await timers.schedule("take", "take:deal:1", due, NOW)  # fired: not re-armed
        assert await timers.due(due + timedelta(days=1)) == []


async def test_one_live_escalation_per_rule_and_subject(db: Database) -> None:
    async with db.transaction() as s:
        esc = Repositories(s).escalations
        first = await esc.open("not_taken", "deal:1", NOW)
        assert first is not None
        assert await esc.open("not_taken", "deal:1", NOW) is None
        assert await esc.raise_level(first.id, 1, NOW)
        assert not await esc.raise_level(first.id, 1, NOW)
        assert await esc.ack(first.id, NOW)
        assert await esc.close(first.id, "taken", NOW)
        assert not await esc.ack(first.id, NOW)
        second = await esc.open("not_taken", "deal:1", NOW)
        assert second is not None
        assert [e.id for e in await esc.list_active()] == [second.id]
        active = await esc.active("not_taken", "deal:1")
        assert active is not None
        assert active.id == second.id


async def test_live_records_stored_at_once_open_new_and_update_live_ones(db: Database) -> None:
    later = NOW + timedelta(minutes=5)
    async with db.transaction() as s:
        esc = Repositories(s).escalations
        card = Card(chat_id=1, kind="sla", state="open", created_at=NOW, updated_at=NOW)
        s.add(card)
        await s.flush()
        live = await esc.open("no_task", "deal:1", NOW, payload={"audience": 1})
        closed = await esc.open("no_task", "deal:2", NOW)
        assert live is not None
        assert closed is not None
        live.card_id = card.id
        await s.flush()
        assert await esc.close(closed.id, "task_set", NOW)
        records = [
            LiveRecord(rule, key, 1, "snoozed", later, later + timedelta(hours=2), {"n": n})
            for n, (rule, key) in enumerate(
                [("no_task", "deal:1"), ("no_task", "deal:2"), ("stuck", "deal:1")]
            )
        ]
        await esc.store_live(records, later)
    async with db.transaction() as s:
        rows = {
            (e.rule, e.subject_key): e for e in await Repositories(s).escalations.list_active()
        }
    assert sorted(rows) == [("no_task", "deal:1"), ("no_task", "deal:2"), ("stuck", "deal:1")]
    kept = rows[("no_task", "deal:1")]
    assert (kept.id, kept.opened_at, kept.card_id) == (live.id, NOW, card.id)
    assert (kept.level, kept.status, kept.payload) == (1, "snoozed", {"n": 0})
    assert kept.snoozed_until == later + timedelta(hours=2)
    assert kept.updated_at == later
    reopened = rows[("no_task", "deal:2")]
    assert reopened.id != closed.id  # the closed one stays history; a new record is opened
    assert (reopened.opened_at, reopened.card_id, reopened.payload) == (later, None, {"n": 1})


async def test_deal_flow_updates_only_the_given_fields(db: Database) -> None:
    async with db.transaction() as s:
        flow = Repositories(s).flow
        await flow.update(1, NOW, no_answer_attempts=2, take_task_id=9)
        state = await flow.update(1, NOW, taken_at=NOW, taken_by=100)
    assert (state.no_answer_attempts, state.take_task_id, state.taken_by) == (2, 9, 100)
    async with db.session() as s:
        with pytest.raises(TypeError):
            await Repositories(s).flow.update(1, NOW, colour="red")


async def test_schedule_spec_round_trips(db: Database) -> None:
    spec = {"pattern": "2/2", "start": "2026-03-01", "hours": ["09:00", "21:00"]}
    async with db.transaction() as s:
        anna = await Repositories(s).staff.add(crm_user_id=2, role="manager", now=NOW)
        await Repositories(s).schedules.set(anna.id, {"pattern": "5/2"}, NOW)
        await Repositories(s).schedules.set(anna.id, spec, NOW)
    async with db.session() as s:
        assert await Repositories(s).schedules.get(anna.id) == spec
