"""The services with plain data: which rows a press enqueues, who may press, dedup, staleness."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from nextstep.bot.services import deal_press, presses
from nextstep.bot.services.deal_press import CALL_BACK_TIME, RESULT_TEXT, FollowUp
from nextstep.bot.services.deps import Services
from nextstep.bot.services.inbox import process_crm_event, task_due
from nextstep.bot.services.presses import Verdict
from nextstep.bot.services.staff import StaffInfo
from nextstep.bot.storage import Database
from nextstep.crm_client.models import CrmEvent, CrmEventType
from tests.unit.engine.engine_world import EXPENSIVE, LOST, SECOND, THIRD
from tests.unit.handlers.world import (
    CALL_TASK,
    DEAL_ID,
    MANAGER_TG,
    NOW,
    TAKE_TASK,
    TAKE_TEXT,
    Clock,
    FakeCrm,
    add_team,
    cards,
    flow,
    make_services,
    ops,
    outbox,
)

ADDED = CrmEvent(type=CrmEventType.DEAL_ADDED, entity="lead", entity_id=DEAL_ID)


@pytest.fixture
def crm() -> FakeCrm:
    crm = FakeCrm()
    crm.put_deal()
    return crm


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def services(db: Database, crm: FakeCrm, clock: Clock) -> Services:
    return make_services(db, crm, clock)


@pytest.fixture
async def team(db: Database) -> dict[str, StaffInfo]:
    return await add_team(db)


def button(rows: list[dict[str, Any]], label: str) -> str:
    """The callback id of the newest button labelled `label` in the telegram rows."""
    for payload in reversed(rows):
        for row in payload.get("buttons", []):
            for b in row:
                if b["text"] == label:
                    return str(b["cb"])
    raise AssertionError(f"no button {label!r} in {[p.get('text') for p in rows]}")


async def press(services: Services, who: StaffInfo, label: str) -> tuple[Verdict, FollowUp]:
    cb = button(await outbox(services.db, "telegram"), label)
    found = await presses.peek(services.db, cb)
    assert found is not None
    verdict = await presses.claim(services, who, found)
    if verdict is not Verdict.OK:
        return verdict, FollowUp()
    return verdict, await deal_press.on_press(services, who, found)


async def assigned_and_taken(services: Services, crm: FakeCrm, team: dict[str, StaffInfo]) -> None:
    await process_crm_event(services, ADDED)
    crm.put_task(TAKE_TASK, TAKE_TEXT, NOW + timedelta(minutes=10))  # the relay created it
    await press(services, team["manager"], "🚀 Взять в работу")
    crm.tasks.pop(TAKE_TASK)
    crm.put_deal(status_id=SECOND)
    crm.put_task(CALL_TASK, "Позвонить клиенту", NOW + timedelta(minutes=15))


async def test_new_deal_gets_take_task_and_card_with_the_button(services, team, db) -> None:
    await process_crm_event(services, ADDED)
    crm_rows = await outbox(db, "crm")
    assert ops(crm_rows) == ["create_task"]
    assert crm_rows[0]["task"]["text"] == TAKE_TEXT
    (card,) = await outbox(db, "telegram")
    assert card["chat_id"] == MANAGER_TG
    assert "Квартира на Пресне" in card["text"]
    assert "Анна Смирнова" in card["text"]
    assert "+79990001122" in card["text"]
    assert "150 000" in card["text"].replace("\xa0", " ")
    assert [[b["text"] for b in row] for row in card["buttons"]] == [["🚀 Взять в работу"]]
    assert all(not b["cb"].isdigit() and str(DEAL_ID) not in b["cb"] for b in card["buttons"][0])


async def test_reprocessing_the_same_event_enqueues_nothing_twice(services, team, db) -> None:
    await process_crm_event(services, ADDED)
    await process_crm_event(services, ADDED)
    assert len(await outbox(db)) == 2
    assert len(await cards(db)) == 1


async def test_take_into_work_moves_completes_and_sets_the_first_call(services, crm, team, db):
    await process_crm_event(services, ADDED)
    crm.put_task(TAKE_TASK, TAKE_TEXT, NOW + timedelta(minutes=10))
    verdict, _ = await press(services, team["manager"], "🚀 Взять в работу")
    assert verdict is Verdict.OK
    crm_rows = (await outbox(db, "crm"))[1:]
    assert ops(crm_rows) == ["update_deal", "complete_task", "create_task"]
    assert crm_rows[0]["patch"] == {"pipeline_id": 1, "status_id": SECOND}
    assert crm_rows[1]["task_id"] == TAKE_TASK
    assert crm_rows[1]["result_text"] == "Взята в работу"
    assert crm_rows[2]["task"]["text"] == "Позвонить клиенту"
    assert crm_rows[2]["task"]["complete_till"].startswith("2026-03-02T09:15")
    state = await flow(db)
    assert state is not None
    assert state.taken_at is not None
    tg = (await outbox(db, "telegram"))[1:]
    edit = next(r for r in tg if r["op"] == "edit")
    assert edit["buttons"] == []
    assert "✅ Взята в работу." in edit["text"]
    call_card = next(r for r in tg if r["op"] == "send")
    labels = [b["text"] for row in call_card["buttons"] for b in row]
    assert labels == ["✅ Дозвонился", "📵 Не дозвонился", "🕑 Перезвонить в…", "❌ Не интересно"]


async def test_a_double_press_acts_once(services, crm, team, db) -> None:
    await process_crm_event(services, ADDED)
    crm.put_task(TAKE_TASK, TAKE_TEXT, NOW + timedelta(minutes=10))
    cb = button(await outbox(db, "telegram"), "🚀 Взять в работу")
    found = await presses.peek(db, cb)
    assert found is not None
    assert await presses.claim(services, team["manager"], found) is Verdict.OK
    assert await presses.claim(services, team["manager"], found) is Verdict.USED


@pytest.mark.parametrize(
    ("who", "verdict"),
    [
        ("manager", Verdict.OK),
        ("head", Verdict.OK),
        ("admin", Verdict.OK),
        ("other", Verdict.FORBIDDEN),
    ],
)
async def test_only_owner_head_or_admin_may_press(services, team, db, who, verdict) -> None:
    await process_crm_event(services, ADDED)
    cb = button(await outbox(db, "telegram"), "🚀 Взять в работу")
    found = await presses.peek(db, cb)
    assert found is not None
    assert await presses.claim(services, team[who], found) is verdict


async def test_a_forbidden_press_leaves_the_button_working(services, crm, team, db) -> None:
    await process_crm_event(services, ADDED)
    crm.put_task(TAKE_TASK, TAKE_TEXT, NOW + timedelta(minutes=10))
    assert (await press(services, team["other"], "🚀 Взять в работу"))[0] is Verdict.FORBIDDEN
    assert len(await outbox(db, "crm")) == 1
    assert (await press(services, team["manager"], "🚀 Взять в работу"))[0] is Verdict.OK
    assert len(await outbox(db, "crm")) == 4


async def test_no_answer_climbs_the_ladder(services, crm, team, db) -> None:
    await assigned_and_taken(services, crm, team)
    before = len(await outbox(db, "crm"))
    await press(services, team["manager"], "📵 Не дозвонился")
    rows = (await outbox(db, "crm"))[before:]
    assert ops(rows) == ["complete_task", "add_call_note", "create_task"]
    assert rows[0] == {
        "op": "complete_task",
        "task_id": CALL_TASK,
        "deal_id": DEAL_ID,
        "result_text": "Не дозвонились, попытка 1",
    }
    assert rows[1]["note"]["call_status"] == 6
    assert rows[1]["note"]["phone"] == "+79990001122"
    assert rows[2]["task"]["text"] == "Перезвонить: не дозвонились (1-я попытка)"
    assert rows[2]["task"]["complete_till"].startswith("2026-03-02T11:00")
    state = await flow(db)
    assert state is not None
    assert state.no_answer_attempts == 1


async def test_reached_asks_the_result_then_the_stage(services, crm, team, db) -> None:
    await assigned_and_taken(services, crm, team)
    before = len(await outbox(db, "crm"))
    _, follow = await press(services, team["manager"], "✅ Дозвонился")
    assert follow.expect == RESULT_TEXT
    assert len(await outbox(db, "crm")) == before  # nothing written before the result
    assert "итог разговора" in (await outbox(db, "telegram"))[-1]["text"]
    follow = await deal_press.submit_result(
        services, team["manager"], DEAL_ID, CALL_TASK, "Ждут КП"
    )
    assert follow.expect is None
    stages = (await outbox(db, "telegram"))[-1]
    labels = [b["text"] for row in stages["buttons"] for b in row]
    assert labels == [
        "Принимают решение",
        "Согласование договора",
        "🏆 Успешно реализовано",
        "Оставить на этапе",
    ]
    await press(services, team["manager"], "Принимают решение")
    rows = (await outbox(db, "crm"))[before:]
    assert ops(rows) == ["complete_task", "add_call_note", "update_deal", "create_task"]
    assert rows[0]["result_text"] == "Дозвонились: Ждут КП"
    assert rows[1]["note"]["call_status"] == 4
    assert rows[1]["note"]["call_result"] == "Разговор состоялся. Итог: Ждут КП"
    assert rows[2]["patch"]["status_id"] == THIRD


async def test_not_interested_offers_loss_reasons_as_buttons(services, crm, team, db) -> None:
    await assigned_and_taken(services, crm, team)
    before = len(await outbox(db, "crm"))
    await press(services, team["manager"], "❌ Не интересно")
    await press(services, team["manager"], "Дорого")
    rows = (await outbox(db, "crm"))[before:]
    assert ops(rows) == ["complete_task", "add_call_note", "update_deal"]
    assert rows[0]["result_text"] == "Отказ: Дорого"
    assert rows[2]["patch"] == {"status_id": LOST, "pipeline_id": 1, "loss_reason_id": EXPENSIVE}


async def test_typed_call_back_time_is_echoed_then_confirmed(services, crm, team, db) -> None:
    await assigned_and_taken(services, crm, team)
    before = len(await outbox(db, "crm"))
    _, follow = await press(services, team["manager"], "🕑 Перезвонить в…")
    assert follow.expect == CALL_BACK_TIME
    quick = [b["text"] for row in (await outbox(db, "telegram"))[-1]["buttons"] for b in row]
    assert quick == [
        "Через час (2 марта, 13:00)",
        "Сегодня вечером (2 марта, 19:00)",
        "Завтра утром (3 марта, 10:00)",
    ]
    await deal_press.typed_call_back(services, team["manager"], DEAL_ID, CALL_TASK, "завтра в 15")
    echo = (await outbox(db, "telegram"))[-1]
    assert echo["text"] == "Перезвонить: завтра, 3 марта, 15:00?"
    await press(services, team["manager"], "✅ Подтвердить")
    rows = (await outbox(db, "crm"))[before:]
    assert ops(rows) == ["complete_task", "add_call_note", "create_task"]
    assert rows[0]["result_text"] == "Договорились перезвонить 3 марта, 15:00"
    assert rows[2]["task"]["complete_till"].startswith("2026-03-03T12:00")


async def test_a_stale_press_changes_nothing_and_refreshes_the_card(services, crm, team, db):
    await assigned_and_taken(services, crm, team)
    crm.tasks.pop(CALL_TASK)  # done in the CRM, no webhook yet
    before = len(await outbox(db, "crm"))
    await press(services, team["manager"], "📵 Не дозвонился")
    assert len(await outbox(db, "crm")) == before
    edit = (await outbox(db, "telegram"))[-1]
    assert edit["op"] == "edit"
    assert edit["buttons"] == []
    assert "⚠️ Задача уже закрыта" in edit["text"]


async def test_crm_down_on_a_press_says_so_and_keeps_the_button(services, crm, team, db):
    await assigned_and_taken(services, crm, team)
    before = len(await outbox(db, "crm"))
    crm.down = True
    await press(services, team["manager"], "📵 Не дозвонился")
    assert len(await outbox(db, "crm")) == before
    assert "CRM сейчас не отвечает" in (await outbox(db, "telegram"))[-1]["text"]
    crm.down = False
    verdict, _ = await press(services, team["manager"], "📵 Не дозвонился")
    assert verdict is Verdict.OK
    assert len(await outbox(db, "crm")) == before + 3


async def test_a_call_task_coming_due_sends_the_outcome_card(services, crm, team, db, clock):
    await assigned_and_taken(services, crm, team)
    clock.advance(timedelta(minutes=20))
    await task_due(services, CALL_TASK)
    card = (await outbox(db, "telegram"))[-1]
    assert card["op"] == "send"
    assert "просрочена" in card["text"]
    assert len(card["buttons"]) == 2
    await task_due(services, CALL_TASK)  # the same due moment twice: one card
    assert (await outbox(db, "telegram"))[-1] == card


async def test_changed_elsewhere_edits_the_card_and_removes_buttons(services, crm, team, db):
    await assigned_and_taken(services, crm, team)
    async with db.transaction() as session:
        from nextstep.bot.storage import Repositories

        await Repositories(session).mirror.upsert_deals([crm.deals[DEAL_ID]])
    crm.put_deal(status_id=LOST)
    crm.tasks.clear()
    changed = CrmEvent(
        type=CrmEventType.DEAL_STATUS_CHANGED,
        entity="lead",
        entity_id=DEAL_ID,
        old_status_id=SECOND,
        status_id=LOST,
        occurred_at=NOW,
    )
    await process_crm_event(services, changed)
    edit = (await outbox(db, "telegram"))[-1]
    assert edit["op"] == "edit"
    assert edit["buttons"] == []
    assert "не реализована" in edit["text"]


async def test_without_a_phone_the_call_result_goes_in_a_plain_note(services, crm, team, db):
    await assigned_and_taken(services, crm, team)
    crm.put_deal(contacts=())
    before = len(await outbox(db, "crm"))
    await press(services, team["manager"], "📵 Не дозвонился")
    rows = (await outbox(db, "crm"))[before:]
    assert ops(rows) == ["complete_task", "add_note", "create_task"]
    assert rows[1]["text"] == "Не дозвонились (попытка 1)"
