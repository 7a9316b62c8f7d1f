"""What a date reminder says to a person: the rule's label (or the date field's CRM name) and how
far the date is, in their language — never the rule's YAML name or its offset ("-3d")."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from nextstep.bot.config import REPO_ROOT
from nextstep.bot.engine.rules.effects import Tell
from nextstep.bot.engine.rules.events import TimerDue
from nextstep.bot.engine.texts import Span
from nextstep.bot.i18n import Texts, build_i18n
from nextstep.bot.playbook.loader import parse_playbook
from nextstep.bot.playbook.resolve import resolve
from tests.unit.playbooks.businesses import ONLINE_SCHOOL
from tests.unit.rules.rules_world import at, facts, run

I18N = build_i18n(REPO_ROOT / "locales")
RU = Texts(I18N, "ru", "Europe/Moscow")
EN = Texts(I18N, "en", "Europe/Moscow")
SCHOOL = ONLINE_SCHOOL.resolved()


def student(pay_date: str = "2026-03-20") -> object:
    values = {"Рассрочка": "да", "Дата следующего платежа": pay_date}
    return facts(ONLINE_SCHOOL, "Сопровождение", "Обучение", fields=values, name="Иван Петров")


def told(key: str, deal: object, now: datetime, rp: object = SCHOOL) -> Tell:
    (tell,) = run(TimerDue(key), deal, rp, at(now)).of(Tell)  # type: ignore[arg-type]
    return tell


@pytest.mark.parametrize(
    ("offset", "fires", "ru", "en"),
    [
        ("-3d", 17, "через 3 дня", "in 3 days"),
        ("-1d", 19, "завтра", "tomorrow"),
        ("0d", 20, "сегодня", "today"),
    ],
)
def test_the_installment_reminder_says_when_the_payment_is_due(
    offset: str, fires: int, ru: str, en: str
) -> None:
    tell = told(f"date:installment_payment:{offset}:2026-03-20", student(), _utc(fires, 7))
    assert RU.text(tell.text) == f"📅 Оплата рассрочки: {ru} (20 марта) — сделка «Иван Петров»"
    assert EN.text(tell.text) == f"📅 Оплата рассрочки: {en} (20 March) — deal “Иван Петров”"


def test_without_a_label_the_date_fields_crm_name_is_said() -> None:
    deal = facts(
        ONLINE_SCHOOL,
        "Сопровождение",
        "Обучение",
        fields={"Дата окончания курса": "2026-03-27"},
        name="Иван Петров",
    )
    tell = told("date:course_end_renewal:-7d:2026-03-27", deal, _utc(20, 8))
    text = RU.text(tell.text)
    assert text == "📅 Дата окончания курса: через 7 дней (27 марта) — сделка «Иван Петров»"
    assert "course_end_renewal" not in text
    assert "-7d" not in text


def test_an_event_anchor_without_a_label_says_what_happened() -> None:
    rule = (
        "date_rules:\n  - {name: won_followup, pipelines: [Сопровождение], date: {event: won}, "
        "offsets: [2mo], notify: responsible}\n"
    )
    book = ONLINE_SCHOOL.path.read_text(encoding="utf-8").replace("date_rules:\n", rule)
    rp = resolve(parse_playbook(book), ONLINE_SCHOOL.pipelines, ONLINE_SCHOOL.reasons)
    won = datetime(2026, 1, 10, 15, 0, tzinfo=UTC)
    deal = facts(ONLINE_SCHOOL, "Сопровождение", 142, closed_at=won, name="Иван Петров")
    tell = told("date:won_followup:+2mo:2026-01-10T18:00+03:00", deal, _utc(10, 15), rp)
    assert RU.text(tell.text) == "📅 Сделка «Иван Петров» выиграна 2 месяца назад (10 января)"
    assert EN.text(tell.text) == "📅 The deal “Иван Петров” was won 2 months ago (10 January)"


@pytest.mark.parametrize(
    ("span", "ru", "en"),
    [
        (Span(), "сегодня", "today"),
        (Span(days=1), "завтра", "tomorrow"),
        (Span(days=-1), "вчера", "yesterday"),
        (Span(days=10), "через 10 дней", "in 10 days"),
        (Span(months=-2), "2 месяца назад", "2 months ago"),
    ],
)
def test_a_span_reads_as_a_distance_from_today(span: Span, ru: str, en: str) -> None:
    assert (RU.span(span), EN.span(span)) == (ru, en)


def _utc(day: int, hour: int) -> datetime:
    return datetime(2026, 3, day, hour, 0, tzinfo=UTC)
