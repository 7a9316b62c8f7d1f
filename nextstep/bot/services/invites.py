"""/invite in the bot: an admin picks a CRM user, then a role (for a manager: their head, or
none, as `nextstep staff invite --head` does), and gets the deep link."""

from __future__ import annotations

from nextstep.bot.services.cards import ButtonSpec, CardView
from nextstep.bot.services.deps import Services
from nextstep.bot.services.pairing import create_invite, invite_link, team_roles
from nextstep.bot.services.staff import HEAD
from nextstep.bot.storage import Repositories

PICK_USER, PICK_ROLE, PICK_HEAD = "invite_user", "invite_role", "invite_head"
MANAGER = "manager"  # the role that has a head
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


async def heads(services: Services) -> list[tuple[int, str]]:
    """The paired heads of sales (CRM user id, name), to put a new manager in a team."""
    async with services.db.transaction() as session:
        rows = await Repositories(session).staff.list(HEAD)
        return [(r.crm_user_id, r.name or f"#{r.crm_user_id}") for r in rows]


def heads_view(
    title: str, no_head: str, crm_user_id: int, name: str, found: list[tuple[int, str]]
) -> CardView:
    """One button per head, then "no head"."""
    args = {"crm_user_id": crm_user_id, "name": name, "role": MANAGER}
    rows = [
        (ButtonSpec(head, PICK_HEAD, {**args, "head": uid, "head_name": head}),)
        for uid, head in found
    ]
    rows.append((ButtonSpec(no_head, PICK_HEAD, {**args, "head": None}),))
    return CardView(title, tuple(rows))


async def make_link(
    services: Services,
    crm_user_id: int,
    role: str,
    bot_username: str,
    head_crm_user_id: int | None = None,
) -> str:
    token = await create_invite(
        services.db,
        crm_user_id=crm_user_id,
        role=role,
        now=services.now(),
        head_crm_user_id=head_crm_user_id,
        roles=team_roles(services),
    )
    return invite_link(bot_username, token)
