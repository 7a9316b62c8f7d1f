"""Buttons as the outbox carries them → Telegram's inline keyboard; notice texts."""

from __future__ import annotations

import pytest
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from nextstep.bot.delivery import texts
from nextstep.bot.delivery.keyboards import BadButtons, build_markup


def test_callback_buttons_get_the_c_prefix_and_links_stay_links() -> None:
    markup = build_markup(
        [[{"text": "Взять", "cb": "Ab12"}, {"text": "CRM", "url": "https://x.amocrm.ru/l/1"}]]
    )

    assert markup == InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text="Взять", callback_data="c:Ab12"),
                InlineKeyboardButton(text="CRM", url="https://x.amocrm.ru/l/1"),
            ]
        ]
    )


@pytest.mark.parametrize("buttons", [None, [], [[]]])
def test_no_buttons_means_no_keyboard(buttons: object) -> None:
    assert build_markup(buttons) is None


@pytest.mark.parametrize(
    "buttons",
    [{"text": "x"}, [{"text": "x", "cb": "1"}], [[{"cb": "1"}]], [[{"text": "x"}]]],
)
def test_malformed_buttons_are_refused(buttons: object) -> None:
    with pytest.raises(BadButtons):
        build_markup(buttons)


def test_notices_come_from_the_catalogs_in_the_readers_language() -> None:
    render = texts.make_render(None)

    ru = render("ru", texts.STAFF_UNREACHABLE, {"name": "Иван", "reason": "он заблокировал бота"})
    en = render("en", texts.CRM_RETRY_BUTTON, {})
    other = render("de", texts.CRM_RETRY_BUTTON, {})  # a language we lack: the default one

    assert ru.startswith("⚠️ Не могу писать сотруднику Иван: он заблокировал бота.")
    assert en == "Retry"
    assert other == "Повторить"


@pytest.mark.parametrize("locale", ["ru", "en"])
def test_every_notice_is_translated_in_both_catalogs(locale: str) -> None:
    render = texts.make_render(None)
    for key in texts.KEYS:
        assert render(locale, key, {}) != key, key


@pytest.mark.parametrize(
    ("error", "key"),
    [
        ("bot was blocked by the user", texts.REASON_BLOCKED),
        ("user is deactivated", texts.REASON_DEACTIVATED),
        ("bot was kicked from the group chat", texts.REASON_BLOCKED),
        ("something new", None),
    ],
)
def test_known_403_reasons_are_named_in_words(error: str, key: str | None) -> None:
    assert texts.reason_key(error) == key


def test_the_real_catalogs_are_used_and_missing_keys_still_read_well() -> None:
    from aiogram.utils.i18n import I18n

    from nextstep.bot.config import REPO_ROOT

    render = texts.make_render(I18n(path=REPO_ROOT / "locales", default_locale="ru"))

    text = render("en", texts.CRM_REFUSED, {"deal_id": "7", "what": "note", "errors": "• bad"})

    assert "#7" in text
    assert "• bad" in text
    assert texts.CRM_REFUSED not in text
