"""OAuth2: rotation persisted before use, one refresh for many callers, 401 → refresh → retry."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import httpx
import pytest
from pydantic import SecretStr

from nextstep.crm_client.amocrm import OAuthConfig
from nextstep.crm_client.errors import CrmAuthError, CrmServerError, CrmUnauthorized
from nextstep.crm_client.tokens import InMemoryTokenStore, OAuthTokens
from tests.unit.crm_client.amocrm_fakes import FakeClock, Router, body_of, hal

OAUTH = OAuthConfig(
    client_id="client-1", client_secret=SecretStr("client-secret"), redirect_uri="https://x/cb"
)
ACCOUNT = {"id": 1, "name": "Acme", "subdomain": "acme"}


def tokens(clock: FakeClock, n: int, *, valid_for: float = 86400) -> OAuthTokens:
    return OAuthTokens(
        access_token=f"access-{n}",
        refresh_token=f"refresh-{n}",
        expires_at=clock.now() + timedelta(seconds=valid_for),
    )


class TokenServer:
    """The token endpoint: rotates on each refresh and revokes the previous refresh token."""

    def __init__(self, store: InMemoryTokenStore, first: int = 1) -> None:
        self.store = store
        self.valid_refresh = f"refresh-{first}"
        self.n = first
        self.bodies: list[dict[str, str]] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        body = body_of(request)
        self.bodies.append(body)
        await asyncio.sleep(0)  # let concurrent callers pile up on the lock
        if body["grant_type"] == "refresh_token" and body["refresh_token"] != self.valid_refresh:
            return hal(400, {"title": "Bad Request", "hint": "Token has been revoked"})
        self.n += 1
        self.valid_refresh = f"refresh-{self.n}"
        return hal(
            200,
            {
                "token_type": "Bearer",
                "expires_in": 86400,
                "access_token": f"access-{self.n}",
                "refresh_token": f"refresh-{self.n}",
            },
        )


def account_handler(store: InMemoryTokenStore, seen: list[str]):
    async def handle(request: httpx.Request) -> httpx.Response:
        token = request.headers["Authorization"].removeprefix("Bearer ")
        seen.append(token)
        current = await store.load()
        assert current is not None
        if token != current.access_token:
            return hal(401, {"title": "Unauthorized", "status": 401, "detail": "expired"})
        return hal(200, ACCOUNT)

    return handle


async def test_rotated_refresh_token_is_saved_before_use_and_old_one_never_reused(
    make_client, router: Router, clock: FakeClock
):
    store = InMemoryTokenStore(tokens(clock, 1, valid_for=-1))  # already expired
    server = TokenServer(store)
    seen: list[str] = []
    router.add("POST", "/oauth2/access_token", server)
    router.add("GET", "/api/v4/account", account_handler(store, seen))
    client = make_client(oauth=OAUTH, token_store=store)

    assert (await client.get_account()).subdomain == "acme"
    # the API saw only the new token, and by then the store already held the new pair
    assert seen == ["access-2"]
    assert [t.refresh_token for t in store.saved] == ["refresh-2"]
    assert server.bodies[0] == {
        "client_id": "client-1",
        "client_secret": "client-secret",
        "redirect_uri": "https://x/cb",
        "grant_type": "refresh_token",
        "refresh_token": "refresh-1",
    }

    clock.advance(2 * 86400)  # the second pair expires too
    await client.get_account()
    assert [b["refresh_token"] for b in server.bodies] == ["refresh-1", "refresh-2"]
    assert [t.refresh_token for t in store.saved] == ["refresh-2", "refresh-3"]
    assert seen == ["access-2", "access-3"]


async def test_concurrent_requests_after_expiry_cause_exactly_one_refresh(
    make_client, router: Router, clock: FakeClock
):
    store = InMemoryTokenStore(tokens(clock, 1, valid_for=-1))
    server = TokenServer(store)
    seen: list[str] = []
    router.add("POST", "/oauth2/access_token", server)
    router.add("GET", "/api/v4/account", account_handler(store, seen))
    client = make_client(oauth=OAUTH, token_store=store, rate_limit=1000)

    results = await asyncio.gather(*(client.get_account() for _ in range(5)))

    assert all(a.id == 1 for a in results)
    assert len(server.bodies) == 1
    assert seen == ["access-2"] * 5


async def test_401_refreshes_once_and_retries_the_request(
    make_client, router: Router, clock: FakeClock
):
    # The token looks valid locally but the CRM revoked it (e.g. rotated from elsewhere).
    store = InMemoryTokenStore(tokens(clock, 1))
    server = TokenServer(store)
    router.add("POST", "/oauth2/access_token", server)
    router.add(
        "GET",
        "/api/v4/account",
        hal(401, {"title": "Unauthorized", "status": 401, "detail": "Token revoked"}),
        hal(200, ACCOUNT),
    )
    client = make_client(oauth=OAUTH, token_store=store)

    assert (await client.get_account()).name == "Acme"
    calls = router.calls("GET", "/api/v4/account")
    assert [c.headers["Authorization"] for c in calls] == ["Bearer access-1", "Bearer access-2"]
    assert len(server.bodies) == 1
    assert client.stats.token_refreshes == 1


async def test_401_again_after_refresh_raises_unauthorized_without_a_second_refresh(
    make_client, router: Router, clock: FakeClock
):
    store = InMemoryTokenStore(tokens(clock, 1))
    server = TokenServer(store)
    router.add("POST", "/oauth2/access_token", server)
    router.add("GET", "/api/v4/account", hal(401, {"title": "Unauthorized", "status": 401}))
    client = make_client(oauth=OAUTH, token_store=store)

    with pytest.raises(CrmUnauthorized):
        await client.get_account()
    assert len(server.bodies) == 1
    assert len(router.calls("GET", "/api/v4/account")) == 2


async def test_long_lived_token_401_is_unauthorized_with_no_token_request(client, router: Router):
    router.add("GET", "/api/v4/account", hal(401, {"title": "Unauthorized", "status": 401}))
    with pytest.raises(CrmUnauthorized):
        await client.get_account()
    assert router.calls("GET", "/api/v4/account")[0].headers["Authorization"] == (
        "Bearer long-lived-secret"
    )


async def test_exchange_code_saves_the_first_pair(make_client, router: Router, clock: FakeClock):
    store = InMemoryTokenStore()
    server = TokenServer(store, first=0)
    router.add("POST", "/oauth2/access_token", server)
    client = make_client(oauth=OAUTH, token_store=store)

    got = await client.exchange_code("one-time-code")

    assert got.refresh_token == "refresh-1"
    assert await store.load() == got
    assert got.expires_at == clock.now() + timedelta(seconds=86400)
    assert server.bodies[0]["grant_type"] == "authorization_code"
    assert server.bodies[0]["code"] == "one-time-code"


async def test_token_request_is_never_retried(make_client, router: Router, clock: FakeClock):
    store = InMemoryTokenStore(tokens(clock, 1, valid_for=-1))
    router.add("POST", "/oauth2/access_token", hal(503, {"title": "Service Unavailable"}))
    client = make_client(oauth=OAUTH, token_store=store)

    with pytest.raises(CrmServerError):  # transient, not "re-authorize"
        await client.get_account()
    assert len(router.calls("POST", "/oauth2/access_token")) == 1
    assert store.saved == []  # nothing half-saved


async def test_revoked_refresh_token_raises_auth_error_with_the_hint(
    make_client, router: Router, clock: FakeClock
):
    store = InMemoryTokenStore(tokens(clock, 1, valid_for=-1))
    server = TokenServer(store)
    server.valid_refresh = "someone-else-rotated-it"
    router.add("POST", "/oauth2/access_token", server)
    client = make_client(oauth=OAUTH, token_store=store)

    with pytest.raises(CrmAuthError, match="revoked"):
        await client.get_account()


async def test_oauth_without_stored_tokens_says_to_authorize(make_client):
    client = make_client(oauth=OAUTH, token_store=InMemoryTokenStore())
    with pytest.raises(CrmAuthError, match="authorize"):
        await client.get_account()


async def test_tokens_never_appear_in_reprs_or_logs(
    make_client, router: Router, clock: FakeClock, caplog
):
    caplog.set_level(logging.DEBUG)
    store = InMemoryTokenStore(tokens(clock, 1, valid_for=-1))
    router.add("POST", "/oauth2/access_token", TokenServer(store))
    router.add("GET", "/api/v4/account", hal(200, ACCOUNT))
    client = make_client(oauth=OAUTH, token_store=store)
    await client.get_account()

    texts = [repr(store), repr(client), str(await store.load()), caplog.text]
    for secret in ("access-1", "refresh-1", "access-2", "refresh-2", "client-secret"):
        assert all(secret not in text for text in texts), secret
    assert "***" in repr(await store.load())


def test_client_needs_exactly_one_kind_of_auth(make_client):
    with pytest.raises(ValueError, match="exactly one"):
        make_client(token=None)
    with pytest.raises(ValueError, match="exactly one"):
        make_client(token=SecretStr("t"), oauth=OAUTH)
