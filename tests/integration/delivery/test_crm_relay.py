"""CrmWriteRelay against the sandbox CRM over HTTP, with the real amoCRM client.

The client is built with `max_attempts=1` so that every fault reaches the relay: these tests are
about the relay's own retries, ordering and notices, not the client's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from aiogram import Bot
from pydantic import SecretStr
from sqlalchemy import select

from nextstep.bot.delivery import Backoff, CrmWriteRelay, TelegramSender
from nextstep.bot.storage import Database, outbox
from nextstep.bot.storage.callbacks import CardRepository
from nextstep.bot.storage.flow import DealFlowRepository
from nextstep.bot.storage.models import Callback, OutboxItem
from nextstep.crm_client.amocrm import AmoCrmClient
from nextstep.sandbox.telegram import TelegramEmulator
from tests.integration.delivery.delivery_world import ADMIN, IVAN, Clock, add_staff, row

crm_sandbox = pytest.importorskip("nextstep.sandbox.crm")
CrmSandbox = crm_sandbox.CrmSandbox
CrmState = crm_sandbox.CrmState
Fault = crm_sandbox.Fault

FAST = Backoff(base=30, max_delay=60)  # in clock time, which the tests skip ahead
DUE = datetime(2031, 3, 2, 15, 0, tzinfo=UTC)


@pytest.fixture
async def sandbox() -> AsyncIterator[Any]:
    state = CrmState()
    crm_sandbox.seed_design_studio(state, deals=20)
    async with crm_sandbox.run_crm_sandbox(state, rate_limit=None) as sb:
        yield sb


@pytest.fixture
async def crm(sandbox: Any) -> AsyncIterator[AmoCrmClient]:
    client = AmoCrmClient(
        sandbox.base_url,
        token=SecretStr(sandbox.token),
        max_attempts=1,
        timeout=0.5,
        rate_limit=1000,
    )
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def relay(db: Database, crm: AmoCrmClient, clock: Clock) -> CrmWriteRelay:
    return CrmWriteRelay(db, crm, backoff=FAST, clock=clock)


def lead_ids(sandbox: Any, n: int) -> list[int]:
    return sorted(lead.id for lead in sandbox.state.leads.values() if not lead.is_deleted)[:n]


async def enqueue(db: Database, payload: dict[str, Any], key: str) -> int:
    async with db.transaction() as s:
        item_id = await outbox.enqueue(
            s, "crm", payload, key, order_key=f"deal:{payload['deal_id']}"
        )
    assert item_id is not None
    return item_id


def task_payload(deal_id: int, text: str, **extra: Any) -> dict[str, Any]:
    return {
        "op": "create_task",
        "deal_id": deal_id,
        "task": {"text": text, "complete_till": DUE.isoformat(), "entity_id": deal_id},
        **extra,
    }


def tasks_named(sandbox: Any, deal_id: int, text: str) -> list[Any]:
    return [t for t in sandbox.state.tasks.values() if t.entity_id == deal_id and t.text == text]


async def drain_retrying(relay: CrmWriteRelay, clock: Clock, rounds: int = 4) -> None:
    for _ in range(rounds):
        await relay.drain_once()
        clock.skip(600)


async def test_a_500_then_success_writes_once(
    db: Database, relay: CrmWriteRelay, sandbox: Any, clock: Clock
) -> None:
    [deal_id] = lead_ids(sandbox, 1)
    sandbox.state.faults.append(Fault(status=500, times=1, path="/api/v4/leads*", method="PATCH"))
    item_id = await enqueue(
        db, {"op": "update_deal", "deal_id": deal_id, "patch": {"name": "Кухня, 2-й этап"}}, "u1"
    )

    await relay.drain_once()
    waiting = await row(db, item_id)
    assert waiting.status == "pending"
    assert "CrmServerError" in (waiting.last_error or "")

    await drain_retrying(relay, clock)
    done = await row(db, item_id)
    assert done.status == "sent"
    assert done.attempts == 2
    assert sandbox.state.leads[deal_id].name == "Кухня, 2-й этап"
    patches = [w for w in sandbox.state.writes if w.method == "PATCH" and w.status < 300]
    assert len(patches) == 1


async def test_a_plain_text_429_is_retried(
    db: Database, relay: CrmWriteRelay, sandbox: Any, clock: Clock
) -> None:
    [deal_id] = lead_ids(sandbox, 1)
    sandbox.state.faults.append(Fault(status=429, times=2, path="/api/v4/leads/notes"))
    item_id = await enqueue(db, {"op": "add_note", "deal_id": deal_id, "text": "Перезвонил"}, "n1")

    await drain_retrying(relay, clock)

    done = await row(db, item_id)
    assert done.status == "sent"
    assert done.attempts == 3
    notes = [n for n in sandbox.state.notes.values() if n.entity_id == deal_id]
    assert [n.params.get("text") for n in notes].count("Перезвонил") == 1
    assert done.result == {"note_id": notes[-1].id}


class LoseAnswers(httpx.AsyncBaseTransport):
    """Real HTTP to the sandbox, but the answer to the next `times` matching requests is lost
    after the sandbox handled them: to the client it is a read timeout (the write landed)."""

    def __init__(self, method: str, path: str, times: int = 1) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.method, self.path, self.times = method, path, times

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if self.times and request.method == self.method and request.url.path == self.path:
            self.times -= 1
            await response.aread()
            await response.aclose()
            raise httpx.ReadTimeout("the answer was lost", request=request)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_a_create_task_that_timed_out_but_landed_is_not_created_twice(
    db: Database, sandbox: Any, clock: Clock
) -> None:
    transport = LoseAnswers("POST", "/api/v4/tasks")
    crm = AmoCrmClient(
        sandbox.base_url,
        token=SecretStr(sandbox.token),
        max_attempts=1,
        transport=transport,
        rate_limit=1000,
    )
    relay = CrmWriteRelay(db, crm, backoff=FAST, clock=clock)
    [deal_id] = lead_ids(sandbox, 1)
    item_id = await enqueue(db, task_payload(deal_id, "Позвонить по смете"), "t1")
    try:
        await relay.drain_once()
        waiting = await row(db, item_id)
        assert waiting.status == "pending"
        assert "CrmTimeout" in (waiting.last_error or "")
        assert len(tasks_named(sandbox, deal_id, "Позвонить по смете")) == 1  # it did land

        await drain_retrying(relay, clock)
    finally:
        await crm.aclose()

    [task] = tasks_named(sandbox, deal_id, "Позвонить по смете")
    done = await row(db, item_id)
    assert done.status == "sent"
    assert done.result == {"task_id": task.id, "already_created": True}


async def test_a_create_task_whose_500_answer_hid_success_is_not_created_twice(
    db: Database, relay: CrmWriteRelay, sandbox: Any, clock: Clock
) -> None:
    [deal_id] = lead_ids(sandbox, 1)
    sandbox.state.faults.append(
        Fault(status=500, times=1, path="/api/v4/tasks", method="POST", apply=True)
    )
    item_id = await enqueue(db, task_payload(deal_id, "Отправить КП", purpose="take"), "t2")

    await drain_retrying(relay, clock)

    [task] = tasks_named(sandbox, deal_id, "Отправить КП")
    assert (await row(db, item_id)).result == {"task_id": task.id, "already_created": True}
    async with db.transaction() as s:
        flow = await DealFlowRepository(s).get(deal_id)
    assert flow is not None
    assert flow.take_task_id == task.id


async def test_a_created_task_id_is_recorded_and_the_hook_hears_of_it(
    db: Database, crm: AmoCrmClient, sandbox: Any, clock: Clock
) -> None:
    heard: list[tuple[str, dict[str, Any], dict[str, Any]]] = []

    async def on_written(op: str, payload: dict[str, Any], result: dict[str, Any]) -> None:
        heard.append((op, payload, result))

    relay = CrmWriteRelay(db, crm, backoff=FAST, clock=clock, on_written=on_written)
    [deal_id] = lead_ids(sandbox, 1)
    payload = task_payload(deal_id, "Взять в работу", flow_key="take_task_id")
    item_id = await enqueue(db, payload, "t3")

    await relay.drain_once()

    [task] = tasks_named(sandbox, deal_id, "Взять в работу")
    assert int(task.complete_till) == int(DUE.timestamp())
    assert (await row(db, item_id)).result == {"task_id": task.id}
    assert heard == [("create_task", payload, {"task_id": task.id})]
    async with db.transaction() as s:
        flow = await DealFlowRepository(s).get(deal_id)
    assert flow is not None
    assert flow.take_task_id == task.id


async def test_a_refused_write_is_dead_and_its_owner_sees_why_with_a_retry_button(
    db: Database,
    relay: CrmWriteRelay,
    sandbox: Any,
    emu: TelegramEmulator,
    bot: Bot,
) -> None:
    emu.add_user(IVAN, "Иван")
    emu.add_user(ADMIN, "Anna", language_code="en")
    team = await add_staff(db)
    [deal_id] = lead_ids(sandbox, 1)
    async with db.transaction() as s:
        await CardRepository(s).add(
            chat_id=IVAN,
            kind="deal",
            now=datetime.now(UTC),
            deal_id=deal_id,
            owner_staff_id=team["ivan"].id,
        )
    payload = task_payload(deal_id, "Позвонить")
    payload["task"]["responsible_user_id"] = 987_654_321  # no such CRM user
    item_id = await enqueue(db, payload, "t4")

    await relay.drain_once()
    await TelegramSender(db, bot).drain_once()

    dead = await row(db, item_id)
    assert dead.status == "dead"
    assert "The user does not exist." in (dead.last_error or "")
    notice = await emu.wait_for_message(IVAN, "CRM")
    assert "The user does not exist." in notice.body
    assert f"#{deal_id}" in notice.body
    assert notice.button_texts == ["Повторить"]
    callback_id = notice.callback_data("Повторить").removeprefix("c:")
    async with db.transaction() as s:
        callback = await s.get(Callback, callback_id)
        assert callback is not None
        assert callback.action == "retry_crm_write"
        assert callback.args == {"outbox_id": item_id}
    assert [m for m in emu.chat(ADMIN) if m.from_bot] == []

    # Retry: the handler requeues it; the CRM refuses again (nothing was fixed), a fresh notice.
    assert await relay.requeue_dead(item_id) is True
    assert await relay.requeue_dead(item_id) is False
    await relay.drain_once()
    assert (await row(db, item_id)).status == "dead"
    assert len(tasks_named(sandbox, deal_id, "Позвонить")) == 0


async def test_one_deals_ops_wait_for_its_failing_op_while_other_deals_proceed(
    db: Database, relay: CrmWriteRelay, sandbox: Any, clock: Clock
) -> None:
    deal_a, deal_b = lead_ids(sandbox, 2)
    sandbox.state.faults.append(
        Fault(status=503, times=1, path=f"/api/v4/leads/{deal_a}", method="PATCH")
    )
    first = await enqueue(
        db, {"op": "update_deal", "deal_id": deal_a, "patch": {"name": "A: шаг 1"}}, "a1"
    )
    second = await enqueue(
        db, {"op": "update_deal", "deal_id": deal_a, "patch": {"name": "A: шаг 2"}}, "a2"
    )
    other = await enqueue(
        db, {"op": "update_deal", "deal_id": deal_b, "patch": {"name": "B: готово"}}, "b1"
    )

    await relay.drain_once()
    assert (await row(db, first)).status == "pending"
    assert (await row(db, second)).attempts == 0  # not even tried while the first waits
    assert (await row(db, other)).status == "sent"

    await drain_retrying(relay, clock)
    assert (await row(db, first)).status == "sent"
    assert (await row(db, second)).status == "sent"
    assert sandbox.state.leads[deal_a].name == "A: шаг 2"  # step 2 landed last
    assert sandbox.state.leads[deal_b].name == "B: готово"


async def test_a_forbidden_crm_is_retried_slowly_and_admins_are_told_once(
    db: Database, relay: CrmWriteRelay, sandbox: Any, clock: Clock
) -> None:
    await add_staff(db)
    deal_a, deal_b = lead_ids(sandbox, 2)
    sandbox.state.faults.append(Fault(status=403, times=2, path="/api/v4/leads*"))
    first = await enqueue(db, {"op": "add_note", "deal_id": deal_a, "text": "1"}, "f1")
    second = await enqueue(db, {"op": "add_note", "deal_id": deal_b, "text": "2"}, "f2")

    await relay.drain_once()

    for item_id in (first, second):
        waiting = await row(db, item_id)
        assert waiting.status == "pending"
        assert waiting.next_attempt_at >= clock() + timedelta(minutes=4)
    async with db.transaction() as s:
        notices = (await s.scalars(select(OutboxItem).where(OutboxItem.kind == "telegram"))).all()
    assert [n.chat_id for n in notices] == [ADMIN]
    assert "denies the bot access" in notices[0].payload["text"]

    clock.skip(301)
    await relay.drain_once()
    assert (await row(db, first)).status == "sent"
    assert (await row(db, second)).status == "sent"
