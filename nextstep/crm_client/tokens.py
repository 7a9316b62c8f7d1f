"""OAuth2 token pair and the store that persists it.

amoCRM/Kommo rotate the refresh token on every refresh and the old one stops working at once,
so the pair must be saved *before* the new access token is used: a crash between "got new
tokens" and "saved them" would lock the bot out until someone re-authorizes. The store is a
protocol so the database-backed one lives with the storage layer, not here.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


def mask_secret(value: str | None) -> str:
    """What a token looks like in logs and reprs: its length, never its characters."""
    if not value:
        return "''"
    return f"'***({len(value)} chars)'"


class OAuthTokens(BaseModel):
    """An access/refresh token pair; `repr`/`str` never show the tokens themselves.

    The fields are plain strings (not SecretStr) so that a store can persist them as is;
    keep them out of logs: log the object, not the fields.
    """

    model_config = ConfigDict(frozen=True)

    access_token: str = Field(repr=False, min_length=1)
    refresh_token: str = Field(repr=False, min_length=1)
    expires_at: AwareDatetime

    def __repr_args__(self) -> Any:
        yield "access_token", _Masked(self.access_token)
        yield "refresh_token", _Masked(self.refresh_token)
        yield "expires_at", self.expires_at

    def is_expired(self, now: datetime, leeway: timedelta = timedelta(seconds=60)) -> bool:
        """True when the access token is expired or about to be (within `leeway`)."""
        return now + leeway >= self.expires_at


class _Masked:
    def __init__(self, value: str) -> None:
        self._value = value

    def __repr__(self) -> str:
        return mask_secret(self._value)


class TokenStore(Protocol):
    """Where the current token pair lives (one account). Implementations must be durable
    before `save` returns: the caller uses the new tokens right after."""

    async def load(self) -> OAuthTokens | None: ...

    async def save(self, tokens: OAuthTokens) -> None: ...


class InMemoryTokenStore:
    """A TokenStore for tests and the demo; loses the tokens when the process exits."""

    def __init__(self, tokens: OAuthTokens | None = None) -> None:
        self._tokens = tokens
        self.saved: list[OAuthTokens] = []  # every pair ever saved, oldest first (for tests)

    async def load(self) -> OAuthTokens | None:
        return self._tokens

    async def save(self, tokens: OAuthTokens) -> None:
        self._tokens = tokens
        self.saved.append(tokens)

    def __repr__(self) -> str:
        return f"InMemoryTokenStore(tokens={self._tokens!r})"
