"""amoCRM webhook bodies in the documented form-encoded (PHP bracket) format."""

from __future__ import annotations

from urllib.parse import urlencode

ACCOUNT = [
    ("account[subdomain]", "acme"),
    ("account[id]", "29001"),
    ("account[_links][self]", "https://acme.amocrm.ru"),
]
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def item(prefix: str, **fields: str) -> list[tuple[str, str]]:
    return [(f"{prefix}[{key}]", value) for key, value in fields.items()]


def body(*groups: list[tuple[str, str]], account: list[tuple[str, str]] = ACCOUNT) -> bytes:
    return urlencode([pair for group in (*groups, account) for pair in group]).encode()


def status_change(lead_id: int, status: int, old: int, modified: int) -> list[tuple[str, str]]:
    return item(
        "leads[status][0]",
        id=str(lead_id),
        status_id=str(status),
        old_status_id=str(old),
        pipeline_id="3104",
        old_pipeline_id="3104",
        responsible_user_id="11",
        last_modified=str(modified),
    )


def task_added(task_id: int, lead_id: int, modified: int) -> list[tuple[str, str]]:
    return item(
        "task[add][0]",
        id=str(task_id),
        element_id=str(lead_id),
        element_type="2",
        responsible_user_id="11",
        complete_till=str(modified + 3600),
        status="0",
        text="Позвонить",
        task_type="1",
        last_modified=str(modified),
    )
