"""Typed CRM errors, so callers decide retry/dead by type, never by parsing text."""

from __future__ import annotations

from typing import Any


class CrmError(Exception):
    """Base of every error the CRM client raises."""


class CrmConnectionError(CrmError):
    """The CRM could not be reached (DNS, refused, reset)."""


class CrmTimeout(CrmConnectionError):
    """The CRM did not answer in time."""


class CrmStatusError(CrmError):
    def __init__(self, status: int, detail: str = "", body: Any = None) -> None:
        self.status = status
        self.detail = detail
        self.body = body
        super().__init__(
            f"CRM answered {status}: {detail}" if detail else f"CRM answered {status}"
        )


class CrmBadRequest(CrmStatusError):
    """400/422: the API refused the input; `errors` holds its validation messages."""

    def __init__(
        self, status: int, detail: str = "", body: Any = None, errors: list[str] | None = None
    ) -> None:
        super().__init__(status, detail, body)
        self.errors = errors or []

    def __str__(self) -> str:
        base = super().__str__()
        return f"{base} ({'; '.join(self.errors)})" if self.errors else base


class CrmUnauthorized(CrmStatusError):
    """401: token invalid, expired or revoked."""


class CrmPaymentRequired(CrmStatusError):
    """402: the account is not paid."""


class CrmForbidden(CrmStatusError):
    """403: no rights, or the account/IP is blocked (often after repeated 429s)."""


class CrmNotFound(CrmStatusError):
    """The entity does not exist (amoCRM answers 204 for a GET of a missing id)."""


class CrmRateLimited(CrmStatusError):
    def __init__(self, status: int = 429, detail: str = "", retry_after: float | None = None):
        super().__init__(status, detail)
        self.retry_after = retry_after


class CrmServerError(CrmStatusError):
    """5xx."""


class CrmResponseError(CrmError):
    """A success answer this client cannot read (not JSON, or an entity missing its id)."""


class CrmAuthError(CrmError):
    """OAuth token exchange/refresh failed (bad code, revoked refresh token)."""


class WebhookParseError(ValueError):
    """A CRM webhook body could not be understood; `reason` says why, for a human."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)
