"""The training center's sandbox account for `nextstep demo --playbook training-center` (story
004): `seed_training_center`'s four pipelines and fields, with the people the chain hands deals
to — a sales manager (and her head), an accountant for the Money deals and a trainer for the
Training deals.
"""

from __future__ import annotations

from .seed import SeedInfo
from .seed_stories import seed_training_center
from .state import CrmState, Group, User

HEAD = 1002
MANAGER = 1011
ACCOUNTANT = 1031
TRAINER = 1041
TEAM = (
    (HEAD, "Андрей Гусев", "a.gusev", 1),
    (MANAGER, "Ольга Степанова", "o.stepanova", 1),
    (ACCOUNTANT, "Нина Кравцова", "n.kravtsova", 2),
    (TRAINER, "Игорь Белов", "i.belov", 3),
)


def seed_training_demo(state: CrmState, *, now: int | None = None) -> SeedInfo:
    """The center's account with its team, the accountant and the trainer paired in the roles
    the playbook's linked deals name."""
    info = seed_training_center(state, now=now)
    state.groups.update({1: Group(1, "Продажи"), 2: Group(2, "Бухгалтерия")})
    state.groups[3] = Group(3, "Учебный отдел")
    for user_id, name, login, group in TEAM:
        state.users[user_id] = User(user_id, name, f"{login}@training.example", group_id=group)
    info.head_ids, info.manager_ids = (HEAD,), (MANAGER,)
    info.head_of_group, info.managers_by_group = {1: HEAD}, {1: (MANAGER,)}
    info.staff_roles = {ACCOUNTANT: "accountant", TRAINER: "trainer"}
    return info
