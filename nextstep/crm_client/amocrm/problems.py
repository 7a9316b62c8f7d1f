"""Turning amoCRM error answers (problem+json, or plain text for 429) into typed errors."""

from __future__ import annotations

import json
from typing import Any

import httpx

from nextstep.crm_client.errors import (
    CrmBadRequest,
    CrmForbidden,
    CrmNotFound,
    CrmPaymentRequired,
    CrmRateLimited,
    CrmServerError,
    CrmStatusError,
    CrmUnauthorized,
)

_MAX_TEXT = 300


def response_body(response: httpx.Response) -> Any:
    """The decoded JSON body, or the (truncated) text when it is not JSON, or None if empty."""
    if not response.content:
        return None
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return response.text[:_MAX_TEXT]


def problem_detail(body: Any) -> str:
    """A one-line summary of a problem+json body: "title: detail (hint)"."""
    if isinstance(body, dict):
        parts = [str(body[k]) for k in ("title", "detail") if body.get(k)]
        text = ": ".join(parts)
        hint = body.get("hint")
        if hint:
            text = f"{text} ({hint})" if text else str(hint)
        return text
    if isinstance(body, str):
        return body.strip()[:_MAX_TEXT]
    return ""


def validation_messages(body: Any) -> list[str]:
    """The API's validation errors as "path: detail" strings.

    amoCRM: `validation-errors: [{request_id, errors: [{code, path, detail}]}]`; some answers
    carry a flat `errors` list or an `errors` mapping of path → message instead.
    """
    if not isinstance(body, dict):
        return []
    messages: list[str] = []
    for group in body.get("validation-errors") or []:
        if not isinstance(group, dict):
            continue
        for item in group.get("errors") or []:
            messages.append(_one_message(item))
    errors = body.get("errors")
    if isinstance(errors, list):
        messages.extend(_one_message(item) for item in errors)
    elif isinstance(errors, dict):
        messages.extend(f"{path}: {detail}" for path, detail in errors.items())
    return [m for m in messages if m]


def _one_message(item: Any) -> str:
    if not isinstance(item, dict):
        return str(item)
    path = item.get("path") or ""
    detail = item.get("detail") or item.get("code") or ""
    return f"{path}: {detail}" if path else str(detail)


def error_for(response: httpx.Response, *, retry_after: float | None = None) -> CrmStatusError:
    """The typed error for a non-2xx answer."""
    status = response.status_code
    body = response_body(response)
    detail = problem_detail(body)
    if status in (400, 422):
        return CrmBadRequest(status, detail, body, validation_messages(body))
    if status == 401:
        return CrmUnauthorized(status, detail, body)
    if status == 402:
        return CrmPaymentRequired(status, detail, body)
    if status == 403:
        return CrmForbidden(status, detail, body)
    if status == 404:
        return CrmNotFound(status, detail, body)
    if status == 429:
        return CrmRateLimited(status, detail, retry_after=retry_after)
    if status >= 500:
        return CrmServerError(status, detail, body)
    return CrmStatusError(status, detail, body)
