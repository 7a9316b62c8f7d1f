"""The online courses seller's sandbox account for `nextstep demo --playbook courses-kommo`
(story 001).

`seed_courses_kommo` gives the Sales and Reactivation pipelines, the «Course» and «Recycled»
fields and the loss reasons the recycling rules name; this adds the team the story needs: the
head Vera and three sales managers, so a recycled deal always has "another manager" to go to.
"""

from __future__ import annotations

from .seed import SeedInfo
from .seed_stories import seed_courses_kommo
from .state import CrmState, Group, User

HEAD = 1002
MANAGERS = (1011, 1012, 1013)
TEAM = (
    (HEAD, "Vera Holt", "v.holt"),
    (MANAGERS[0], "Anna Berg", "a.berg"),
    (MANAGERS[1], "Boris Klein", "b.klein"),
    (MANAGERS[2], "Clara Stone", "c.stone"),
)


def seed_courses_demo(state: CrmState, *, now: int | None = None) -> SeedInfo:
    """The courses seller's account: one sales group under its head."""
    info = seed_courses_kommo(state, now=now)
    state.groups[1] = Group(1, "Sales")
    for user_id, name, login in TEAM:
        state.users[user_id] = User(user_id, name, f"{login}@courses.example", group_id=1)
    info.head_ids, info.manager_ids = (HEAD,), MANAGERS
    info.head_of_group, info.managers_by_group = {1: HEAD}, {1: MANAGERS}
    return info
