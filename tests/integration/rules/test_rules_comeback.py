"""Story 003 over HTTP: two months after the game the client is invited to play again (Salesbot
and a task) — unless the client has booked again since, which the bot learns from the CRM by
the deal's contact (`with=leads`)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from nextstep.sandbox.crm import Lead
from nextstep.sandbox.crm.seed_stories import seed_quest_rooms
from tests.integration.rules.rules_world import Person, RulesWorld, rules_world

MANAGER, HEAD = 1011, 1002
TEAM = (
    Person("manager", 2011, MANAGER, "manager", "Даша", head=HEAD),
    Person("head", 2002, HEAD, "head", "Гера"),
)
MOSCOW = ZoneInfo("Europe/Moscow")
INVITE_BOT = 202


def midnight(day: date) -> int:
    return int(datetime.combine(day, time(0), MOSCOW).timestamp())


async def played(world: RulesWorld, name: str, game_day: date) -> int:
    fields = {"Дата игры": midnight(game_day), "Локация": "Лофт", "Программа": "Шерлок"}
    return await world.new_deal(name, "Бронирования", "Игра проведена", MANAGER, fields)


def book_again(world: RulesWorld, deal_id: int) -> int:
    """The same client books another game (the CRM has it; no webhook needed for the read)."""
    state, old = world.state, world.state.leads[deal_id]
    new_id = state.next_id("lead", 30_001)
    state.leads[new_id] = Lead(
        id=new_id,
        name=f"{old.name}: снова",
        price=6_000,
        status_id=world.info.stage("Бронирования", "Бронь получена"),
        pipeline_id=old.pipeline_id,
        responsible_user_id=MANAGER,
        created_at=state.now(),
        updated_at=state.now(),
        contact_ids=list(old.contact_ids),
    )
    return new_id


def invitations(world: RulesWorld, deal_id: int) -> list[str]:
    return [
        t.text
        for t in world.state.tasks.values()
        if t.entity_id == deal_id and t.text.startswith("Пригласить на повторную игру")
    ]


async def test_comeback_invitation_only_for_clients_who_did_not_book_again(
    db_path: Path,
) -> None:
    async with rules_world(db_path, seed_quest_rooms, "quest-rooms", TEAM) as world:
        game_day = datetime.fromtimestamp(world.state.now(), MOSCOW).date()
        lonely = await played(world, "Игра: Смирновы", game_day)
        regular = await played(world, "Игра: Петровы", game_day)
        await world.tick(timedelta(days=10))
        again = book_again(world, regular)
        runs = world.state.salesbots[INVITE_BOT].runs

        await world.tick(timedelta(days=50))  # not yet two months
        assert runs == []
        assert invitations(world, lonely) == []

        await world.tick(timedelta(days=12))  # past game day + 2 months, 12:00
        assert [lead for lead, _ in runs] == [lonely]
        assert invitations(world, lonely) == ["Пригласить на повторную игру: Игра: Смирновы"]
        assert invitations(world, regular) == []
        assert invitations(world, again) == []

        await world.tick(timedelta(days=1))  # fired once, for good
        assert [lead for lead, _ in runs] == [lonely]
        assert len(invitations(world, lonely)) == 1
