"""A tiny aiogram router standing in for the product's handlers in the emulator tests."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.methods import SendMessage
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

IVAN = 1001
OLGA = 1002

KEYBOARD = InlineKeyboardMarkup(
    inline_keyboard=[
        [InlineKeyboardButton(text="Взять в работу", callback_data="take:7")],
        [
            InlineKeyboardButton(text="Info", callback_data="info:7"),
            InlineKeyboardButton(text="Open", url="https://example.amocrm.ru/leads/detail/7"),
        ],
    ]
)


def make_router() -> Router:
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message, command: CommandObject) -> None:
        name = message.from_user.first_name if message.from_user else "?"
        await message.answer(
            f"Привет, <b>{name}</b>! payload={command.args}",
            parse_mode="HTML",
            reply_markup=KEYBOARD,
        )

    @router.message(F.text == "echo-reply")
    async def echo_reply(message: Message) -> SendMessage:
        # Returned, not awaited: in webhook mode aiogram sends it as the webhook reply body.
        return message.answer("echoed via webhook reply")

    @router.callback_query(F.data.startswith("take:"))
    async def take(query: CallbackQuery) -> None:
        await query.answer("Сделка ваша", show_alert=True)
        if isinstance(query.message, Message):
            await query.message.edit_text("Взято в работу")

    @router.callback_query(F.data.startswith("info:"))
    async def info(query: CallbackQuery) -> None:
        await query.answer("Deal #7")

    return router
