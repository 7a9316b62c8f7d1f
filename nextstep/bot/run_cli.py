"""`nextstep run`: the production process (bot, CRM webhooks, scheduler) until a signal."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal

from nextstep.bot.app import Runtime
from nextstep.bot.config import Settings

log = logging.getLogger("nextstep")


async def serve(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with Runtime(settings) as runtime:
        mode = "webhook" if settings.telegram_webhook_url else "long polling"
        log.info(
            "Nextstep is running: Telegram by %s, CRM webhooks at http://%s:%s/webhooks/amocrm/…",
            mode,
            settings.http_host,
            runtime.http_port,
        )
        await stop.wait()
    log.info("Nextstep stopped")


def cmd_run(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = Settings()
    if not settings.bot_token.get_secret_value():
        log.error("BOT_TOKEN is not set (see .env.example); `nextstep demo` needs none")
        return 2
    if not settings.amocrm_base_url:
        log.error("AMOCRM_BASE_URL is not set (see .env.example)")
        return 2
    asyncio.run(serve(settings))
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("run", help="run the bot, the CRM webhook server and the scheduler")
    parser.add_argument("--log-level", default="INFO")
    parser.set_defaults(func=cmd_run)
