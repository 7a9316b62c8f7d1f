"""`nextstep demo --playbook quest-rooms`: story 003's booking, game, NPS and comeback.

The sales managers work 2/2 (Дарья today, Роман tomorrow); the head and the location admins
every day. Two booking requests land on Дарья at 10:00: she answers the first at once, the
second waits — at half of its 5 minutes she is reminded, at 5 minutes the head Екатерина is told.
Дарья reaches both clients. The Лофт game goes to «Бронь получена» before the booking is written
down: the bot puts it back and names the missing fields; once Дарья fills them, the Лофт's admin
Кира gets the hand-off card, takes it (her «Прозвон1» task: confirm, offer a cake and an
animator) and confirms the game. The Центр game goes to its admin Олег the same way. The day
after the games the NPS tasks come with 0–10 buttons: 10 asks for a review on the maps, 6 asks
what went wrong and tells the head. The Центр client books again within a month; two months
after the game only the Лофт client is invited back (Salesbot and a task).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from nextstep.bot.demo.harness import DemoWorld, Person
from nextstep.bot.demo.script import Step, Summary
from nextstep.bot.demo.story_jobs import rules_tick, sla_sweep
from nextstep.bot.services.sla.schedules import set_schedule, spec_of
from nextstep.crm_client.models import DealPatch

TAKE = "🚀 Взять в работу"
REACHED = "✅ Дозвонился"
ACCEPT = "✋ Беру"
READY = "✅ Игра подтверждена"
BOOKED = "Бронь получена"
PIPELINE = "Бронирования"
MOSCOW = ZoneInfo("Europe/Moscow")
INVITE_BOT = 202
SMIRNOVA, PETROV = "+79161234567", "+79035550101"
LOFT = {"Время игры": "16:00", "Локация": "Лофт", "Программа": "Шерлок", "Количество игроков": 6}
CENTER = {
    "Время игры": "19:00",
    "Локация": "Центр",
    "Программа": "Пираты",
    "Количество игроков": 8,
}


async def quest_rooms_day(world: DemoWorld) -> Summary:
    dasha, roman = (world.person(k) for k in ("orlova", "titov"))
    head = world.by_role("head")[0]
    kira, oleg = (world.person(k) for k in ("belova", "panov"))
    summary, step = Summary(), Step(world)
    first_day = world.clock().astimezone(MOSCOW).date()
    await shifts(world, dasha, roman, (head, kira, oleg))
    await world.advance_to(local(world.clock().astimezone(MOSCOW).date(), time(10)))

    step("10:00, смена Дарьи: с сайта приходят две заявки на игру")
    loft = await booking_request(
        world, dasha, "Смирновы: день рождения сына", "Ирина Смирнова", SMIRNOVA
    )
    center = await booking_request(world, dasha, "Петровы: корпоратив", "Павел Петров", PETROV)
    summary.deals.update({loft: "Смирновы (Лофт)", center: "Петровы (Центр)"})
    step.report(dasha)

    step("Дарья отвечает на первую заявку сразу; у задачи 5 минут")
    await world.press(dasha, TAKE, deal=loft)
    step.report(dasha)

    await world.advance(3)
    step("3 минуты: вторая заявка всё ещё без ответа — половина срока, Дарье напоминание")
    await sla_sweep(world)
    step.report(dasha, head)

    await world.advance(3)
    step("6 минут: 5 минут прошли — руководитель Екатерина узнаёт, Дарья отвечает")
    await sla_sweep(world)
    step.report(head)
    await world.press(dasha, TAKE, deal=center)
    step.report(dasha)

    game_day = world.clock().astimezone(MOSCOW).date() + timedelta(days=4)
    step("Дарья дозвонилась Смирновым и ставит «Бронь получена», не записав бронь")
    await world.tick()
    await world.press(dasha, REACHED, deal=loft)
    await world.say(dasha, "Суббота, 16:00, Лофт, «Шерлок», 6 детей, будет торт свой")
    await world.press(dasha, BOOKED)
    step.report(dasha)

    step("Дарья вписывает бронь в CRM — сделка снова на «Бронь получена», карточка админу")
    await world.advance(2)  # a webhook is told from a resent one by its second
    await fill(world, loft, {**LOFT, "Дата игры": game_day, "Комментарий менеджера": "Торт свой"})
    await world.emu.wait_for(
        lambda: any(ACCEPT in m.button_texts for m in world.chat(kira)),
        world.wait,
        description="the hand-off card in Кира's chat",
    )
    await world.settle()
    await booking_done(world, loft)
    step.report(dasha, kira, oleg)

    step("Кира берёт: ей задача «Прозвон1» — подтвердить игру, предложить торт и аниматора")
    await world.press(kira, ACCEPT, deal=loft)
    step.report(kira, dasha)

    step("Кира созвонилась: игра подтверждена, аниматор добавлен")
    await world.press(kira, READY, deal=loft)
    step.report(kira, dasha)

    step("Петровы: Дарья записывает бронь и ставит «Бронь получена» — карточка админу Центра")
    await world.press(dasha, REACHED, deal=center)
    await world.say(dasha, "Суббота, 19:00, Центр, «Пираты», 8 человек")
    await fill(world, center, {**CENTER, "Дата игры": game_day})
    await world.press(dasha, BOOKED)
    await booking_done(world, center)
    step.report(dasha, oleg, kira)
    await world.press(oleg, ACCEPT, deal=center)
    await world.press(oleg, READY, deal=center)
    step.report(oleg, dasha)

    await world.advance_to(local(game_day, time(21)))
    step("Суббота, вечер: игры проведены")
    for deal in (loft, center):
        await world.control(
            "POST",
            f"/_sandbox/leads/{deal}/move",
            {"status_id": world.info.stage(PIPELINE, "Игра проведена")},
        )
    await world.settle()
    step.report(dasha)

    await world.advance_to(local(game_day + timedelta(days=1), time(12, 1)))
    step("На следующий день в 12:00: задачи «Собрать NPS после игры» с кнопками 0–10")
    await rules_tick(world)
    step.report(dasha)

    step("Смирновы ставят 10 — просьба об отзыве; Петровы 6 — узнать, что не так, руководителю")
    await world.press(dasha, "10", deal=loft)
    await world.press(dasha, "6", deal=center)
    step.report(dasha, head)

    await world.advance(20 * 24 * 60)
    step("Через 3 недели Петровы бронируют снова")
    today = world.clock().astimezone(MOSCOW).date()
    on_duty = dasha if (today - first_day).days % 4 < 2 else roman
    returning = world.state.leads[center].contact_ids[0]
    again = await booking_request(world, on_duty, "Петровы: снова", "Павел Петров", returning)
    summary.deals[again] = "Петровы, повторная бронь"
    step.report(dasha, roman)

    await world.advance_to(local(two_months_after(game_day), time(12, 1)))
    step("Два месяца после игры: приглашение на повторную игру — только Смирновым")
    await rules_tick(world)
    step.report(dasha)
    invited = [world.state.leads[lead].name for lead, _ in world.state.salesbots[INVITE_BOT].runs]
    summary.notes.append(f"Salesbot «Приглашение на повторную игру» запущен для: {invited}")
    return summary


async def shifts(
    world: DemoWorld, dasha: Person, roman: Person, daily: tuple[Person, ...]
) -> None:
    """2/2: Дарья today and tomorrow, Роман the two days after; the rest every day."""
    today = world.clock().astimezone(MOSCOW).date()
    db, now = world.runtime.db, world.clock()
    for person, anchor in ((dasha, today), (roman, today + timedelta(days=2))):
        spec = spec_of(cycle="2/2", anchor=anchor, hours="10:00-22:00")
        await set_schedule(db, person.crm_user_id, spec, now)
    for person in daily:
        spec = spec_of(weekly=["mon-sun 10:00-22:00"])
        await set_schedule(db, person.crm_user_id, spec, now)


def local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, MOSCOW).astimezone(UTC)


def two_months_after(day: date) -> date:
    month = day.month + 2
    year, month = day.year + (month - 1) // 12, (month - 1) % 12 + 1
    return date(year, month, min(day.day, 28))


async def booking_request(
    world: DemoWorld, to: Person, name: str, client: str, phone: str | int
) -> int:
    """A booking request from the site on «Новая заявка» (`phone`: a new client's; a contact id:
    a returning client, whom the CRM already has)."""
    contact = {"id": phone} if isinstance(phone, int) else {"name": client, "phone": phone}
    body = {
        "name": name,
        "price": 9_000,
        "pipeline_id": world.info.pipelines[PIPELINE],
        "status_id": world.info.stage(PIPELINE, "Новая заявка"),
        "responsible_user_id": to.crm_user_id,
        "contact": contact,
        "source": "Сайт",
    }
    created = await world.control("POST", "/_sandbox/leads", body)
    await world.settle()
    return int(created["id"])


async def booking_done(world: DemoWorld, deal: int) -> None:
    """Дарья closes her «get the booking» task in the CRM: the booking is handed over."""
    for task in world.state.open_tasks_of(deal):
        if task.text.startswith("Получить бронь"):
            path = f"/_sandbox/tasks/{task.id}/complete"
            await world.control("POST", path, {"result": "Бронь передана администратору"})
    await world.settle()


async def fill(world: DemoWorld, deal: int, values: dict[str, Any]) -> None:
    """The manager writes the booking into the deal's fields (a date as its midnight)."""
    fields: dict[int, Any] = {}
    for name, value in values.items():
        if isinstance(value, date):
            value = int(datetime.combine(value, time(0), MOSCOW).timestamp())
        fields[world.info.fields[name]] = value
    await world.runtime.services.crm.update_deal(deal, DealPatch(custom_fields=fields))
    await world.settle()
