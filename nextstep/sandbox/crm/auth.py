"""Bearer tokens and the OAuth2 token endpoint, with amoCRM's rules.

A long-lived token (default `sandbox-token`) always works. OAuth: an auth code is single-use and
lives 20 minutes; each refresh issues a new refresh token and revokes the old one at once, so a
second use answers 400 with hint "Token has been revoked" (the trap a careless client falls in).
Access tokens expire after `access_ttl` seconds of the state's clock (tests use ~1 s).
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .hal import problem, problem_body
from .state import CrmState

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

OAUTH_PROBLEM_TYPE = "https://developers.amocrm.ru/v3/errors/OAuthProblemJson"
DEFAULT_TOKEN = "sandbox-token"


@dataclass(frozen=True)
class OAuthConfig:
    client_id: str = "sandbox-client"
    client_secret: str = "sandbox-secret"
    redirect_uri: str = "https://nextstep.example/oauth/amocrm/callback"
    access_ttl: int = 86_400
    refresh_ttl: int = 90 * 86_400
    code_ttl: int = 20 * 60


def issue_auth_code(state: CrmState, config: OAuthConfig) -> str:
    """A fresh authorization code, as amoCRM puts in the redirect after the user consents."""
    code = "def50200" + secrets.token_hex(24)
    state.oauth.codes[code] = state.now() + config.code_ttl
    return code


def _jwt(state: CrmState, exp: int) -> str:
    """A JWT-shaped access token (unsigned): clients may read `api_domain` from it."""

    def part(obj: dict[str, Any]) -> str:
        raw = json.dumps(obj, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    state.oauth.issued += 1
    payload = {
        "jti": secrets.token_hex(16),
        "iat": state.now(),
        "exp": exp,
        "account_id": state.account.id,
        "api_domain": "api-b.amocrm.ru",
        "n": state.oauth.issued,
    }
    return f"{part({'typ': 'JWT', 'alg': 'RS256'})}.{part(payload)}.{secrets.token_hex(32)}"


def _issue_pair(state: CrmState, config: OAuthConfig) -> dict[str, Any]:
    now = state.now()
    access = _jwt(state, now + config.access_ttl)
    refresh = "def50200" + secrets.token_hex(48)
    state.oauth.access[access] = now + config.access_ttl
    state.oauth.refresh[refresh] = now + config.refresh_ttl
    return {
        "token_type": "Bearer",
        "expires_in": config.access_ttl,
        "server_time": now,
        "access_token": access,
        "refresh_token": refresh,
    }


def _oauth_error(status: int, title: str, detail: str, hint: str) -> web.Response:
    return problem_body(
        status,
        {
            "title": title,
            "type": OAUTH_PROBLEM_TYPE,
            "status": status,
            "detail": detail,
            "hint": hint,
        },
    )


def token_endpoint(state: CrmState, config: OAuthConfig) -> Handler:
    """`POST /oauth2/access_token` (JSON or form body)."""

    async def handle(request: web.Request) -> web.StreamResponse:
        try:
            if request.content_type == "application/json":
                body = await request.json()
            else:
                body = dict(await request.post())
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return _oauth_error(400, "Bad Request", "Invalid request", "Body is not JSON")
        if (
            body.get("client_id") != config.client_id
            or body.get("client_secret") != config.client_secret
        ):
            return _oauth_error(
                401, "Unauthorized", "Client authentication failed", "Client authentication failed"
            )
        grant = body.get("grant_type")
        if body.get("redirect_uri") != config.redirect_uri:
            return _oauth_error(
                400, "Bad Request", "Invalid request", "Redirect URI does not match"
            )
        oauth = state.oauth
        now = state.now()
        if grant == "authorization_code":
            code = str(body.get("code") or "")
            if code in oauth.used_codes:
                return _oauth_error(
                    400, "Bad Request", "Invalid grant", "Authorization code has been revoked"
                )
            expires = oauth.codes.pop(code, None)
            if expires is None:
                return _oauth_error(
                    400, "Bad Request", "Invalid grant", "Cannot decrypt the authorization code"
                )
            oauth.used_codes.add(code)
            if expires < now:
                return _oauth_error(
                    400, "Bad Request", "Invalid grant", "Authorization code has expired"
                )
            return web.json_response(_issue_pair(state, config))
        if grant == "refresh_token":
            token = str(body.get("refresh_token") or "")
            if token in oauth.revoked_refresh:
                return _oauth_error(
                    400, "Bad Request", "The refresh token is invalid.", "Token has been revoked"
                )
            expires = oauth.refresh.pop(token, None)
            if expires is None:
                return _oauth_error(
                    400,
                    "Bad Request",
                    "The refresh token is invalid.",
                    "Cannot decrypt the refresh token",
                )
            oauth.revoked_refresh.add(token)
            if expires < now:
                return _oauth_error(
                    400, "Bad Request", "The refresh token is invalid.", "Token has expired"
                )
            return web.json_response(_issue_pair(state, config))
        return _oauth_error(
            400, "Bad Request", "Unsupported grant type", f"grant_type {grant!r} is not supported"
        )

    return handle


def bearer_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def check_token(state: CrmState, long_lived: frozenset[str], token: str | None) -> str | None:
    """None when the token may call the API, else why not (the 401 detail)."""
    if token is None:
        return "Authorization header with a Bearer token is required"
    if token in long_lived:
        return None
    if token in state.oauth.revoked_access:
        return "Token has been revoked"
    if token not in state.oauth.access:
        return "Invalid token"
    expires = state.oauth.access[token]
    if expires is not None and expires <= state.now():
        return "Token has expired"
    return None


def unauthorized(detail: str) -> web.Response:
    return problem(401, "Unauthorized", detail)
