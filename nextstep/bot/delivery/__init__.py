"""The outbox relays: TelegramSender (messages, within Telegram's limits) and CrmWriteRelay
(CRM writes, in order per deal). See docs/bot-layer.md for the payloads they carry."""

from nextstep.bot.delivery.backoff import Backoff
from nextstep.bot.delivery.crm import RETRY_ACTION, CrmWriteRelay, OnWritten
from nextstep.bot.delivery.leases import requeue_dead
from nextstep.bot.delivery.telegram import TelegramSender

__all__ = [
    "RETRY_ACTION",
    "Backoff",
    "CrmWriteRelay",
    "OnWritten",
    "TelegramSender",
    "requeue_dead",
]
