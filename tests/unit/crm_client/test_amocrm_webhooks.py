"""Webhook bodies (PHP-bracket forms) → CrmEvents, and clear refusals of malformed bodies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import urlencode

import pytest

from nextstep.crm_client.amocrm import parse_webhook
from nextstep.crm_client.amocrm.phpform import PhpFormError, parse_php_form
from nextstep.crm_client.errors import WebhookParseError
from nextstep.crm_client.models import CrmEventType

ACCOUNT = [
    ("account[subdomain]", "acme"),
    ("account[id]", "29001"),
    ("account[_links][self]", "https://acme.amocrm.ru"),
]


def form(*groups: list[tuple[str, str]]) -> bytes:
    return urlencode([pair for group in groups for pair in group]).encode()


def item(prefix: str, **fields: str) -> list[tuple[str, str]]:
    return [(f"{prefix}[{key}]", value) for key, value in fields.items()]


STATUS_CHANGE = [
    *item(
        "leads[status][0]",
        id="25399013", name="Заявка с сайта", status_id="142", old_status_id="7039105",
        pipeline_id="3104", old_pipeline_id="3104", price="15000", responsible_user_id="11",
        last_modified="1772000100", modified_user_id="11", created_user_id="11",
        date_create="1772000000", account_id="29001",
    ),
    ("leads[status][0][custom_fields][0][id]", "427183"),
    ("leads[status][0][custom_fields][0][name]", "Источник"),
    ("leads[status][0][custom_fields][0][values][0][value]", "Вебинар"),
]  # fmt: skip


def test_status_change_with_account():
    batch = parse_webhook(form(STATUS_CHANGE, ACCOUNT))
    assert (batch.account_id, batch.subdomain) == (29001, "acme")
    (event,) = batch.events
    assert event.type is CrmEventType.DEAL_STATUS_CHANGED
    assert (event.entity, event.entity_id) == ("lead", 25399013)
    assert (event.status_id, event.old_status_id, event.pipeline_id) == (142, 7039105, 3104)
    assert event.responsible_user_id == 11
    assert event.account_id == 29001
    assert event.occurred_at == datetime.fromtimestamp(1772000100, UTC)
    assert event.raw["custom_fields"]["0"]["values"]["0"]["value"] == "Вебинар"


def test_a_resent_webhook_has_the_same_dedup_key_and_a_later_change_does_not():
    first = parse_webhook(form(STATUS_CHANGE, ACCOUNT)).events[0]
    again = parse_webhook(form(STATUS_CHANGE, ACCOUNT)).events[0]
    later = [(k, "1772000999" if k.endswith("[last_modified]") else v) for k, v in STATUS_CHANGE]
    moved_again = parse_webhook(form(later, ACCOUNT)).events[0]
    assert first.dedup_key() == again.dedup_key()
    assert moved_again.dedup_key() != first.dedup_key()


def test_two_different_changes_in_the_same_second_are_two_events():
    first = parse_webhook(form(STATUS_CHANGE, ACCOUNT)).events[0]
    priced = [(k, "99000" if k.endswith("[price]") else v) for k, v in STATUS_CHANGE]
    if not any(k.endswith("[price]") for k, _ in STATUS_CHANGE):
        priced.append(("leads[status][0][price]", "99000"))
    repriced = parse_webhook(form(priced, ACCOUNT)).events[0]
    assert repriced.occurred_at == first.occurred_at
    assert repriced.dedup_key() != first.dedup_key()


def test_add_update_responsible_delete_in_one_body_keep_their_order():
    body = form(
        item("leads[add][0]", id="1", status_id="100", pipeline_id="10", date_create="1772000000",
             responsible_user_id="11"),
        item("leads[add][1]", id="2", status_id="100", pipeline_id="10",
             date_create="2026-03-02 12:00:00"),
        item("leads[update][0]", id="3", status_id="100", updated_at="1772000500"),
        item("leads[responsible][0]", id="4", responsible_user_id="12",
             old_responsible_user_id="11"),
        item("leads[delete][0]", id="5"),
        ACCOUNT,
    )  # fmt: skip
    events = parse_webhook(body).events
    assert [(e.type, e.entity_id) for e in events] == [
        (CrmEventType.DEAL_ADDED, 1),
        (CrmEventType.DEAL_ADDED, 2),
        (CrmEventType.DEAL_UPDATED, 3),
        (CrmEventType.DEAL_RESPONSIBLE_CHANGED, 4),
        (CrmEventType.DEAL_DELETED, 5),
    ]
    assert events[0].occurred_at == datetime.fromtimestamp(1772000000, UTC)
    assert events[1].occurred_at == datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    assert events[3].responsible_user_id == 12


def test_local_dates_use_the_account_zone():
    msk = timezone(timedelta(hours=3))
    body = form(item("leads[add][0]", id="1", date_create="2026-03-02 12:00:00"))
    (event,) = parse_webhook(body, tz=msk).events
    assert event.occurred_at == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_task_update_with_action_close_is_a_completion():
    body = form(
        item("task[update][0]", id="61", element_id="25399013", element_type="2",
             responsible_user_id="11", complete_till="1772100000", status="1", action_close="1",
             text="Перезвонить", task_type="1", last_modified="1772000200"),
        [("task[update][0][result][id]", "901"), ("task[update][0][result][text]", "Дорого")],
        item("task[update][1]", id="62", element_id="25399013", element_type="2", status="0",
             last_modified="1772000201"),
        item("task[add][0]", id="63", element_id="25399013", element_type="2", status="0",
             date_create="1772000300"),
        item("task[delete][0]", id="64"),
        ACCOUNT,
    )  # fmt: skip
    events = parse_webhook(body).events
    assert [(e.type, e.entity, e.entity_id) for e in events] == [
        (CrmEventType.TASK_COMPLETED, "task", 61),
        (CrmEventType.TASK_UPDATED, "task", 62),
        (CrmEventType.TASK_ADDED, "task", 63),
        (CrmEventType.TASK_DELETED, "task", 64),
    ]
    done = events[0]
    assert done.raw["element_id"] == "25399013"
    assert done.raw["result"]["text"] == "Дорого"
    assert done.occurred_at == datetime.fromtimestamp(1772000200, UTC)


def test_note_on_a_lead():
    body = form(
        item("leads[note][0][note]", id="771", element_id="25399013", element_type="2",
             note_type="4", text="Клиент просит КП", date_create="1772000400",
             created_by="11"),
        [("leads[note][0][type]", "lead")],
        ACCOUNT,
    )  # fmt: skip
    (event,) = parse_webhook(body).events
    assert event.type is CrmEventType.NOTE_ADDED
    assert (event.entity, event.entity_id) == ("lead", 25399013)
    assert event.raw["text"] == "Клиент просит КП"
    # two notes on one lead in the same second are still two events
    other = parse_webhook(body.replace(b"771", b"772")).events[0]
    assert event.dedup_key() != other.dedup_key()


def test_slim_digital_pipeline_body_and_a_str_body():
    body = (
        "leads[status][0][id]=7&leads[status][0][status_id]=200&leads[status][0][pipeline_id]=10"
    )
    (event,) = parse_webhook(body).events
    assert (event.entity_id, event.status_id, event.occurred_at) == (7, 200, None)


def test_contacts_are_reported_as_other():
    body = form(item("contacts[update][0]", id="8", type="company", last_modified="1772000000"))
    (event,) = parse_webhook(body).events
    assert (event.type, event.entity, event.entity_id) == (CrmEventType.OTHER, "company", 8)


MALFORMED = [
    (b"", "empty"),
    (b'{"leads": {"add": []}}', "not a form-encoded body"),
    (b"just some text", "not a form-encoded body"),
    (b"\xff\xfe", "UTF-8"),
    (b"account[id]=1&account[subdomain]=acme", "no known entity"),
    (b"foo=bar", "no known entity"),
    (b"leads[status][0][id]=abc", "leads[status][0][id] is not a number"),
    (b"leads[status][0][name]=x", "leads[status][0][id] is missing"),
    (b"leads[status][x][id]=1", "non-numeric item index"),
    (b"leads=1", "must be a group"),
    (b"leads[add]=1", "must hold numbered items"),
    (b"task[update][0][id]=1&account[id]=acme", "account[id] is not a number"),
    (b"leads[note][0][note][element_id]=12x", "[element_id] is not a number"),
    (b"leads[add][0][id]=1&leads[add][0]=2", "both a value and a group"),
    (b"leads[add][0][id=1", "malformed field name"),
    (b"a[b][c][d][e][f][g][h][i]=1", "too deep"),
    ("&".join(f"leads[add][{i}][id]={i}" for i in range(6000)).encode(), "too many fields"),
    (b"leads[add][0][name]=" + b"x" * 1_000_001, "too large"),
]


@pytest.mark.parametrize(("body", "reason"), MALFORMED, ids=[r for _, r in MALFORMED])
def test_malformed_bodies_are_refused_with_a_reason(body, reason):
    with pytest.raises(WebhookParseError) as info:
        parse_webhook(body)
    assert reason in info.value.reason


def test_php_form_nesting_and_appending():
    parsed = parse_php_form("a[b][]=1&a[b][]=2&a[c]=x%20y&d=&e[0][f]=%D0%AF")
    assert parsed == {
        "a": {"b": {"0": "1", "1": "2"}, "c": "x y"},
        "d": "",
        "e": {"0": {"f": "Я"}},
    }


def test_php_form_caps_are_configurable():
    with pytest.raises(PhpFormError, match="too many"):
        parse_php_form("a=1&b=2&c=3", max_fields=2)
    with pytest.raises(PhpFormError, match="too deep"):
        parse_php_form("a[b][c]=1", max_depth=2)
