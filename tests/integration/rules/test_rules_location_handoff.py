"""Story 003 over HTTP: a booking goes to the administrator of the booked location only
(`group_by: Локация` with the location's people in `groups`)."""

from __future__ import annotations

from pathlib import Path

from nextstep.sandbox.crm.seed_stories import seed_quest_rooms
from tests.integration.rules.rules_world import Person, rules_world

MANAGER, HEAD, LOFT_ADMIN, CENTRE_ADMIN = 1011, 1002, 1061, 1062
TEAM = (
    Person("manager", 2011, MANAGER, "manager", "Даша", head=HEAD),
    Person("head", 2002, HEAD, "head", "Гера"),
    Person("kira", 2061, LOFT_ADMIN, "location_admin", "Кира"),
    Person("oleg", 2062, CENTRE_ADMIN, "location_admin", "Олег"),
)
CARD = "Новая бронь: подтвердить игру и допродать"


def booking(location: str) -> dict[str, object]:
    return {
        "Дата игры": "2026-12-05",
        "Время игры": "19:30",
        "Локация": location,
        "Программа": "Шерлок",
        "Количество игроков": 5,
    }


async def test_a_booking_goes_to_its_locations_admin_only(db_path: Path) -> None:
    async with rules_world(db_path, seed_quest_rooms, "quest-rooms", TEAM) as world:
        centre = await world.new_deal(
            "Игра: Смирновы", "Бронирования", "В работе", MANAGER, booking("Центр")
        )
        await world.move(centre, "Бронирования", "Бронь получена")
        card = await world.message("oleg", CARD)
        assert "Игра: Смирновы" in card.body
        assert "Локация: Центр" in card.body

        loft = await world.new_deal(
            "Игра: Петровы", "Бронирования", "В работе", MANAGER, booking("Лофт")
        )
        await world.move(loft, "Бронирования", "Бронь получена")
        await world.message("kira", "Игра: Петровы")

        kira = [m.body for m in world.emu.chat(2061) if CARD in m.body]
        oleg = [m.body for m in world.emu.chat(2062) if CARD in m.body]
        assert [("Смирновы" in b, "Петровы" in b) for b in kira] == [(False, True)]
        assert [("Смирновы" in b, "Петровы" in b) for b in oleg] == [(True, False)]
