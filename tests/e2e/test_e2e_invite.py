"""/invite from the chat: an admin picks a CRM user and a role; a manager also gets a head
(one of the paired heads, or none), as `nextstep staff invite --head` allows. The invited
person pairs with the link and lands in that head's team."""

from __future__ import annotations

from sqlalchemy import select

from nextstep.bot.demo.harness import DemoWorld
from nextstep.bot.storage.models import Staff
from nextstep.sandbox.crm.state import User

NEW_USER, NEW_TG = 990_001, 990_101
NAME = "Ольга Новикова"


async def staff_row(world: DemoWorld, crm_user_id: int) -> Staff | None:
    async with world.runtime.db.transaction() as session:
        return await session.scalar(select(Staff).where(Staff.crm_user_id == crm_user_id))


async def invite_up_to_role(world: DemoWorld, role: str) -> None:
    admin = world.person("admin")
    world.state.users[NEW_USER] = User(NEW_USER, NAME, "novikova@rerooms.example", group_id=1)
    await world.say(admin, "/invite")
    await world.press(admin, NAME)
    await world.press(admin, role)


async def pair_with_link(world: DemoWorld, text: str) -> None:
    token = text.split("?start=", 1)[1].split()[0]
    world.emu.add_user(NEW_TG, "Ольга")
    await world.emu.user_sends(NEW_TG, f"/start {token}")
    await world.emu.wait_for_message(NEW_TG, "Вы подключены к Nextstep как менеджер")


async def test_an_invited_manager_is_put_in_the_chosen_heads_team(world: DemoWorld) -> None:
    admin = world.person("admin")
    heads = world.by_role("head")
    await invite_up_to_role(world, "менеджер")
    question = world.last(admin)
    assert question.body == f"Чей менеджер {NAME}? Выберите руководителя:"
    assert question.button_texts == [h.name for h in heads] + ["Без руководителя"]
    chosen = heads[1]
    await world.press(admin, chosen.name)
    link = world.emu.message(admin.telegram_id, question.message_id)
    assert link.body.startswith(f"Приглашение для {NAME} (менеджер):")
    assert f"Руководитель: {chosen.name}" in link.body
    assert link.button_texts == []
    await pair_with_link(world, link.body)
    row = await staff_row(world, NEW_USER)
    assert row is not None
    assert (row.role, row.head_crm_user_id, row.telegram_id) == (
        "manager",
        chosen.crm_user_id,
        NEW_TG,
    )


async def test_no_head_leaves_the_manager_without_a_team(world: DemoWorld) -> None:
    admin = world.person("admin")
    await invite_up_to_role(world, "менеджер")
    await world.press(admin, "Без руководителя")
    link = world.last(admin)
    assert "Руководитель:" not in link.body
    await pair_with_link(world, link.body)
    row = await staff_row(world, NEW_USER)
    assert row is not None
    assert row.head_crm_user_id is None


async def test_other_roles_get_the_link_without_the_head_question(world: DemoWorld) -> None:
    admin = world.person("admin")
    await invite_up_to_role(world, "сметчик")
    link = world.last(admin)
    assert link.body.startswith(f"Приглашение для {NAME} (сметчик):")
    assert "Выберите руководителя" not in link.body
