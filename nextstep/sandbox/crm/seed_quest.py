"""The quest company's sandbox account for `nextstep demo --playbook quest-rooms` (story 003).

`seed_quest_rooms` gives the Бронирования pipeline, the booking's fields and the two Salesbots
the playbook names; this adds the team the story needs: the head Екатерина, two sales managers
working 2/2 shifts, and an administrator for each location (Лофт, Центр) — paired as
`location_admin`, the role the playbook hands a booked game to. Each administrator's CRM group
is named after their location (that is how amoCRM accounts usually split them).
"""

from __future__ import annotations

from .seed import SeedInfo
from .seed_stories import seed_quest_rooms
from .state import CrmState, Group, User

HEAD = 1002
MANAGERS = (1011, 1012)
LOFT_ADMIN, CENTER_ADMIN = 1061, 1062
TEAM = (
    (HEAD, "Екатерина Лаврова", "e.lavrova", 1),
    (MANAGERS[0], "Дарья Орлова", "d.orlova", 1),
    (MANAGERS[1], "Роман Титов", "r.titov", 1),
    (LOFT_ADMIN, "Кира Белова", "k.belova", 2),
    (CENTER_ADMIN, "Олег Панов", "o.panov", 3),
)


def seed_quest_demo(state: CrmState, *, now: int | None = None) -> SeedInfo:
    """The quest company's account with its team; the location admins as `location_admin`."""
    info = seed_quest_rooms(state, now=now)
    state.groups.update({1: Group(1, "Отдел продаж"), 2: Group(2, "Лофт"), 3: Group(3, "Центр")})
    for user_id, name, login, group in TEAM:
        state.users[user_id] = User(user_id, name, f"{login}@quest.example", group_id=group)
    info.head_ids, info.manager_ids = (HEAD,), MANAGERS
    info.head_of_group, info.managers_by_group = {1: HEAD}, {1: MANAGERS}
    info.staff_roles = {LOFT_ADMIN: "location_admin", CENTER_ADMIN: "location_admin"}
    return info
