"""A real aiogram Bot + Dispatcher long-polling the emulator: what the user sees and what the
bot's calls raise."""

from __future__ import annotations

import pytest
from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from nextstep.sandbox.telegram import TelegramEmulator, run_telegram_emulator
from tests.integration.sandbox_telegram.tg_emulator_bot import IVAN, OLGA

PNG_1x1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


async def test_start_reaches_the_handler_and_the_chat_shows_its_keyboard(
    emu: TelegramEmulator, polling: Dispatcher
) -> None:
    await emu.user_sends(IVAN, "/start abc")

    reply = await emu.wait_for_message(IVAN, "payload=abc")

    assert reply.text == "Привет, Иван! payload=abc"  # HTML parsed away, as the user sees it
    assert reply.buttons == [
        [("Взять в работу", "take:7")],
        [("Info", "info:7"), ("Open", "https://example.amocrm.ru/leads/detail/7")],
    ]
    transcript = emu.render_chat(IVAN)
    assert "Иван: /start abc" in transcript
    assert "[ Взять в работу ]" in transcript
    assert "[ Info ] [ Open ]" in transcript


async def test_pressing_a_button_shows_the_alert_and_the_edited_message(
    emu: TelegramEmulator, polling: Dispatcher
) -> None:
    await emu.user_sends(IVAN, "/start")
    card = await emu.wait_for_message(IVAN, "payload")

    query_id = await emu.user_presses(IVAN, card.message_id, "take:7")

    answer = await emu.wait_for(lambda: emu.callback_answer(query_id))
    assert answer.show_alert
    assert answer.text == "Сделка ваша"
    edited = await emu.wait_for(
        lambda: m if (m := emu.message(IVAN, card.message_id)).edited else None
    )
    assert edited.text == "Взято в работу"
    assert edited.buttons == []  # editMessageText without reply_markup drops the keyboard
    transcript = emu.render_chat(IVAN)
    assert "Иван pressed [ Взять в работу ]" in transcript
    assert "(alert: Сделка ваша)" in transcript


async def test_a_toast_answer_is_recorded_as_not_an_alert(
    emu: TelegramEmulator, polling: Dispatcher
) -> None:
    await emu.user_sends(OLGA, "/start")
    await emu.wait_for_message(OLGA, "payload")

    query_id = await emu.user_presses_button(OLGA, "Info")

    answer = await emu.wait_for(lambda: emu.callback_answer(query_id))
    assert (answer.text, answer.show_alert) == ("Deal #7", False)


async def test_edit_changes_the_chat_and_an_identical_edit_is_not_modified(
    emu: TelegramEmulator, bot: Bot
) -> None:
    sent = await bot.send_message(IVAN, "Задача: позвонить")
    await bot.edit_message_text("Задача: перезвонить", chat_id=IVAN, message_id=sent.message_id)

    assert emu.message(IVAN, sent.message_id).text == "Задача: перезвонить"
    assert emu.message(IVAN, sent.message_id).edited
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "Задача: перезвонить", chat_id=IVAN, message_id=sent.message_id
        )
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(chat_id=IVAN, message_id=sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=IVAN, message_id=999)


async def test_edit_reply_markup_replaces_and_removes_buttons(
    emu: TelegramEmulator, bot: Bot
) -> None:
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Done", callback_data="done:1")]]
    )
    sent = await bot.send_message(IVAN, "Card", reply_markup=keyboard)
    assert sent.reply_markup is not None  # the real shape comes back through pydantic
    assert sent.reply_markup.inline_keyboard[0][0].callback_data == "done:1"

    await bot.edit_message_reply_markup(chat_id=IVAN, message_id=sent.message_id)

    assert emu.message(IVAN, sent.message_id).buttons == []


async def test_blocked_user_and_unknown_chat(emu: TelegramEmulator, bot: Bot) -> None:
    emu.block(OLGA)

    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(OLGA, "hello?")
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(555, "hello?")
    assert emu.chat(OLGA) == []


async def test_flooding_one_chat_gets_retry_after_while_other_chats_pass(
    emu: TelegramEmulator, bot: Bot
) -> None:
    for n in range(3):  # the default burst passes
        await bot.send_message(IVAN, f"flood {n}")
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(IVAN, "flood 3")

    assert caught.value.retry_after >= 1
    assert "retry after" in caught.value.message
    await bot.send_message(OLGA, "still fine")
    stats = emu.stats
    assert stats.rate_limited == 1
    assert stats.per_chat[IVAN].accepted == 3  # the default burst
    assert stats.per_chat[OLGA].accepted == 1


async def test_the_global_limit_applies_across_chats() -> None:
    async with run_telegram_emulator(global_rate=2, global_burst=2) as emu:
        emu.add_user(1, "A")
        emu.add_user(2, "B")
        emu.add_user(3, "C")
        bot = emu.make_bot()
        try:
            await bot.send_message(1, "one")
            await bot.send_message(2, "two")
            with pytest.raises(TelegramRetryAfter):
                await bot.send_message(3, "three")
        finally:
            await bot.session.close()
    assert emu.stats.messages_accepted == 2


async def test_callback_data_over_64_bytes_is_rejected(emu: TelegramEmulator, bot: Bot) -> None:
    too_long = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="x", callback_data="д" * 33)]]  # 66 bytes
    )
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(IVAN, "card", reply_markup=too_long)
    assert emu.chat(IVAN) == []


async def test_text_limits_and_html_errors(emu: TelegramEmulator, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(IVAN, "x" * 4097)
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(IVAN, "2 < 3", parse_mode="HTML")

    sent = await bot.send_message(IVAN, "<i>a</i> &amp; <b>b</b>", parse_mode="HTML")

    assert sent.text == "a & b"
    assert [(e.type, e.offset, e.length) for e in sent.entities or []] == [
        ("italic", 0, 1),
        ("bold", 4, 1),
    ]


async def test_send_photo_is_stored_and_reusable_by_file_id(
    emu: TelegramEmulator, bot: Bot
) -> None:
    sent = await bot.send_photo(
        IVAN, BufferedInputFile(PNG_1x1, filename="kp.png"), caption="КП по сделке"
    )

    assert sent.photo is not None
    assert sent.photo[-1].file_size == len(PNG_1x1)
    view = emu.message(IVAN, sent.message_id)
    assert view.photo is not None
    assert (view.photo.size, view.photo.width, view.photo.height) == (len(PNG_1x1), 1, 1)
    assert view.caption == "КП по сделке"

    again = await bot.send_photo(IVAN, sent.photo[-1].file_id)
    assert again.photo is not None
    assert again.photo[-1].file_id == sent.photo[-1].file_id
    assert "[photo 1x1" in emu.render_chat(IVAN)


async def test_answering_a_callback_twice_is_too_old(emu: TelegramEmulator, bot: Bot) -> None:
    sent = await bot.send_message(
        IVAN,
        "card",
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="Go", callback_data="go")]]
        ),
    )
    query_id = await emu.user_presses(IVAN, sent.message_id, "go")

    await bot.answer_callback_query(query_id, text="ok")
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query_id, text="again")
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query("123", text="unknown")


async def test_delete_commands_and_chat_action(emu: TelegramEmulator, bot: Bot) -> None:
    from aiogram.types import BotCommand

    sent = await bot.send_message(IVAN, "temporary")
    await bot.delete_message(IVAN, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(IVAN, sent.message_id)
    assert emu.message(IVAN, sent.message_id).deleted
    assert "temporary" not in emu.render_chat(IVAN)

    await bot.set_my_commands([BotCommand(command="start", description="Начать")])
    assert emu.commands() == [{"command": "start", "description": "Начать"}]
    assert [c.command for c in await bot.get_my_commands()] == ["start"]
    await bot.delete_my_commands()
    assert emu.commands() == []

    await bot.send_chat_action(IVAN, "typing")
    assert emu.chat_action(IVAN) == "typing"


async def test_get_me_describes_the_bot(bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (42, True, "nextstep_sandbox_bot")
