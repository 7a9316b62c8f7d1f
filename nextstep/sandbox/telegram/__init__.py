"""A Telegram Bot API emulator for the demo, the end-to-end tests and the delivery benchmark.

The real aiogram bot talks to it over HTTP::

    async with run_telegram_emulator(token="42:TEST") as emu:
        emu.add_user(1001, "Ivan")
        bot = emu.make_bot()   # Bot(token, session=AiohttpSession(api=from_base(emu.base_url)))
        await emu.user_sends(1001, "/start")
        reply = await emu.wait_for_message(1001)
"""

from .emulator import TelegramEmulator
from .errors import ApiError
from .ratelimit import RateLimits, Stats
from .runner import run_telegram_emulator
from .state import ApiCall, CallbackAnswer
from .views import Button, ChatMessage, PhotoView

__all__ = [
    "ApiCall",
    "ApiError",
    "Button",
    "CallbackAnswer",
    "ChatMessage",
    "PhotoView",
    "RateLimits",
    "Stats",
    "TelegramEmulator",
    "run_telegram_emulator",
]
