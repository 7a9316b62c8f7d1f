"""`nextstep demo --playbook training-center`: story 004's chain of linked deals, played through.

Ольга wins a prepaid contract: a Money deal starts for the accountant Нина with the contract's
fields (and her task to invoice), and Нина hears of it in Telegram. The payment comes in, Нина
wins the Money deal: a Training deal starts for the trainer Игорь, without the sum. Игорь closes
the training: a Repeat sale lands on Ольга's «take into work» card. Then a postpaid contract
(Money and Training at once) and an advance (the advance's Money deal for the advance amount;
once it is paid, the rest's Money deal — the contract minus the advance — for the same accountant
and the Training deal together).
"""

from __future__ import annotations

from typing import Any

from nextstep.bot.demo.harness import DemoWorld, Person
from nextstep.bot.demo.script import Step, Summary
from nextstep.bot.demo.story_jobs import rules_tick
from nextstep.sandbox.crm import WON_STATUS_ID

CONTRACT: dict[str, Any] = {
    "ИНН": "7701234567",
    "Программа обучения": "Охрана труда для руководителей",
    "Количество слушателей": 12,
    "Список слушателей": "Иванов И. И.\nПетров П. П.\nСидорова А. В.",
    "Номер договора": "ОТ-2026/114",
}
DAY = 24 * 60


async def training_center_chain(world: DemoWorld) -> Summary:
    olga, nina, igor = (world.by_role(r)[0] for r in ("manager", "accountant", "trainer"))
    summary, step = Summary(), Step(world)

    step("Ольга ведёт договор с ООО «Вектор»: предоплата, 12 слушателей, 96 000 ₽")
    sale = await contract(world, olga, "ООО «Вектор»", 96_000, "Предоплата")
    summary.deals[sale] = "ООО «Вектор», продажа"
    step.report(olga)

    step("Договор подписан: Ольга закрывает продажу как успешную → сделка в «Деньгах»")
    (money,) = await win(world, sale, olga)
    summary.deals[money] = "ООО «Вектор», деньги"
    step.report(olga, nina)

    await world.advance(DAY)
    step("Назавтра оплата пришла: Нина закрывает сделку в «Деньгах» → сделка в «Обучении»")
    (training,) = await win(world, money, nina)
    summary.deals[training] = "ООО «Вектор», обучение"
    step.report(nina, igor)

    await world.advance(14 * DAY)
    step("Через две недели обучение закончено: Игорь закрывает его → повторная продажа Ольге")
    (repeat,) = await win(world, training, igor)
    summary.deals[repeat] = "ООО «Вектор», повторная продажа"
    step.report(igor, olga)

    step("Постоплата: ООО «Гранит» учится сейчас, платит потом — «Деньги» и «Обучение» сразу")
    granite = await contract(world, olga, "ООО «Гранит»", 54_000, "Постоплата")
    summary.deals[granite] = "ООО «Гранит», продажа"
    for deal in await win(world, granite, olga):
        summary.deals[deal] = f"ООО «Гранит», {_pipeline_of(world, deal).lower()}"
    step.report(olga, nina, igor)

    step("Аванс: АО «Север» платит аванс 70 000 ₽ из 180 000 ₽ — сначала сделка на аванс")
    north = await contract(world, olga, "АО «Север»", 180_000, "Аванс", advance=70_000)
    summary.deals[north] = "АО «Север», продажа"
    (advance,) = await win(world, north, olga)
    summary.deals[advance] = "АО «Север», аванс"
    step.report(olga, nina)

    await world.advance(2 * DAY)
    step("Аванс получен: Нина закрывает его → остаток (110 000 ₽) ей же и обучение Игорю")
    for deal in await win(world, advance, nina):
        summary.deals[deal] = f"АО «Север», {_pipeline_of(world, deal).lower()}"
    step.report(nina, igor)

    trained = world.state.leads[training]
    summary.notes.append(
        f"В «Обучении» сумм не видно: бюджет сделки «{trained.name}» — {trained.price} ₽"
    )
    return summary


def field_values(world: DemoWorld, values: dict[str, Any]) -> list[dict[str, Any]]:
    """The CRM's custom_fields_values for field names → values (a select by its option)."""
    out = []
    for name, value in values.items():
        definition = world.state.custom_fields[world.info.fields[name]]
        enum = definition.enum_by_value(value) if isinstance(value, str) else None
        item = {"enum_id": enum.id} if enum else {"value": value}
        out.append({"field_id": definition.id, "values": [item]})
    return out


async def contract(
    world: DemoWorld,
    manager: Person,
    name: str,
    price: int,
    pay: str,
    advance: int | None = None,
) -> int:
    """A sale at «Договор» with the contract's fields, as the manager keeps it in the CRM
    (`advance`: the «Сумма аванса» an advance contract names)."""
    values: dict[str, Any] = {**CONTRACT, "Тип оплаты": pay}
    if advance is not None:
        values["Сумма аванса"] = advance
    lead = await world.control(
        "POST",
        "/_sandbox/leads",
        {
            "name": name,
            "price": price,
            "pipeline_id": world.info.pipelines["Продажи"],
            "status_id": world.info.stage("Продажи", "Договор"),
            "responsible_user_id": manager.crm_user_id,
            "contact": {"name": "Алексей Петренко", "phone": "+79161112233"},
            "custom_fields_values": field_values(world, values),
        },
    )
    await world.settle()
    return int(lead["id"])


async def win(world: DemoWorld, deal: int, by: Person) -> list[int]:
    """`by` completes their task on `deal` and closes it as won in the CRM; returns the deals
    the rules created from it."""
    for task in world.state.open_tasks_of(deal):
        body = {"result": "Готово", "by": by.crm_user_id}
        await world.control("POST", f"/_sandbox/tasks/{task.id}/complete", body)
    before = set(world.state.leads)
    body = {"status_id": WON_STATUS_ID, "by": by.crm_user_id}
    await world.control("POST", f"/_sandbox/leads/{deal}/move", body)
    await world.settle()
    await rules_tick(world)  # the linked deals get their task, notes and owner's message
    return sorted(set(world.state.leads) - before)


def _pipeline_of(world: DemoWorld, deal: int) -> str:
    return world.state.pipelines[world.state.leads[deal].pipeline_id].name
