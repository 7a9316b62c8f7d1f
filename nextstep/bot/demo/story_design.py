"""`nextstep demo --playbook design-studio`: story 002's estimator hand-off, played through.

Мария moves a design deal to «Дизайн-проект готов» with the project link and area missing: the
bot puts it back and names the fields. She fills them in the CRM: both estimators get the card.
Сергей takes it (his CRM task; Мария is told), asks a question (a note; Мария answers with
Reply), and presses «Смета готова»: the deal moves to «Смета» and Мария gets the call card.
"""

from __future__ import annotations

from nextstep.bot.demo.harness import DemoWorld
from nextstep.bot.demo.script import Step, Summary
from nextstep.crm_client.models import DealPatch
from nextstep.sandbox.crm.seed_stories import add_design_rule_fields

ACCEPT, NEED_INFO, REPLY, READY = (
    "✋ Беру",
    "❓ Нужна информация",
    "💬 Ответить",
    "✅ Смета готова",
)


async def design_studio_handoff(world: DemoWorld) -> Summary:
    maria = world.person("kuznetsova")
    estimators = world.by_role("estimator")
    sergey = estimators[0]
    summary, step = Summary(), Step(world)
    state, info = world.state, world.info
    add_design_rule_fields(state, info)
    design = info.pipelines["Дизайн"]

    step("Дизайн-проект по «Квартире на Пресне» на этапе «Встреча/замер»; адрес уже заполнен")
    lead = await world.control(
        "POST",
        "/_sandbox/leads",
        {
            "name": "Квартира на Пресне",
            "price": 420_000,
            "pipeline_id": design,
            "status_id": info.stage("Дизайн", "Встреча/замер"),
            "responsible_user_id": maria.crm_user_id,
            "contact": {"name": "Олег Романов", "phone": "+79035550101"},
            "custom_fields_values": [
                {"field_id": info.fields["Адрес объекта"], "values": [{"value": "Пресненская, 8"}]}
            ],
        },
    )
    deal = int(lead["id"])
    summary.deals[deal] = "Квартира на Пресне"
    await world.settle()

    step("Мария двигает сделку на «Дизайн-проект готов», не заполнив площадь и ссылку")
    ready_stage = info.stage("Дизайн", "Дизайн-проект готов")
    await world.control("POST", f"/_sandbox/leads/{deal}/move", {"status_id": ready_stage})
    await world.settle()
    step.report(maria)

    step("Мария заполняет поля в CRM — сделка возвращается на этап, сметчики получают карточку")
    fields = {
        info.fields["Площадь, м²"]: 64,
        info.fields["Ссылка на дизайн-проект"]: "https://projects.example/presnya",
        info.fields["Комментарий менеджера"]: "Клиент хочет уложиться в бюджет",
    }
    # A few minutes later (a webhook is told from a resent one by its second: not the same).
    await world.advance(3)
    await world.runtime.services.crm.update_deal(deal, DealPatch(custom_fields=fields))
    await world.emu.wait_for(
        lambda: any(ACCEPT in m.button_texts for m in world.chat(sergey)),
        world.wait,
        description=f"the hand-off card in {sergey.first_name}'s chat",
    )
    await world.settle()
    step.report(*estimators)

    step(f"{sergey.first_name} берёт смету")
    await world.press(sergey, ACCEPT, deal=deal)
    step.report(sergey, maria)

    step(f"{sergey.first_name} спрашивает менеджера, Мария отвечает")
    await world.press(sergey, NEED_INFO, deal=deal)
    await world.say(sergey, "Какая высота потолков?")
    await world.press(maria, REPLY, deal=deal)
    await world.say(maria, "2,9 метра")
    step.report(sergey, maria)

    step("Смета готова: сделка на «Смете», Мария получает карточку звонка")
    await world.press(sergey, READY, deal=deal)
    step.report(maria)

    lead_now = state.leads[deal]
    stage = next(s.name for s in state.pipelines[design].statuses if s.id == lead_now.status_id)
    summary.notes.append(f"«Квартира на Пресне» сейчас на этапе «{stage}»")
    return summary
