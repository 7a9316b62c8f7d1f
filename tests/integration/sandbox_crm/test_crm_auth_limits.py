"""Tokens, OAuth rotation, and the request limit, as a client meets them over HTTP."""

from __future__ import annotations

import asyncio

import httpx

from nextstep.sandbox.crm import CrmState, OAuthConfig, issue_auth_code, run_crm_sandbox
from tests.integration.sandbox_crm.conftest import FrozenClock

OAUTH = OAuthConfig(access_ttl=60)


def token_request(grant: str, **extra: str) -> dict[str, str]:
    return {
        "client_id": OAUTH.client_id,
        "client_secret": OAUTH.client_secret,
        "redirect_uri": OAUTH.redirect_uri,
        "grant_type": grant,
        **extra,
    }


async def test_missing_or_bad_token_answers_401_problem(state: CrmState) -> None:
    async with run_crm_sandbox(state, rate_limit=None) as sb, httpx.AsyncClient() as client:
        for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic x"}):
            response = await client.get(f"{sb.base_url}/api/v4/account", headers=headers)
            assert response.status_code == 401
            assert response.headers["Content-Type"].startswith("application/problem+json")
            body = response.json()
            assert body["title"] == "Unauthorized"
            assert body["status"] == 401


async def test_oauth_code_refresh_rotation_and_revoked_reuse(
    state: CrmState, clock: FrozenClock
) -> None:
    async with (
        run_crm_sandbox(state, rate_limit=None, oauth=OAUTH) as sb,
        httpx.AsyncClient(base_url=sb.base_url) as client,
    ):
        code = issue_auth_code(state, OAUTH)
        first = await client.post(
            "/oauth2/access_token", json=token_request("authorization_code", code=code)
        )
        assert first.status_code == 200
        pair = first.json()
        assert pair["token_type"] == "Bearer"
        assert pair["expires_in"] == 60
        auth = {"Authorization": f"Bearer {pair['access_token']}"}
        assert (await client.get("/api/v4/account", headers=auth)).status_code == 200

        again = await client.post(
            "/oauth2/access_token", json=token_request("authorization_code", code=code)
        )
        assert again.status_code == 400  # a code is single-use

        refreshed = await client.post(
            "/oauth2/access_token",
            json=token_request("refresh_token", refresh_token=pair["refresh_token"]),
        )
        assert refreshed.status_code == 200
        new_pair = refreshed.json()
        assert new_pair["refresh_token"] != pair["refresh_token"]

        reuse = await client.post(
            "/oauth2/access_token",
            json=token_request("refresh_token", refresh_token=pair["refresh_token"]),
        )
        assert reuse.status_code == 400
        assert reuse.json()["hint"] == "Token has been revoked"

        clock.now += 61  # the access token lives 60 s
        expired = await client.get("/api/v4/account", headers=auth)
        assert expired.status_code == 401
        assert expired.json()["detail"] == "Token has expired"

        # the newest refresh token still works
        third = await client.post(
            "/oauth2/access_token",
            json=token_request("refresh_token", refresh_token=new_pair["refresh_token"]),
        )
        assert third.status_code == 200
        fresh = {"Authorization": f"Bearer {third.json()['access_token']}"}
        assert (await client.get("/api/v4/account", headers=fresh)).status_code == 200


async def test_expired_code_and_wrong_secret(state: CrmState, clock: FrozenClock) -> None:
    async with (
        run_crm_sandbox(state, oauth=OAUTH) as sb,
        httpx.AsyncClient(base_url=sb.base_url) as client,
    ):
        code = issue_auth_code(state, OAUTH)
        clock.now += 21 * 60
        late = await client.post(
            "/oauth2/access_token", json=token_request("authorization_code", code=code)
        )
        assert late.status_code == 400
        assert late.json()["hint"] == "Authorization code has expired"

        wrong = token_request("authorization_code", code=issue_auth_code(state, OAUTH))
        wrong["client_secret"] = "guess"
        assert (await client.post("/oauth2/access_token", json=wrong)).status_code == 401


async def test_over_seven_per_second_answers_429_plain_text(state: CrmState) -> None:
    async with (
        run_crm_sandbox(state, rate_limit=7.0) as sb,
        httpx.AsyncClient(base_url=sb.base_url, headers=sb.headers) as client,
    ):
        answers = await asyncio.gather(*(client.get("/api/v4/account") for _ in range(12)))
        codes = sorted(r.status_code for r in answers)
        assert codes.count(200) == 7
        assert codes.count(429) == 5
        limited = next(r for r in answers if r.status_code == 429)
        assert limited.headers["Content-Type"].startswith("text/plain")
        assert "Retry-After" not in limited.headers
        assert not limited.text.lstrip().startswith("{")


async def test_repeated_429s_block_the_account_with_403(state: CrmState) -> None:
    async with (
        run_crm_sandbox(state, rate_limit=2.0, block_after_429s=5) as sb,
        httpx.AsyncClient(base_url=sb.base_url, headers=sb.headers) as client,
    ):
        answers = [await client.get("/api/v4/account") for _ in range(12)]
        codes = [r.status_code for r in answers]
        assert codes[:2] == [200, 200]
        assert 429 in codes
        assert codes[-1] == 403
        assert answers[-1].json()["status"] == 403
