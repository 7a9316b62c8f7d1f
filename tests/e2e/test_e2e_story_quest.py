"""Story 003 end to end (bot + sandbox CRM + Telegram emulator over HTTP): the quest company's
5-minute take, the booking held until written down, the location admin's hand-off, NPS buttons
after the game and the 2-month invitation — on the demo's own script and on fresh worlds."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from nextstep.bot.demo.cli import play
from nextstep.bot.demo.harness import DemoWorld
from nextstep.bot.demo.script import Summary
from nextstep.bot.demo.story_quest import (
    ACCEPT,
    BOOKED,
    CENTER,
    INVITE_BOT,
    PETROV,
    REACHED,
    READY,
    TAKE,
    booking_request,
    fill,
    quest_rooms_day,
    shifts,
)
from nextstep.sandbox.crm import Lead
from tests.e2e.e2e_world import stage, world_for


@pytest.fixture
async def played() -> AsyncIterator[tuple[DemoWorld, Summary]]:
    async with world_for("quest-rooms") as world:
        yield world, await quest_rooms_day(world)


def deal_titled(world: DemoWorld, summary: Summary, title: str) -> Lead:
    (deal,) = [d for d, t in summary.deals.items() if t == title]
    return world.state.leads[deal]


def task_texts(world: DemoWorld, deal: int) -> list[str]:
    return [t.text for t in world.state.tasks.values() if t.entity_id == deal]


async def test_the_demo_plays_the_quest_rooms_day(capsys: pytest.CaptureFixture[str]) -> None:
    assert await play("quest-rooms") == 0
    out = capsys.readouterr().out
    assert "Кира Белова (location_admin)" in out
    assert "⏰ Новая заявка «Петровы: корпоратив» ждёт" in out
    assert "🚨 Дарья Орлова не взял(а) в работу заявку «Петровы: корпоратив»" in out
    assert "[ ✅ Игра подтверждена ]" in out
    assert "клиент поставил NPS 6" in out
    assert "CRM ← POST /api/v2/salesbot/run" in out
    assert "Смирновы (Лофт): Игра проведена; задача: Попросить отзыв на картах (NPS 10)" in out


async def test_an_unanswered_request_reminds_at_half_time_and_tells_the_head_at_5_minutes(
    played: tuple[DemoWorld, Summary],
) -> None:
    world, summary = played
    dasha, head = world.person("orlova"), world.by_role("head")[0]
    center = deal_titled(world, summary, "Петровы (Центр)")
    take = next(t for t in world.state.tasks.values() if t.entity_id == center.id)
    assert take.text == "Ответить на заявку"
    assert abs(take.complete_till - center.created_at - 5 * 60) < 60  # due 5 minutes on
    reminder = [m for m in world.bot_messages(dasha) if m.body.startswith("⏰ Новая заявка")]
    assert len(reminder) == 1
    assert "«Петровы: корпоратив»" in reminder[0].body
    (told,) = [m for m in world.bot_messages(head) if m.body.startswith("🚨")]
    assert "«Петровы: корпоратив»" in told.body
    # The request answered at once never reached the head.
    assert not any("Смирновы" in m.body for m in world.bot_messages(head))


async def test_the_booking_goes_only_to_its_locations_admin_with_the_game_on_the_card(
    played: tuple[DemoWorld, Summary],
) -> None:
    world, summary = played
    kira, oleg = world.person("belova"), world.person("panov")
    loft = deal_titled(world, summary, "Смирновы (Лофт)")
    center = deal_titled(world, summary, "Петровы (Центр)")
    kira_cards = [m.body for m in world.bot_messages(kira) if m.body.startswith("📐")]
    oleg_cards = [m.body for m in world.bot_messages(oleg) if m.body.startswith("📐")]
    assert [("Смирновы" in b, "Петровы" in b) for b in kira_cards] == [(True, False)]
    assert [("Смирновы" in b, "Петровы" in b) for b in oleg_cards] == [(False, True)]
    assert "• Локация: Лофт" in kira_cards[0]
    assert re.search(r"^• Дата игры: \d{1,2} [а-я]+$", kira_cards[0], re.M)  # a day, not seconds
    assert "• Комментарий менеджера: Торт свой" in kira_cards[0]
    # Прозвон1 is the admin's task; "ready" closed it and confirmed the game.
    calls = {t.entity_id: t for t in world.state.tasks.values() if t.text.startswith("Прозвон1")}
    assert calls[loft.id].responsible_user_id == kira.crm_user_id
    assert calls[center.id].responsible_user_id == oleg.crm_user_id
    assert {t.result_text for t in calls.values()} == {"Игра подтверждена"}
    assert stage(world, loft.id) == stage(world, center.id) == "Игра проведена"


async def test_nps_after_the_game_and_the_comeback_invitation(
    played: tuple[DemoWorld, Summary],
) -> None:
    world, summary = played
    head = world.by_role("head")[0]
    loft = deal_titled(world, summary, "Смирновы (Лофт)")
    center = deal_titled(world, summary, "Петровы (Центр)")
    again = deal_titled(world, summary, "Петровы, повторная бронь")
    nps = world.info.fields["NPS"]
    assert loft.custom_fields[nps][0]["value"] == 10
    assert center.custom_fields[nps][0]["value"] == 6
    assert "Попросить отзыв на картах (NPS 10)" in task_texts(world, loft.id)
    assert "Узнать, что пошло не так (NPS 6)" in task_texts(world, center.id)
    told = [m.body for m in world.bot_messages(head) if "NPS 6" in m.body]
    assert len(told) == 1
    assert "Петровы: корпоратив" in told[0]
    assert not any("NPS 10" in m.body for m in world.bot_messages(head))
    # Two months on: the Петровы booked again (same contact), so only the Смирновы are invited.
    assert again.contact_ids == center.contact_ids
    assert [lead for lead, _ in world.state.salesbots[INVITE_BOT].runs] == [loft.id]
    invites = [t for t in task_texts(world, loft.id) if t.startswith("Пригласить")]
    assert invites == ["Пригласить на повторную игру: Смирновы: день рождения сына"]
    assert not [t for t in task_texts(world, center.id) if t.startswith("Пригласить")]


async def test_a_booking_without_its_fields_is_held_and_the_manager_asked() -> None:
    async with world_for("quest-rooms") as world:
        dasha, kira, oleg = (world.person(k) for k in ("orlova", "belova", "panov"))
        await shifts(world, dasha, world.person("titov"), (kira, oleg))
        deal = await booking_request(world, dasha, "Петровы: корпоратив", "Павел Петров", PETROV)
        await world.press(dasha, TAKE, deal=deal)
        await world.advance(4)
        await world.tick()
        await world.press(dasha, REACHED, deal=deal)
        await world.say(dasha, "Суббота, 19:00, Центр")
        await world.press(dasha, BOOKED)

        assert stage(world, deal) == "В работе"  # held back until the booking is written
        asked = world.last(dasha).body
        for name in ("Дата игры", "Время игры", "Локация", "Программа"):
            assert f"• {name}" in asked
        assert not [m for m in world.bot_messages(oleg) if m.body.startswith("📐")]

        await world.advance(2)
        game_day = world.clock().date()
        await fill(world, deal, {**CENTER, "Дата игры": game_day})
        await world.emu.wait_for_message(oleg.telegram_id, "📐 Новая бронь")
        await world.settle()
        assert stage(world, deal) == "Бронь получена"
        assert not [m for m in world.bot_messages(kira) if m.body.startswith("📐")]
        await world.press(oleg, ACCEPT, deal=deal)
        await world.press(oleg, READY, deal=deal)
        assert stage(world, deal) == "Игра подтверждена"
