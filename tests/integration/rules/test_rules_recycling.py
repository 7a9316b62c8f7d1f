"""Story 001 over HTTP: a lost deal is worked again by loss reason.

Short-term ("Not now"): a second try in Sales for another manager, who gets the new-lead card.
Long-term ("Too expensive"): a copy in Reactivation for another manager, who is told in Telegram.
Both copies carry the course, are marked recycled and linked to the lost deal, which stays lost.
The `reassign` variant reopens the lost deal itself for another manager.
"""

from __future__ import annotations

from pathlib import Path

from nextstep.bot.config import REPO_ROOT
from nextstep.crm_client.models import CrmEventType, Task
from nextstep.sandbox.crm import LOST_STATUS_ID
from nextstep.sandbox.crm.seed_stories import seed_courses_kommo
from tests.integration.rules.rules_world import Person, RulesWorld, rules_world

ANNA, BORIS, HEAD = 1011, 1012, 1002
TEAM = (
    Person("anna", 2011, ANNA, "manager", "Anna", head=HEAD),
    Person("boris", 2012, BORIS, "manager", "Boris", head=HEAD),
    Person("head", 2002, HEAD, "head", "Vera"),
)


async def lose(world: RulesWorld, deal_id: int, reason: str) -> set[int]:
    """The manager closes the deal as lost with `reason`; the deals the CRM gained are returned."""
    before = set(world.state.leads)
    lead = world.state.leads[deal_id]
    old = (lead.pipeline_id, lead.status_id)
    lead.status_id, lead.loss_reason_id = LOST_STATUS_ID, world.info.loss_reasons[reason]
    lead.closed_at = lead.updated_at = world.state.now()
    await world.event(
        CrmEventType.DEAL_STATUS_CHANGED, deal_id, old_pipeline_id=old[0], old_status_id=old[1]
    )
    return set(world.state.leads) - before


STALE_CLOSED = "Закрыта: сделка передана на повторную работу"


async def crm_tasks(world: RulesWorld, deal_id: int) -> list[Task]:
    """The deal's tasks as the CRM's API returns them (over HTTP, not the emulator's memory)."""
    return [t async for t in world.services.crm.iter_tasks(entity_id=deal_id)]


async def open_steps(world: RulesWorld, deal_id: int) -> list[tuple[str, int]]:
    return [
        (t.text, t.responsible_user_id)
        for t in await crm_tasks(world, deal_id)
        if not t.is_completed
    ]


def fields_of(world: RulesWorld, deal_id: int) -> dict[str, object]:
    lead, defs = world.state.leads[deal_id], world.state.custom_fields
    return {defs[fid].name: values[0]["value"] for fid, values in lead.custom_fields.items()}


async def test_a_short_term_refusal_goes_to_another_manager_in_sales(db_path: Path) -> None:
    async with rules_world(db_path, seed_courses_kommo, "courses-kommo", TEAM) as w:
        deal = await w.new_deal(
            "Smith, SMM course", "Sales", "Consultation", ANNA, {"Course": "SMM"}
        )
        new = await lose(w, deal, "Not now")
        (copy_id,) = new
        copy = w.state.leads[copy_id]
        assert copy.pipeline_id == w.info.pipelines["Sales"]
        assert copy.status_id == w.info.stage("Sales", "New lead")
        assert copy.responsible_user_id == BORIS
        assert copy.name == "Second try: Smith, SMM course"
        assert copy.contact_ids == w.state.leads[deal].contact_ids
        assert fields_of(w, copy_id) == {"Course": "SMM", "Recycled": True}
        await w.until(lambda: w.state.open_tasks_of(copy_id), "the second-try task")
        (task,) = w.state.open_tasks_of(copy_id)
        assert task.text == "Second try with a short-term refusal: Smith, SMM course"
        assert task.responsible_user_id == BORIS
        assert w.state.leads[deal].status_id == LOST_STATUS_ID  # the lost deal stays lost
        notes = w.note_texts(deal)
        assert "Short-term refusal (Not now): a new deal goes to another manager" in notes
        assert any(f"#{copy_id}" in n for n in notes)

        await w.event(CrmEventType.DEAL_ADDED, copy_id)  # the CRM's webhook for the copy
        card = await w.message("boris", "Second try: Smith, SMM course")
        assert card.button_texts == ["🚀 Взять в работу"]

        # The copy is marked recycled: lost again, it is not recycled a second time.
        assert await lose(w, copy_id, "Need to think") == set()


async def test_a_long_term_refusal_is_copied_to_reactivation(db_path: Path) -> None:
    async with rules_world(db_path, seed_courses_kommo, "courses-kommo", TEAM) as w:
        deal = await w.new_deal("Lee, trading", "Sales", "Offer sent", BORIS, {"Course": "Crypto"})
        (copy_id,) = await lose(w, deal, "Too expensive")
        copy = w.state.leads[copy_id]
        assert copy.pipeline_id == w.info.pipelines["Reactivation"]
        assert copy.status_id == w.info.stage("Reactivation", "To contact")
        assert copy.responsible_user_id == ANNA
        assert copy.name == "Reactivation: Lee, trading"
        assert fields_of(w, copy_id) == {"Course": "Crypto", "Recycled": True}
        await w.until(lambda: w.state.open_tasks_of(copy_id), "the reactivation task")
        (task,) = w.state.open_tasks_of(copy_id)
        assert (task.text, task.responsible_user_id) == (
            "Reactivate the client: Lee, trading",
            ANNA,
        )
        assert any(f"#{deal}" in n for n in w.note_texts(copy_id))

        told = await w.message("anna", "Новая сделка для вас")
        assert f"«Reactivation: Lee, trading» (#{copy_id}, из сделки #{deal})" in told.body
        assert "Reactivate the client: Lee, trading" in told.body


REASSIGN = """
recycling:
  - name: short_term
    pipelines: [Sales]
    reasons: ["Not now"]
    action: reassign
    stage: {stage: Contacted}
    responsible: another_manager
    note: "Short-term refusal ({reason}): reassigned"
    task: {text: "Second try with a short-term refusal: {deal}", due: 1d}
"""


def reassigning_playbook(tmp_path: Path) -> Path:
    """courses-kommo with a `reassign` short-term rule and no closed-stage guard."""
    text = (REPO_ROOT / "playbooks" / "courses-kommo.yaml").read_text(encoding="utf-8")
    head, rest = text.split("\nrecycling:\n", 1)
    sla = rest[rest.index("\n# The audit's findings") :]
    sla = sla.replace("guards:\n  closed_stage: {revert: true}\n", "")
    path = tmp_path / "courses-reassign.yaml"
    path.write_text(head + REASSIGN + sla, encoding="utf-8")
    return path


async def test_reassign_reopens_the_lost_deal_for_another_manager(
    db_path: Path, tmp_path: Path
) -> None:
    book = reassigning_playbook(tmp_path)
    async with rules_world(db_path, seed_courses_kommo, book, TEAM) as w:
        deal = await w.new_deal("Kim, SMM", "Sales", "Consultation", ANNA, {"Course": "SMM"})
        assert await lose(w, deal, "Not now") == set()  # no copy: the deal itself
        lead = w.state.leads[deal]
        await w.until(lambda: lead.responsible_user_id == BORIS, "the new responsible")
        assert w.stage_of(deal) == "Contacted"
        await w.until(lambda: w.state.open_tasks_of(deal), "the second-try task")
        texts = [(t.text, t.responsible_user_id) for t in w.state.open_tasks_of(deal)]
        assert ("Second try with a short-term refusal: Kim, SMM", BORIS) in texts
        assert "Short-term refusal (Not now): reassigned" in w.note_texts(deal)

        await w.event(CrmEventType.DEAL_UPDATED, deal)  # the CRM's webhook for the change
        await w.message("boris", "Kim, SMM")


async def test_a_recycled_copy_leaves_the_new_manager_exactly_one_next_step(
    db_path: Path,
) -> None:
    async with rules_world(db_path, seed_courses_kommo, "courses-kommo", TEAM) as w:
        deal = await w.new_deal("Ross, SMM", "Sales", "New lead", ANNA, {"Course": "SMM"})
        assert await open_steps(w, deal) == [("Take the new lead into work", ANNA)]
        (copy_id,) = await lose(w, deal, "Not now")
        await w.until(lambda: w.state.open_tasks_of(copy_id), "the second-try task")
        await w.event(CrmEventType.DEAL_ADDED, copy_id)  # the copy lands on a new stage
        card = await w.message("boris", "Second try: Ross, SMM")

        second_try = ("Second try with a short-term refusal: Ross, SMM", BORIS)
        assert await open_steps(w, copy_id) == [second_try]  # no generic take task beside it
        # Taking it into work keeps that step on the call card: no first call beside it.
        await w.press("boris", card.button_texts[0], card)
        call = await w.message(
            "boris", "Second try with a short-term refusal", after=card.message_id
        )
        assert any("No answer" in b or "Не дозвонился" in b for b in call.button_texts)
        await w.drain()
        assert await open_steps(w, copy_id) == [second_try]
        # Anna's take task on the lost deal is closed, saying why.
        stale = await crm_tasks(w, deal)
        assert [(t.text, t.is_completed, t.result_text) for t in stale] == [
            ("Take the new lead into work", True, STALE_CLOSED)
        ]


async def test_a_reassigned_deal_keeps_only_the_new_managers_task(
    db_path: Path, tmp_path: Path
) -> None:
    book = reassigning_playbook(tmp_path)
    async with rules_world(db_path, seed_courses_kommo, book, TEAM) as w:
        deal = await w.new_deal("Park, SMM", "Sales", "New lead", ANNA, {"Course": "SMM"})
        assert await open_steps(w, deal) == [("Take the new lead into work", ANNA)]
        await lose(w, deal, "Not now")
        await w.until(lambda: w.state.leads[deal].responsible_user_id == BORIS, "Boris")
        await w.until(lambda: w.state.open_tasks_of(deal), "the second-try task")
        await w.event(CrmEventType.DEAL_UPDATED, deal)
        await w.message("boris", "Park, SMM")

        second_try = ("Second try with a short-term refusal: Park, SMM", BORIS)
        assert await open_steps(w, deal) == [second_try]
        old = [t for t in await crm_tasks(w, deal) if t.text == "Take the new lead into work"]
        assert [(t.is_completed, t.result_text) for t in old] == [(True, STALE_CLOSED)]
