"""The online school's sandbox account for `nextstep demo --playbook online-school` (story 000).

`seed_online_school` gives the pipelines, fields and loss reasons the playbook names; this adds
the team the story needs: a head of sales, three sales managers (the third works the evening
shift, so a lead nobody took goes to the one who is on shift now) and an account manager who
looks after installment students — and the lead source field («Вебинар» leads are worked first).
"""

from __future__ import annotations

from .seed import FIELD_SOURCE_ID, SOURCES, SeedInfo
from .seed_stories import seed_online_school
from .state import CrmState, CustomField, Enum, Group, User

HEAD = 1002
MANAGERS = (1011, 1012, 1013)
ACCOUNT_MANAGER = 1051
TEAM = (
    (HEAD, "Герман Руденко", "g.rudenko"),
    (MANAGERS[0], "Мария Ковалёва", "m.kovaleva"),
    (MANAGERS[1], "Дмитрий Зайцев", "d.zaitsev"),
    (MANAGERS[2], "Ольга Николаева", "o.nikolaeva"),
    (ACCOUNT_MANAGER, "Елена Сафонова", "e.safonova"),
)


def seed_school_demo(state: CrmState, *, now: int | None = None) -> SeedInfo:
    """The school's account with its team; the account manager is paired as `account_manager`."""
    info = seed_online_school(state, now=now)
    state.groups[1] = Group(1, "Продажи")
    state.groups[2] = Group(2, "Сопровождение")
    for user_id, name, login in TEAM:
        group = 2 if user_id == ACCOUNT_MANAGER else 1
        state.users[user_id] = User(user_id, name, f"{login}@school.example", group_id=group)
    info.head_ids, info.manager_ids = (HEAD,), MANAGERS
    # The account manager answers to the same head (a low NPS is told to him).
    info.head_of_group = {1: HEAD, 2: HEAD}
    info.managers_by_group = {1: MANAGERS, 2: (ACCOUNT_MANAGER,)}
    info.staff_roles = {ACCOUNT_MANAGER: "account_manager"}
    # Where a lead came from (the playbook's priority window is for «Вебинар» leads).
    enums = [Enum(910 + i, value, i * 10) for i, value in enumerate(SOURCES, start=1)]
    state.custom_fields[FIELD_SOURCE_ID] = CustomField(
        FIELD_SOURCE_ID, "Источник", "select", code="SOURCE", sort=1, enums=enums
    )
    info.fields["Источник"] = FIELD_SOURCE_ID
    return info
