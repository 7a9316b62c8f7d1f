"""The HTTP side: CRM webhooks into the inbox, the OAuth callback, health, Telegram's webhook."""

from nextstep.bot.web.app import create_web_app, start_web_server
from nextstep.bot.web.context import WEB_CONTEXT, InboxCallback, WebContext
from nextstep.bot.web.telegram import mount_telegram_webhook

__all__ = [
    "WEB_CONTEXT",
    "InboxCallback",
    "WebContext",
    "create_web_app",
    "mount_telegram_webhook",
    "start_web_server",
]
