"""Story 000 end to end (bot + sandbox CRM + Telegram emulator over HTTP): the online school's
webinar priority and automatic reassignment, the student deal for the account manager, the
installment countdown and NPS — partly on a fresh world, partly on the demo's own script."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date

from nextstep.bot.demo.cli import play
from nextstep.bot.demo.harness import DemoWorld
from nextstep.bot.demo.script import Summary
from nextstep.bot.demo.story_jobs import sla_sweep
from nextstep.bot.demo.story_school import TAKE, new_lead, online_school_day
from nextstep.bot.services.sla.schedules import set_schedule, spec_of
from nextstep.sandbox.crm import Lead
from tests.e2e.e2e_world import world_for

REMINDER = "Напомнить об оплате рассрочки"


@pytest.fixture
async def played() -> AsyncIterator[tuple[DemoWorld, Summary]]:
    async with world_for("online-school") as world:
        yield world, await online_school_day(world)


MOSCOW = ZoneInfo("Europe/Moscow")


def student_of(world: DemoWorld, summary: Summary) -> Lead:
    (deal,) = [d for d, t in summary.deals.items() if t == "Антон, студент"]
    return world.state.leads[deal]


async def test_the_demo_plays_the_online_schools_day(capsys: pytest.CaptureFixture[str]) -> None:
    assert await play("online-school") == 0
    out = capsys.readouterr().out
    assert "Елена Сафонова (account_manager)" in out
    assert "📅 Оплата рассрочки: через 3 дня (" in out
    assert "installment_payment" not in out
    assert "клиент поставил NPS 6" in out
    assert "Антон, студент: Новый студент" in out


async def test_an_untaken_webinar_lead_goes_to_the_manager_on_shift_after_5_minutes() -> None:
    async with world_for("online-school") as world:
        maria, dmitry, olga = world.by_role("manager")
        evening = spec_of(weekly=["mon-fri 14:00-22:00"])
        await set_schedule(world.runtime.db, olga.crm_user_id, evening, world.clock())
        webinar = await new_lead(world, maria, "Вебинар", "Вебинар", "Антон Белов")
        await sla_sweep(world)
        site = await new_lead(world, maria, "Продажи", "Сайт", "Вера Климова")
        await sla_sweep(world)  # round robin: the second lead goes to the next in line
        assert world.state.leads[site].responsible_user_id == dmitry.crm_user_id
        await world.press(dmitry, TAKE, deal=site)  # Дмитрий is busy with one lead now

        await world.advance(4)
        await sla_sweep(world)
        assert world.state.leads[webinar].responsible_user_id == maria.crm_user_id

        await world.advance(2)  # 6 minutes: past the webinar window's 5
        await sla_sweep(world)
        lead = world.state.leads[webinar]
        assert lead.responsible_user_id == dmitry.crm_user_id  # Ольга is off shift
        take_tasks = [t for t in world.state.open_tasks_of(webinar) if "Взять в работу" in t.text]
        assert [t.responsible_user_id for t in take_tasks] == [dmitry.crm_user_id]
        card = await world.emu.wait_for_message(dmitry.telegram_id, "🆕 Новая сделка «Антон")
        assert TAKE in card.button_texts
        assert not world.bot_messages(olga)
        # Мария's card for it says where it went and can no longer take it.
        (stale,) = [m for m in world.bot_messages(maria) if "Новая сделка «Антон" in m.body]
        assert stale.body.endswith("🔀 Сделка передана: Дмитрий Зайцев.")
        assert stale.button_texts == []


async def test_a_site_lead_keeps_its_10_minutes() -> None:
    async with world_for("online-school") as world:
        maria, dmitry, _ = world.by_role("manager")
        site = await new_lead(world, maria, "Продажи", "Сайт", "Вера Климова")
        await sla_sweep(world)
        owner = world.state.leads[site].responsible_user_id
        await world.advance(6)
        await sla_sweep(world)
        assert world.state.leads[site].responsible_user_id == owner
        await world.advance(5)
        await sla_sweep(world)
        assert world.state.leads[site].responsible_user_id not in (owner, None)
        assert world.state.leads[site].responsible_user_id in (
            maria.crm_user_id,
            dmitry.crm_user_id,
        )


async def test_a_won_sale_becomes_a_student_deal_for_the_account_manager(played) -> None:
    world, summary = played
    elena = world.by_role("account_manager")[0]
    student = student_of(world, summary)
    assert world.state.pipelines[student.pipeline_id].name == "Сопровождение"
    assert student.responsible_user_id == elena.crm_user_id
    values = {
        world.state.custom_fields[f].name: v[0]["value"] for f, v in student.custom_fields.items()
    }
    assert values["Курс"] == "Масштаб"
    assert values["Рассрочка"] is True
    assert values["utm_source"] == "webinar-2311"
    tasks = [t.text for t in world.state.tasks.values() if t.entity_id == student.id]
    assert any(t.startswith("Выдать доступы и добавить в группу") for t in tasks)
    await world.emu.wait_for_message(elena.telegram_id, "🔗 Новая сделка для вас: «Студент:")


async def test_payment_reminders_3_days_1_day_and_on_the_day_go_to_the_account_manager(played):
    world, summary = played
    elena = world.by_role("account_manager")[0]
    student = student_of(world, summary)
    reminders = [
        t for t in world.state.tasks.values() if t.entity_id == student.id and REMINDER in t.text
    ]
    assert [t.responsible_user_id for t in reminders] == [elena.crm_user_id] * 3
    payment = world.state.custom_fields[world.info.fields["Дата следующего платежа"]]
    day = datetime.fromtimestamp(student.custom_fields[payment.id][0]["value"], UTC)
    created = sorted(datetime.fromtimestamp(t.created_at, UTC) for t in reminders)
    assert [(day - c).days for c in created] == [2, 0, -1]  # at 10:00: −3d, −1d, the day
    cards = [m.body for m in world.bot_messages(elena) if "📅 Оплата рассрочки" in m.body]
    pay_day = format_date(day.astimezone(MOSCOW).date(), "d MMMM", locale="ru")  # «12 марта»
    assert cards == [
        f"📅 Оплата рассрочки: {when} ({pay_day}) — сделка «{student.name}»"
        for when in ("через 3 дня", "завтра", "сегодня")
    ]
    # A rule without a label speaks of its date field by the CRM's name, not its YAML id.
    bodies = [m.body for m in world.bot_messages(elena)]
    assert any(b.startswith("📅 Дата окончания курса: через 7 дней (") for b in bodies)
    assert not [b for b in bodies if "course_end" in b or "-7d" in b]


async def test_nps_six_is_written_and_the_head_is_told(played) -> None:
    world, summary = played
    elena, head = world.by_role("account_manager")[0], world.by_role("head")[0]
    student = student_of(world, summary)
    assert student.custom_fields[world.info.fields["NPS"]][0]["value"] == 6
    told = await world.emu.wait_for_message(head.telegram_id, "NPS 6")
    assert "Студент: Антон" in told.body
    follow = [t for t in world.state.open_tasks_of(student.id) if "что пошло не так" in t.text]
    assert [t.responsible_user_id for t in follow] == [elena.crm_user_id]
    # The follow-up task is not a "collect NPS" task: no second card with score buttons.
    score_cards = [m.body for m in world.bot_messages(elena) if m.body.startswith("⭐")]
    assert len(score_cards) == 1
    assert "Собрать NPS по курсу" in score_cards[0]
