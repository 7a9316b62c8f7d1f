"""Authorization: a long-lived token, or OAuth2 with refresh-token rotation.

amoCRM issues a new refresh token on every refresh and revokes the old one at once. Hence:
- the new pair is saved to the TokenStore before the new access token is used;
- refreshes are serialized by one lock, and whoever gets the lock re-reads the store first
  (another coroutine or process may have refreshed meanwhile): concurrent callers that all saw
  the same expired token cause exactly one refresh;
- a token request is never retried automatically: if it timed out, the server may already have
  rotated the pair, and a blind retry with the old refresh token would only get "revoked".
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError

from nextstep.crm_client.amocrm.clock import Clock
from nextstep.crm_client.errors import CrmAuthError, CrmStatusError
from nextstep.crm_client.tokens import OAuthTokens, TokenStore

log = logging.getLogger(__name__)

TOKEN_PATH = "/oauth2/access_token"

#: Sends a token request (JSON payload) and returns the decoded answer; raises CrmError.
TokenRequester = Callable[[dict[str, str]], Awaitable[Any]]


class OAuthConfig(BaseModel):
    """The integration's credentials (from its settings page in amoCRM/Kommo)."""

    model_config = ConfigDict(frozen=True)

    client_id: str
    client_secret: SecretStr
    redirect_uri: str


class Authenticator(Protocol):
    @property
    def can_refresh(self) -> bool: ...

    async def access_token(self) -> str:
        """The token to send now (refreshing first if it is known to be expired)."""
        ...

    async def refresh(self, stale: str) -> str:
        """Called after a 401 for `stale`: returns a fresh token, or raises CrmAuthError."""
        ...


class LongLivedToken:
    """A long-lived token: nothing to refresh; a 401 means it was revoked or has expired."""

    can_refresh = False

    def __init__(self, token: SecretStr) -> None:
        if not token.get_secret_value():
            raise ValueError("the long-lived token is empty")
        self._token = token

    async def access_token(self) -> str:
        return self._token.get_secret_value()

    async def refresh(self, stale: str) -> str:
        raise CrmAuthError("a long-lived token cannot be refreshed; issue a new one")

    def __repr__(self) -> str:
        return "LongLivedToken(***)"


class OAuthSession:
    """OAuth2 tokens of one account, kept fresh and persisted through a TokenStore."""

    can_refresh = True

    def __init__(
        self,
        config: OAuthConfig,
        store: TokenStore,
        request_token: TokenRequester,
        clock: Clock,
        *,
        leeway: timedelta = timedelta(seconds=60),
    ) -> None:
        self._config = config
        self._store = store
        self._request_token = request_token
        self._clock = clock
        self._leeway = leeway
        self._lock = asyncio.Lock()
        self._current: OAuthTokens | None = None
        self.refresh_count = 0

    async def access_token(self) -> str:
        tokens = self._current
        if tokens is None:
            tokens = await self._store.load()
            if tokens is None:
                raise CrmAuthError("no OAuth tokens stored: authorize the integration first")
            self._current = tokens
        if tokens.is_expired(self._clock.now(), self._leeway):
            return await self.refresh(tokens.access_token)
        return tokens.access_token

    async def refresh(self, stale: str) -> str:
        async with self._lock:
            stored = await self._store.load()
            if stored is None:
                raise CrmAuthError("no OAuth tokens stored: authorize the integration first")
            if stored.access_token != stale and not stored.is_expired(
                self._clock.now(), self._leeway
            ):
                # Someone refreshed while we waited for the lock: use theirs.
                self._current = stored
                return stored.access_token
            tokens = await self._grant(
                {"grant_type": "refresh_token", "refresh_token": stored.refresh_token}
            )
            self.refresh_count += 1
            log.info("OAuth tokens refreshed; access token valid until %s", tokens.expires_at)
            return tokens.access_token

    async def exchange_code(self, code: str) -> OAuthTokens:
        """Trade a one-time authorization code (valid 20 minutes) for the first token pair."""
        async with self._lock:
            tokens = await self._grant({"grant_type": "authorization_code", "code": code})
            log.info("OAuth authorization code exchanged; valid until %s", tokens.expires_at)
            return tokens

    async def _grant(self, grant: dict[str, str]) -> OAuthTokens:
        """One token request; the new pair is saved before anybody can use it."""
        payload = {
            "client_id": self._config.client_id,
            "client_secret": self._config.client_secret.get_secret_value(),
            "redirect_uri": self._config.redirect_uri,
            **grant,
        }
        try:
            body = await self._request_token(payload)
        except CrmStatusError as exc:
            if exc.status >= 500 or exc.status == 429:
                raise  # transient: the caller may try again later (we never do it blindly)
            raise CrmAuthError(
                f"token request ({grant['grant_type']}) refused: {exc.status} {exc.detail}"
            ) from exc
        tokens = self._parse(body)
        await self._store.save(tokens)
        self._current = tokens
        return tokens

    def _parse(self, body: Any) -> OAuthTokens:
        if not isinstance(body, dict):
            raise CrmAuthError("token endpoint answered without a JSON object")
        try:
            expires_in = float(body.get("expires_in", 86400))
            return OAuthTokens(
                access_token=body.get("access_token", ""),
                refresh_token=body.get("refresh_token", ""),
                expires_at=self._clock.now() + timedelta(seconds=expires_in),
            )
        except (TypeError, ValueError, ValidationError) as exc:
            raise CrmAuthError("token endpoint answer lacks access/refresh tokens") from exc

    def __repr__(self) -> str:
        return f"OAuthSession(client_id={self._config.client_id!r}, tokens={self._current!r})"
