"""`nextstep demo --playbook courses-kommo`: story 001's day at the online courses seller.

Three leads land on Anna; she takes them in one press each and calls when the first calls come
due. Maria says «not now»: the lost deal is recycled by its reason — a new deal «Second try» in
Sales for another manager, who gets the take-into-work card and takes it. Tom finds it too
expensive: a copy goes to Reactivation for another manager, with a task on their next working
morning. The second try, lost again with «Need to think», is not recycled a second time (it
carries «Recycled»). Lena never answers: the no-answer ladder retries in 2 hours and the next
morning, then closes the deal as «Stopped responding», which is not recycled. Anna drags Maria's
lost deal back to work in the CRM: the closed-stage guard puts it back and tells the head Vera.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from nextstep.bot.demo.harness import DemoWorld, Person
from nextstep.bot.demo.script import Step, Summary
from nextstep.bot.demo.story_jobs import rules_tick, sla_sweep
from nextstep.sandbox.crm import LOST_STATUS_ID

TAKE = "🚀 Взять в работу"
NO_ANSWER = "📵 Не дозвонился"
NOT_INTERESTED = "❌ Не интересно"
LEADS = (
    ("Maria Lopez", "+12025550101", "SMM from zero"),
    ("Tom Reid", "+12025550102", "Crypto trading school"),
    ("Lena Park", "+12025550103", "Marketplace business"),
)


async def courses_day(world: DemoWorld) -> Summary:
    anna = world.person("berg")
    vera = world.by_role("head")[0]
    others = [p for p in world.by_role("manager") if p is not anna]
    summary, step = Summary(), Step(world)

    step("Three leads from the course landing pages land on Anna; she takes all three")
    maria, tom, lena = [await new_lead(world, anna, *lead) for lead in LEADS]
    summary.deals.update({maria: "Maria Lopez", tom: "Tom Reid", lena: "Lena Park"})
    for deal in (maria, tom, lena):
        await world.press(anna, TAKE, deal=deal)
    step.report(anna)

    await world.advance(12)  # the scheduler's due-task horizon is 5 min
    step("The first calls come due")
    await world.tick()
    step.report(anna)

    step(
        "Maria: «not now, after my vacation» → short-term refusal: a new deal for another manager"
    )
    before = set(world.state.leads)
    await refuse(world, anna, maria, "Not now")
    (second,) = set(world.state.leads) - before
    summary.deals[second] = "Maria Lopez, second try"
    step.report(anna, *others)
    new_manager = world.by_crm_id(world.state.leads[second].responsible_user_id)
    step(f"{new_manager.first_name} takes the second try into work")
    await world.press(new_manager, TAKE, deal=second)
    step.report(new_manager)

    step("Tom: «too expensive» → a long-term refusal, a copy in Reactivation for another manager")
    before = set(world.state.leads)
    await refuse(world, anna, tom, "Too expensive")
    (reactivation,) = set(world.state.leads) - before
    summary.deals[reactivation] = "Tom Reid, reactivation"
    step.report(anna, *others)

    await world.advance_to(open_task_due(world, second) - timedelta(minutes=3))
    step(f"{new_manager.first_name} calls Maria on the second try: «need to think» — lost again")
    await world.tick()
    before = set(world.state.leads)
    await refuse(world, new_manager, second, "Need to think")
    summary.notes.append(
        "The second try recycled again: " + ("no" if set(world.state.leads) == before else "yes")
    )
    step.report(new_manager)

    step("Lena does not pick up (attempt 1): the ladder sets a call in 2 hours")
    await world.press(anna, NO_ANSWER, deal=lena)
    step.report(anna)

    await world.advance_to(open_task_due(world, lena) - timedelta(minutes=3))
    step("Two hours later: still no answer (attempt 2) → a call on the next working morning")
    await world.tick()
    await world.press(anna, NO_ANSWER, deal=lena)
    step.report(anna)

    await world.advance_to(open_task_due(world, lena) - timedelta(minutes=3))
    step("Next morning, attempt 3: the deal is closed as «Stopped responding» — not recycled")
    await world.tick()
    before = set(world.state.leads)
    await world.press(anna, NO_ANSWER, deal=lena)
    await rules_tick(world)
    summary.notes.append(
        "Lena Park's lost deal recycled: " + ("no" if set(world.state.leads) == before else "yes")
    )
    step.report(anna)

    await world.advance(10)
    step("Anna drags Maria's lost deal back to «Contacted» in the CRM: the guard puts it back")
    await world.control(
        "POST",
        f"/_sandbox/leads/{maria}/move",
        {"status_id": world.info.stage("Sales", "Contacted"), "by": anna.crm_user_id},
    )
    await world.settle()
    await sla_sweep(world)
    step.report(anna, vera)

    back = world.state.leads[maria].status_id == LOST_STATUS_ID
    summary.notes.append(f"Maria Lopez's first deal still lost: {'yes' if back else 'no'}")
    return summary


async def new_lead(world: DemoWorld, to: Person, client: str, phone: str, course: str) -> int:
    """A landing page's lead on «New lead» with the course it came for."""
    body = {
        "name": f"{client}: {course}",
        "price": 490,
        "pipeline_id": world.info.pipelines["Sales"],
        "status_id": world.info.stage("Sales", "New lead"),
        "responsible_user_id": to.crm_user_id,
        "contact": {"name": client, "phone": phone},
        "source": "Landing page",
        "custom_fields_values": [
            {"field_id": world.info.fields["Course"], "values": [{"value": course}]}
        ],
    }
    created = await world.control("POST", "/_sandbox/leads", body)
    await world.settle()
    return int(created["id"])


async def refuse(world: DemoWorld, manager: Person, deal: int, reason: str) -> None:
    """The client refuses on the call: ❌, then the loss reason; the rules' tick recycles."""
    await world.press(manager, NOT_INTERESTED, deal=deal)
    await world.press(manager, reason)
    await rules_tick(world)


def open_task_due(world: DemoWorld, deal: int) -> datetime:
    tasks = world.state.open_tasks_of(deal)
    if not tasks:
        raise RuntimeError(f"deal {deal} has no open task")
    return datetime.fromtimestamp(min(t.complete_till for t in tasks), UTC)
