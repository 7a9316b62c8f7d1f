"""/invite in the bot: an admin picks a CRM user, then a role, and gets the deep link."""

from __future__ import annotations

from nextstep.bot.services.cards import ButtonSpec, CardView
from nextstep.bot.services.deps import Services
from nextstep.bot.services.pairing import create_invite, invite_link, team_roles

PICK_USER, PICK_ROLE = "invite_user", "invite_role"
USERS_SHOWN = 40


async def crm_users(services: Services) -> list[tuple[int, str]]:
    """Active CRM users (id, name) to invite (raises CrmError when the CRM is down)."""
    users = await services.crm.list_users()
    return [(u.id, u.name) for u in users if u.is_active][:USERS_SHOWN]


def users_view(title: str, users: list[tuple[int, str]]) -> CardView:
    rows = tuple(
        (ButtonSpec(name or f"#{uid}", PICK_USER, {"crm_user_id": uid, "name": name}),)
        for uid, name in users
    )
    return CardView(title, rows)


def roles_view(title: str, crm_user_id: int, name: str, labels: dict[str, str]) -> CardView:
    """One button per role in `labels` (the built-ins and the playbook's), two to a row."""
    args = {"crm_user_id": crm_user_id, "name": name}
    specs = [ButtonSpec(label, PICK_ROLE, {**args, "role": r}) for r, label in labels.items()]
    return CardView(title, tuple(tuple(specs[i : i + 2]) for i in range(0, len(specs), 2)))


async def make_link(services: Services, crm_user_id: int, role: str, bot_username: str) -> str:
    token = await create_invite(
        services.db,
        crm_user_id=crm_user_id,
        role=role,
        now=services.now(),
        roles=team_roles(services),
    )
    return invite_link(bot_username, token)
