"""Webhook mode: pending updates are POSTed to the bot's URL, one at a time, in order.

As Telegram does, an update stays pending (``getWebhookInfo.pending_update_count``) until the
bot's server answers 2xx; a failure is recorded as ``last_error_message`` and retried. A reply
body carrying a method (JSON ``{"method": ...}`` or aiogram's multipart reply) is executed as if
the bot had called it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import Any

import aiohttp

from .errors import ApiError
from .methods import call_method
from .params import Params, Upload
from .state import EmulatorState, Json, Webhook

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookDeliverer:
    def __init__(
        self,
        state: EmulatorState,
        session: aiohttp.ClientSession,
        *,
        retry_delay: float = 0.5,
        request_timeout: float = 10.0,
    ) -> None:
        self.state = state
        self.session = session
        self.retry_delay = retry_delay
        self.request_timeout = request_timeout
        self.delivered = 0

    async def run(self) -> None:
        state = self.state
        while not state.closing:
            hook = state.webhook
            if hook is not None:
                state.drop_unwanted(state.allowed_updates)
            if hook is None or not state.updates:
                await state.changes.wait(1.0)
                continue
            update = state.updates[0]
            if await self._deliver(hook, update):
                self.delivered += 1
                state.updates = [u for u in state.updates if u is not update]
                state.changes.bump()
            else:
                await asyncio.sleep(self.retry_delay)

    async def _deliver(self, hook: Webhook, update: Json) -> bool:
        headers = {"Content-Type": "application/json"}
        if hook.secret_token:
            headers[SECRET_HEADER] = hook.secret_token
        try:
            async with self.session.post(
                hook.url,
                data=json.dumps(update, ensure_ascii=False).encode(),
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.request_timeout),
            ) as response:
                if not 200 <= response.status < 300:
                    self._fail(
                        hook,
                        f"Wrong response from the webhook: {response.status} "
                        f"{response.reason or ''}".rstrip(),
                    )
                    return False
                reply = await self._read_reply(response)
        except (aiohttp.ClientError, TimeoutError) as exc:
            self._fail(hook, f"Connection failed: {exc.__class__.__name__}: {exc}")
            return False
        if reply is not None:
            await self._execute_reply(reply)
        return True

    def _fail(self, hook: Webhook, message: str) -> None:
        hook.last_error_date = int(time.time())
        hook.last_error_message = message
        self.state.changes.bump()

    async def _read_reply(self, response: aiohttp.ClientResponse) -> Params | None:
        if response.content_type == "application/json":
            with contextlib.suppress(ValueError):
                body: Any = await response.json()
                if isinstance(body, dict) and isinstance(body.get("method"), str):
                    return Params(body)
            return None
        if response.content_type != "multipart/form-data":
            return None
        values: dict[str, Any] = {}
        files: dict[str, Upload] = {}
        reader = aiohttp.MultipartReader(response.headers, response.content)
        async for part in reader:
            if not isinstance(part, aiohttp.BodyPartReader) or part.name is None:
                continue
            data = await part.read(decode=True)
            if part.filename:
                content_type = part.headers.get("Content-Type", "application/octet-stream")
                files[part.name] = Upload(part.filename, bytes(data), content_type)
            else:
                values[part.name] = bytes(data).decode()
        return Params(values, files) if isinstance(values.get("method"), str) else None

    async def _execute_reply(self, params: Params) -> None:
        method = str(params.values.pop("method"))
        try:
            await call_method(self.state, method, params)
        except ApiError as exc:
            log.info("webhook reply %s failed: %s", method, exc.description)
