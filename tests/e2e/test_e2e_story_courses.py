"""Story 001 end to end (bot + sandbox CRM + Telegram emulator over HTTP): the courses seller's
lost deals recycled by loss reason, the no-answer ladder and the closed-stage guard — on the
demo's own script."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from nextstep.bot.demo.cli import play
from nextstep.bot.demo.harness import DemoWorld
from nextstep.bot.demo.script import Summary
from nextstep.bot.demo.story_courses import courses_day
from nextstep.sandbox.crm import LOST_STATUS_ID, Lead
from tests.e2e.e2e_world import notes_of, stage, world_for

MOSCOW = ZoneInfo("Europe/Moscow")


@pytest.fixture
async def played() -> AsyncIterator[tuple[DemoWorld, Summary]]:
    async with world_for("courses-kommo") as world:
        yield world, await courses_day(world)


def deal_titled(world: DemoWorld, summary: Summary, title: str) -> Lead:
    (deal,) = [d for d, t in summary.deals.items() if t == title]
    return world.state.leads[deal]


def field_values(world: DemoWorld, lead: Lead) -> dict[str, object]:
    return {
        world.state.custom_fields[f].name: v[0]["value"] for f, v in lead.custom_fields.items()
    }


def loss_reason(world: DemoWorld, lead: Lead) -> str:
    assert lead.status_id == LOST_STATUS_ID
    assert lead.loss_reason_id is not None
    return world.state.loss_reasons[lead.loss_reason_id].name


async def test_the_demo_plays_the_courses_day(capsys: pytest.CaptureFixture[str]) -> None:
    assert await play("courses-kommo") == 0
    out = capsys.readouterr().out
    assert "Anna Berg (manager)" in out
    assert "🆕 Новая сделка «Second try: Maria Lopez: SMM from zero»" in out
    assert "🔗 Новая сделка для вас: «Reactivation: Tom Reid: Crypto trading school»" in out
    assert "↩️ Anna Berg вернул(а) сделку «Maria Lopez: SMM from zero»" in out
    assert "Lena Park: Закрыто и не реализовано (Stopped responding)" in out


async def test_a_short_term_refusal_becomes_a_second_try_for_another_manager(
    played: tuple[DemoWorld, Summary],
) -> None:
    world, summary = played
    anna = world.person("berg")
    maria = deal_titled(world, summary, "Maria Lopez")
    second = deal_titled(world, summary, "Maria Lopez, second try")
    assert loss_reason(world, maria) == "Not now"
    assert second.name == "Second try: Maria Lopez: SMM from zero"
    assert world.state.pipelines[second.pipeline_id].name == "Sales"
    assert second.responsible_user_id not in (anna.crm_user_id, world.info.head_ids[0])
    assert second.contact_ids == maria.contact_ids
    values = field_values(world, second)
    assert values["Course"] == "SMM from zero"
    assert values["Recycled"] is True
    texts = [str(n.params.get("text", "")) for n in notes_of(world, maria.id)]
    assert "Short-term refusal (Not now): a new deal goes to another manager" in texts
    tasks = [t for t in world.state.tasks.values() if t.entity_id == second.id]
    assert "Second try with a short-term refusal: Maria Lopez: SMM from zero" in [
        t.text for t in tasks
    ]
    # The new manager got the take-into-work card and took it.
    new_manager = world.by_crm_id(second.responsible_user_id)
    card = await world.emu.wait_for_message(new_manager.telegram_id, "🆕 Новая сделка «Second try")
    assert card.body.endswith("✅ Взята в работу.")


async def test_a_long_term_refusal_is_copied_to_reactivation_for_the_next_morning(
    played: tuple[DemoWorld, Summary],
) -> None:
    world, summary = played
    anna = world.person("berg")
    tom = deal_titled(world, summary, "Tom Reid")
    copy = deal_titled(world, summary, "Tom Reid, reactivation")
    assert loss_reason(world, tom) == "Too expensive"
    assert world.state.pipelines[copy.pipeline_id].name == "Reactivation"
    assert stage(world, copy.id) == "To contact"
    assert copy.responsible_user_id != anna.crm_user_id
    assert field_values(world, copy)["Course"] == "Crypto trading school"
    (task,) = world.state.open_tasks_of(copy.id)
    assert task.text == "Reactivate the client: Tom Reid: Crypto trading school"
    assert task.responsible_user_id == copy.responsible_user_id
    due = datetime.fromtimestamp(task.complete_till, UTC).astimezone(MOSCOW)
    lost_at = datetime.fromtimestamp(tom.updated_at, UTC).astimezone(MOSCOW)
    assert (due.hour, due.minute) == (9, 0)  # the playbook's working morning
    assert due.date() > lost_at.date()
    owner = world.by_crm_id(copy.responsible_user_id)
    await world.emu.wait_for_message(owner.telegram_id, "🔗 Новая сделка для вас: «Reactivation")


async def test_recycled_once_and_never_for_a_reason_outside_the_rules(
    played: tuple[DemoWorld, Summary],
) -> None:
    world, summary = played
    second = deal_titled(world, summary, "Maria Lopez, second try")
    lena = deal_titled(world, summary, "Lena Park")
    assert loss_reason(world, second) == "Need to think"  # a short-term reason, but «Recycled»
    assert loss_reason(world, lena) == "Stopped responding"  # the ladder's last step
    assert len(world.state.leads) == 5  # three leads, one second try, one reactivation copy
    assert not any(
        lead.name.startswith("Second try: Second try") for lead in world.state.leads.values()
    )
    # The ladder: attempts 1 and 2 set the next call, the third closed the deal.
    results = sorted(
        t.result_text or "" for t in world.state.tasks.values() if t.entity_id == lena.id
    )
    assert [r for r in results if r.startswith("No answer")] == [
        "No answer, attempt 1",
        "No answer, attempt 2",
        "No answer, attempt 3",
    ]
    calls = [t.text for t in world.state.tasks.values() if t.entity_id == lena.id]
    assert "Call again: no answer (attempt 1)" in calls
    assert "Call again: no answer (attempt 2)" in calls


async def test_a_lost_deal_dragged_back_is_put_back_and_the_head_told(
    played: tuple[DemoWorld, Summary],
) -> None:
    world, summary = played
    vera = world.by_role("head")[0]
    maria = deal_titled(world, summary, "Maria Lopez")
    assert maria.status_id == LOST_STATUS_ID
    reverts = [
        w
        for w in world.state.writes
        if w.method == "PATCH" and w.path == f"/api/v4/leads/{maria.id}"
    ]
    assert reverts[-1].body == {"status_id": LOST_STATUS_ID, "pipeline_id": maria.pipeline_id}
    (card,) = [m for m in world.bot_messages(vera) if m.body.startswith("↩️")]
    assert "Anna Berg вернул(а) сделку «Maria Lopez: SMM from zero»" in card.body
    assert "«Contacted»" in card.body
