"""Story 002 over HTTP: the estimator hand-off on the design studio's account."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from nextstep.sandbox.crm.seed_stories import seed_design_studio_rules
from tests.integration.rules.rules_world import Person, RulesWorld, rules_world

MANAGER, HEAD, EST_A, EST_B = 1011, 1002, 1021, 1022
TEAM = (
    Person("manager", 2011, MANAGER, "manager", "Мария", head=HEAD),
    Person("head", 2002, HEAD, "head", "Гера"),
    Person("est_a", 2021, EST_A, "estimator", "Сергей"),
    Person("est_b", 2022, EST_B, "estimator", "Татьяна"),
)
FILLED = {
    "Площадь, м²": 64,
    "Адрес объекта": "ул. Пресненская, 8",
    "Ссылка на дизайн-проект": "https://projects.example/presnya",
    "Комментарий менеджера": "Клиент хочет уложиться в бюджет",
}
CARD = "Смета по дизайн-проекту"


@pytest.fixture
async def studio(db_path: Path) -> AsyncIterator[RulesWorld]:
    async with rules_world(db_path, seed_design_studio_rules, "design-studio", TEAM) as world:
        yield world


async def test_missing_fields_hold_the_deal_until_the_manager_fills_them(studio: RulesWorld):
    world = studio
    partial = {"Адрес объекта": FILLED["Адрес объекта"]}
    deal = await world.new_deal("Квартира на Пресне", "Дизайн", "Встреча/замер", MANAGER, partial)

    await world.move(deal, "Дизайн", "Дизайн-проект готов")
    asked = await world.message("manager", "заполните поля")
    assert "Площадь, м²" in asked.body
    assert "Ссылка на дизайн-проект" in asked.body
    assert "Адрес объекта" not in asked.body
    assert world.stage_of(deal) == "Встреча/замер"  # it cannot pass the stage without them
    assert not [m for m in world.emu.chat(2021) if CARD in m.body]

    await world.fill(deal, FILLED)
    assert world.stage_of(deal) == "Дизайн-проект готов"
    for who in ("est_a", "est_b"):
        card = await world.message(who, CARD)
        assert "Площадь, м²: 64" in card.body
        assert "https://projects.example/presnya" in card.body
        assert card.button_texts == ["✋ Беру", "❓ Нужна информация"]


async def test_accept_question_answer_and_estimate_ready(studio: RulesWorld) -> None:
    world, state = studio, studio.state
    deal = await world.new_deal("Квартира на Пресне", "Дизайн", "Встреча/замер", MANAGER, FILLED)
    await world.move(deal, "Дизайн", "Дизайн-проект готов")
    card_a = await world.message("est_a", CARD)
    card_b = await world.message("est_b", CARD)

    await world.press("est_a", "✋ Беру", card_a)
    told = await world.message("manager", "Сергей взял(а)")
    assert "Квартира на Пресне" in told.body
    await world.until(lambda: state.open_tasks_of(deal), "the estimator's task in the CRM")
    (task,) = [t for t in state.open_tasks_of(deal) if t.responsible_user_id == EST_A]
    assert task.text == "Составить смету: Квартира на Пресне"
    await world.until(
        lambda: world.emu.message(2022, card_b.message_id).buttons == [], "B's card closed"
    )
    assert "Взял(а): Сергей" in world.emu.message(2022, card_b.message_id).body
    await world.until(
        lambda: "✅ Смета готова" in world.emu.message(2021, card_a.message_id).button_texts,
        "A's card offers Ready",
    )

    await world.press("est_a", "❓ Нужна информация", world.emu.message(2021, card_a.message_id))
    await world.message("est_a", "Напишите вопрос")
    await world.say("est_a", "Какая высота потолков?")
    question = await world.message("manager", "Какая высота потолков?")
    assert question.button_texts == ["💬 Ответить"]
    await world.until(
        lambda: any("Какая высота потолков?" in t for t in world.note_texts(deal)), "the note"
    )

    await world.press("manager", "💬 Ответить", question)
    await world.message("manager", "Напишите ответ")
    await world.say("manager", "2,9 метра")
    await world.message("est_a", "2,9 метра")

    await world.press("est_a", "✅ Смета готова", world.emu.message(2021, card_a.message_id))
    await world.message("manager", "Позвоните клиенту")
    await world.until(lambda: world.stage_of(deal) == "Смета", "the deal on «Смета»")
    assert state.tasks[task.id].is_completed
    assert state.tasks[task.id].result_text == "Смета готова"
    calls = [t for t in state.open_tasks_of(deal) if t.responsible_user_id == MANAGER]
    assert [t.text for t in calls] == ["Позвонить клиенту: смета по «Квартира на Пресне» готова"]
    await world.message("manager", "Звонок по сделке")
