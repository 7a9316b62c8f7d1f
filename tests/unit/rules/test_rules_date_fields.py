"""What a reader sees of a date field on a hand-off card: the day, not unix seconds (plain data:
the rendering, no CRM or Telegram)."""

from __future__ import annotations

from datetime import UTC, datetime

from nextstep.bot.config import REPO_ROOT
from nextstep.bot.engine.rules.effects import FieldLine
from nextstep.bot.i18n import Texts, build_i18n
from nextstep.bot.services.cards import date_text
from nextstep.bot.services.rules.views import handoff_base

I18N = build_i18n(REPO_ROOT / "locales")
RU = Texts(I18N, "ru", "Europe/Moscow")
EN = Texts(I18N, "en", "Europe/Moscow")
GAME_DAY = int(datetime(2026, 11, 27, 21, 0, tzinfo=UTC).timestamp())  # 28.11 00:00 Moscow


def test_a_date_field_reads_as_the_local_day() -> None:
    assert date_text(GAME_DAY, "date", RU) == "28 ноября"
    assert date_text(str(GAME_DAY), "birthday", EN) == "28 November"
    assert date_text(GAME_DAY, "date_time", RU) == "28 ноября, 00:00"
    assert date_text(GAME_DAY, "numeric", RU) is None
    assert date_text("16:00", "date", RU) is None


def test_the_hand_off_card_shows_the_game_day_not_seconds() -> None:
    fields = (
        FieldLine("Дата игры", "Дата игры", GAME_DAY, True, "date"),
        FieldLine("Количество игроков", "Количество игроков", 6, False, "numeric"),
    )
    card = handoff_base(RU, "Новая бронь", "Смирновы", fields, "Дарья Орлова")
    assert "• Дата игры: 28 ноября" in card
    assert "• Количество игроков: 6" in card
