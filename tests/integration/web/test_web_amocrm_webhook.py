"""POST /webhooks/amocrm/{secret} through a real server: 404 / 400 / 200 and deduplication."""

from __future__ import annotations

from collections.abc import Sequence

import aiohttp
from sqlalchemy import func, select

from nextstep.bot.config import Settings
from nextstep.bot.storage import Database
from nextstep.bot.storage.models import InboxItem
from nextstep.bot.web import create_web_app
from nextstep.crm_client.models import CrmEvent, CrmEventType
from tests.integration.web.conftest import SECRET, serve
from tests.integration.web.webhook_bodies import FORM, body, item, status_change, task_added


async def _inbox(db: Database) -> list[InboxItem]:
    async with db.session() as s:
        return list(await s.scalars(select(InboxItem).order_by(InboxItem.id)))


async def _post(http: aiohttp.ClientSession, url: str, data: bytes) -> tuple[int, str]:
    async with http.post(url, data=data, headers=FORM) as resp:
        return resp.status, await resp.text()


async def test_good_webhook_is_stored_in_the_inbox_and_answered_200(
    db: Database, settings: Settings, http: aiohttp.ClientSession
) -> None:
    woken: list[Sequence[CrmEvent]] = []

    async def on_inbox(events: Sequence[CrmEvent]) -> None:
        woken.append(events)

    server = await serve(create_web_app(db, settings, on_inbox, oauth_exchange=None))
    try:
        url = str(server.make_url(f"/webhooks/amocrm/{SECRET}"))
        data = body(status_change(501, 142, 7001, 1772000100), task_added(9, 501, 1772000100))
        status, text = await _post(http, url, data)
    finally:
        await server.close()
    assert status == 200, text
    rows = await _inbox(db)
    assert [(r.source, r.payload["type"], r.payload["entity_id"]) for r in rows] == [
        ("amocrm", "deal_status_changed", 501),
        ("amocrm", "task_added", 9),
    ]
    assert rows[0].payload["status_id"] == 142
    assert rows[0].processed_at is None
    [events] = woken
    assert [e.type for e in events] == [CrmEventType.DEAL_STATUS_CHANGED, CrmEventType.TASK_ADDED]


async def test_a_resent_identical_webhook_is_stored_once(
    db: Database, settings: Settings, http: aiohttp.ClientSession
) -> None:
    woken: list[int] = []

    async def on_inbox(events: Sequence[CrmEvent]) -> None:
        woken.append(len(events))

    server = await serve(create_web_app(db, settings, on_inbox, oauth_exchange=None))
    try:
        url = str(server.make_url(f"/webhooks/amocrm/{SECRET}"))
        first = body(status_change(501, 142, 7001, 1772000100))
        later = body(status_change(501, 7001, 142, 1772000500))  # a new change of the same deal
        answers = [await _post(http, url, data) for data in (first, first, later, first)]
    finally:
        await server.close()
    assert [status for status, _ in answers] == [200, 200, 200, 200]  # amoCRM must not retry
    assert len(await _inbox(db)) == 2
    assert woken == [1, 1]  # duplicates wake nobody


async def test_wrong_or_missing_secret_is_404_and_stores_nothing(
    db: Database, settings: Settings, http: aiohttp.ClientSession
) -> None:
    server = await serve(create_web_app(db, settings, oauth_exchange=None))
    data = body(status_change(501, 142, 7001, 1772000100))
    try:
        wrong = await _post(http, str(server.make_url("/webhooks/amocrm/guess")), data)
        prefix = await _post(http, str(server.make_url(f"/webhooks/amocrm/{SECRET[:-1]}")), data)
        none = await _post(http, str(server.make_url("/webhooks/amocrm/")), data)
    finally:
        await server.close()
    assert (wrong[0], prefix[0], none[0]) == (404, 404, 404)
    assert await _inbox(db) == []


async def test_no_secret_configured_refuses_every_webhook(
    db: Database, settings: Settings, http: aiohttp.ClientSession
) -> None:
    unset = settings.model_copy(update={"webhook_secret": settings.webhook_secret.__class__("")})
    server = await serve(create_web_app(db, unset, oauth_exchange=None))
    try:
        status, _ = await _post(
            http,
            str(server.make_url("/webhooks/amocrm/x")),
            body(item("leads[delete][0]", id="1")),
        )
    finally:
        await server.close()
    assert status == 404


async def test_malformed_bodies_are_400_with_the_reason(
    db: Database, settings: Settings, http: aiohttp.ClientSession
) -> None:
    server = await serve(create_web_app(db, settings, oauth_exchange=None))
    url = str(server.make_url(f"/webhooks/amocrm/{SECRET}"))
    try:
        no_entity = await _post(http, url, b"hello=world")
        bad_id = await _post(http, url, body(item("leads[status][0]", id="abc", status_id="1")))
        no_id = await _post(http, url, body(item("leads[add][0]", name="x")))
        not_utf8 = await _post(http, url, b"leads[add][0][id]=\xff\xfe")
    finally:
        await server.close()
    assert no_entity == (400, "no known entity in the body (top-level keys: hello)")
    assert bad_id[0] == 400
    assert "leads[status][0][id]" in bad_id[1]
    assert "not a number" in bad_id[1]
    assert no_id == (400, "leads[add][0][id] is missing")
    assert not_utf8[0] == 400
    assert await _inbox(db) == []


async def test_a_webhook_from_another_account_is_refused(
    db: Database, settings: Settings, http: aiohttp.ClientSession
) -> None:
    server = await serve(create_web_app(db, settings, oauth_exchange=None))
    url = str(server.make_url(f"/webhooks/amocrm/{SECRET}"))
    other = [("account[subdomain]", "rival"), ("account[id]", "1")]
    try:
        refused = await _post(http, url, body(status_change(1, 142, 7, 17), account=other))
        no_account = await _post(http, url, body(status_change(2, 142, 7, 17), account=[]))
    finally:
        await server.close()
    assert refused == (400, "unknown account")
    assert no_account[0] == 200  # Digital Pipeline's slim webhooks may omit it: accepted
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(InboxItem)) == 1


async def test_the_account_check_can_be_turned_off(
    db: Database, settings: Settings, http: aiohttp.ClientSession
) -> None:
    app = create_web_app(db, settings, oauth_exchange=None, account_subdomain_check=None)
    server = await serve(app)
    other = [("account[subdomain]", "sandbox")]
    try:
        status, _ = await _post(
            http,
            str(server.make_url(f"/webhooks/amocrm/{SECRET}")),
            body(status_change(1, 142, 7, 17), account=other),
        )
    finally:
        await server.close()
    assert status == 200


async def test_a_failing_inbox_callback_does_not_fail_the_webhook(
    db: Database, settings: Settings, http: aiohttp.ClientSession
) -> None:
    async def broken(events: Sequence[CrmEvent]) -> None:
        raise RuntimeError("worker is down")

    server = await serve(create_web_app(db, settings, broken, oauth_exchange=None))
    try:
        status, _ = await _post(
            http,
            str(server.make_url(f"/webhooks/amocrm/{SECRET}")),
            body(status_change(1, 142, 7, 17)),
        )
    finally:
        await server.close()
    assert status == 200
    assert len(await _inbox(db)) == 1
