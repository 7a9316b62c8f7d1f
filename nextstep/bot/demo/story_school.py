"""`nextstep demo --playbook online-school`: story 000's day at the online business school.

Two leads land on Мария: one after a webinar, one from the site; round robin passes the site
lead to Дмитрий. Мария does not take the webinar lead within its priority window (5 minutes
while it is under 4 hours old, against 10 for the rest): it goes by itself to the next manager
on shift — Дмитрий, not Ольга, whose evening shift has not begun. Дмитрий takes both in one click,
reaches Антон, and the sale is won with an internal installment: a student deal starts in
«Сопровождение» for the account manager Елена. The countdown to the next payment gives Елена a
reminder task and a card 3 days and 1 day before it and on the day; on the course's last day the
«NPS» task's card offers 0–10: a 6 is written to the deal, Елена gets a task to find out what
went wrong, and the head Герман is told.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from nextstep.bot.demo.harness import DemoWorld, Person
from nextstep.bot.demo.script import Step, Summary
from nextstep.bot.demo.story_jobs import rules_tick, sla_sweep
from nextstep.bot.services.sla.schedules import set_schedule, spec_of
from nextstep.crm_client.models import DealPatch

TAKE = "🚀 Взять в работу"
REACHED = "✅ Дозвонился"
WON = "🏆 Успешно реализовано"
NPS_SCORE = "6"


async def online_school_day(world: DemoWorld) -> Summary:
    maria, dmitry, olga = world.by_role("manager")
    elena = world.by_role("account_manager")[0]
    head = world.by_role("head")[0]
    summary, step = Summary(), Step(world)
    evening = spec_of(weekly=["mon-fri 14:00-22:00"])
    await set_schedule(world.runtime.db, olga.crm_user_id, evening, world.clock())

    step(
        "После вебинара и с сайта приходят две заявки на Марию; round robin отдаёт вторую Дмитрию"
    )
    webinar = await new_lead(world, maria, "Вебинар", "Вебинар", "Антон Белов")
    site = await new_lead(world, maria, "Продажи", "Сайт", "Вера Климова")
    summary.deals.update({webinar: "Антон (после вебинара)", site: "Вера (с сайта)"})
    await sla_sweep(world)
    step.report(maria, dmitry)

    await world.advance(6)
    step("6 минут: Мария не взяла заявку с вебинара (у них 5 минут) — она уходит дежурному")
    await sla_sweep(world)
    step.report(maria, dmitry, olga)

    step("Дмитрий берёт обе заявки в работу одной кнопкой")
    await world.press(dmitry, TAKE, deal=webinar)
    await world.press(dmitry, TAKE, deal=site)
    step.report(dmitry)

    await world.advance(15)
    step("Подходит срок первого звонка Антону: Дмитрий дозвонился")
    await world.tick()
    await world.press(dmitry, REACHED, deal=webinar)
    await world.say(dmitry, "Берёт курс «Масштаб», в рассрочку на 3 платежа")
    step.report(dmitry)

    now = world.clock()
    payment = _local_day(now, 6)  # the next installment: next Monday
    course_end = _local_day(now, 10)
    step("Дмитрий вносит курс и рассрочку в CRM и закрывает продажу → студент у аккаунт-менеджера")
    await fill(world, webinar, {
        "Курс": "Масштаб",
        "Рассрочка": True,
        "Дата следующего платежа": payment,
        "Дата окончания курса": course_end,
        "utm_source": "webinar-2311",
    })  # fmt: skip
    before = set(world.state.leads)
    await world.press(dmitry, WON)
    await rules_tick(world)
    (student,) = set(world.state.leads) - before
    summary.deals[student] = "Антон, студент"
    step.report(dmitry, elena)

    countdown = (
        (payment - timedelta(days=3, hours=-10), "За 3 дня до платежа: напоминание Елене"),
        (course_end - timedelta(days=7, hours=-11), "За неделю до конца курса: следующий курс"),
        (payment - timedelta(days=1, hours=-10), "За день до платежа: напоминание Елене"),
        (payment + timedelta(hours=10), "День платежа: напоминание Елене"),
        (course_end + timedelta(hours=12), "Последний день курса: задача «Собрать NPS»"),
    )
    for when, title in countdown:
        await world.advance_to(when + timedelta(minutes=1))
        step(title)
        await rules_tick(world)
        step.report(elena)

    step(f"Студент ставит {NPS_SCORE} из 10: Елене задача разобраться, руководитель в курсе")
    await world.press(elena, NPS_SCORE, deal=student)
    step.report(elena, head)
    nps = world.state.leads[student].custom_fields.get(world.info.fields["NPS"])
    summary.notes.append(f"NPS в сделке студента: {nps[0]['value'] if nps else '—'}")
    return summary


def _local_day(now: datetime, days: int) -> datetime:
    """Midnight (Moscow) `days` after today: a date field's value."""
    zone = ZoneInfo("Europe/Moscow")
    day = now.astimezone(zone).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


async def new_lead(world: DemoWorld, to: Person, pipeline: str, source: str, client: str) -> int:
    """A lead on «Лид распределён» with its source, as the site form or webinar sends it."""
    body = {
        "name": f"{client}: заявка ({source.lower()})",
        "price": 89_000,
        "pipeline_id": world.info.pipelines[pipeline],
        "status_id": world.info.stage(pipeline, "Лид распределён"),
        "responsible_user_id": to.crm_user_id,
        "contact": {"name": client, "phone": "+79161234567"},
        "source": source,
    }
    created = await world.control("POST", "/_sandbox/leads", body)
    await world.settle()
    return int(created["id"])


async def fill(world: DemoWorld, deal: int, values: dict[str, Any]) -> None:
    """The manager fills fields in the CRM (a date as its midnight)."""
    fields = {
        world.info.fields[name]: int(v.timestamp()) if isinstance(v, datetime) else v
        for name, v in values.items()
    }
    await world.runtime.services.crm.update_deal(deal, DealPatch(custom_fields=fields))
    await world.settle()
