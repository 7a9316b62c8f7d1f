"""OAuth2 against the sandbox: code exchange, refresh-token rotation, the revoked-token trap."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import pytest
from pydantic import SecretStr

from nextstep.crm_client.amocrm import AmoCrmClient, OAuthConfig
from nextstep.crm_client.errors import CrmAuthError
from nextstep.crm_client.tokens import InMemoryTokenStore, OAuthTokens
from nextstep.sandbox.crm import CrmSandbox, CrmState, SeedInfo, issue_auth_code, run_crm_sandbox
from nextstep.sandbox.crm import OAuthConfig as SandboxOAuth
from tests.integration.crm_client.world import SharedClock, fast_retries

ACCESS_TTL = 600  # short next to amoCRM's day; the shared clock steps over it
SANDBOX_OAUTH = SandboxOAuth(access_ttl=ACCESS_TTL)
CLIENT_OAUTH = OAuthConfig(
    client_id=SANDBOX_OAUTH.client_id,
    client_secret=SecretStr(SANDBOX_OAUTH.client_secret),
    redirect_uri=SANDBOX_OAUTH.redirect_uri,
)


@dataclass
class SaveSnapshot:
    """What the sandbox had seen when a pair was saved."""

    tokens: OAuthTokens
    access_used_before_save: bool
    old_refresh_revoked: bool


class WatchingStore(InMemoryTokenStore):
    """An InMemoryTokenStore that notes, at each save, whether the sandbox had already received
    a request with the new access token (it must not have: save first, then use)."""

    def __init__(self, state: CrmState) -> None:
        super().__init__()
        self.state = state
        self.snapshots: list[SaveSnapshot] = []

    async def save(self, tokens: OAuthTokens) -> None:
        previous = self.saved[-1] if self.saved else None
        self.snapshots.append(
            SaveSnapshot(
                tokens=tokens,
                access_used_before_save=any(
                    w.token == tokens.access_token for w in self.state.writes
                ),
                old_refresh_revoked=previous is not None
                and previous.refresh_token in self.state.oauth.revoked_refresh,
            )
        )
        await super().save(tokens)


@asynccontextmanager
async def oauth_world(
    state: CrmState, clock: SharedClock, store: InMemoryTokenStore
) -> AsyncIterator[tuple[CrmSandbox, AmoCrmClient]]:
    async with (
        run_crm_sandbox(state, oauth=SANDBOX_OAUTH, rate_limit=None) as sb,
        AmoCrmClient(
            sb.base_url,
            oauth=CLIENT_OAUTH,
            token_store=store,
            clock=clock,
            rate_limit=1000.0,
            retry_policy=fast_retries(),
        ) as client,
    ):
        yield sb, client


async def test_code_exchange_then_refresh_rotates_and_saves_before_use(
    state: CrmState, seed: SeedInfo, clock: SharedClock
) -> None:
    store = WatchingStore(state)
    async with oauth_world(state, clock, store) as (_sb, client):
        first = await client.exchange_code(issue_auth_code(state, SANDBOX_OAUTH))
        assert store.saved == [first]
        assert (await client.get_account()).id == seed.account_id

        clock.advance(ACCESS_TTL)  # the access token is now expired on both sides
        deal_id = min(state.leads)
        note_id = await client.add_note(deal_id, "после обновления токена")

    assert len(store.saved) == 2
    second = store.saved[1]
    assert second.access_token != first.access_token
    assert second.refresh_token != first.refresh_token
    snapshot = store.snapshots[1]
    assert snapshot.old_refresh_revoked  # the server had rotated it...
    assert not snapshot.access_used_before_save  # ...and nothing used the new one yet
    (write,) = [w for w in state.writes if w.path == "/api/v4/leads/notes"]
    assert write.token == second.access_token
    assert state.notes[note_id].entity_id == deal_id


async def test_reusing_the_old_refresh_token_is_rejected(
    state: CrmState, seed: SeedInfo, clock: SharedClock
) -> None:
    store = InMemoryTokenStore()
    async with oauth_world(state, clock, store) as (sb, client):
        first = await client.exchange_code(issue_auth_code(state, SANDBOX_OAUTH))
        clock.advance(ACCESS_TTL)
        await client.get_account()  # refreshes: `first.refresh_token` is spent
        assert len(store.saved) == 2

        # Straight to the token endpoint with the spent refresh token: amoCRM's 400 "revoked".
        async with httpx.AsyncClient(base_url=sb.base_url) as raw:
            answer = await raw.post(
                "/oauth2/access_token",
                json={
                    "client_id": SANDBOX_OAUTH.client_id,
                    "client_secret": SANDBOX_OAUTH.client_secret,
                    "redirect_uri": SANDBOX_OAUTH.redirect_uri,
                    "grant_type": "refresh_token",
                    "refresh_token": first.refresh_token,
                },
            )
        assert answer.status_code == 400
        assert answer.json()["hint"] == "Token has been revoked"

        # A second process still holding the old, expired pair gets a clear auth error.
        stale = InMemoryTokenStore(first)
        async with AmoCrmClient(
            sb.base_url, oauth=CLIENT_OAUTH, token_store=stale, clock=clock, rate_limit=1000.0
        ) as other:
            with pytest.raises(CrmAuthError, match="revoked"):
                await other.get_account()
        assert stale.saved == []

        # The first client's current pair is unharmed by the failed attempt.
        assert (await client.get_account()).id == seed.account_id


async def test_concurrent_calls_on_an_expired_token_refresh_once(
    state: CrmState, seed: SeedInfo, clock: SharedClock
) -> None:
    store = InMemoryTokenStore()
    async with oauth_world(state, clock, store) as (_sb, client):
        await client.exchange_code(issue_auth_code(state, SANDBOX_OAUTH))
        clock.advance(ACCESS_TTL)
        deal_ids = sorted(state.leads)[:6]
        deals = await asyncio.gather(*(client.get_deal(i) for i in deal_ids))
    assert [d.id for d in deals if d is not None] == deal_ids
    assert len(store.saved) == 2  # the code exchange and exactly one refresh


async def test_a_401_on_a_revoked_access_token_triggers_one_refresh(
    state: CrmState, seed: SeedInfo, clock: SharedClock
) -> None:
    store = InMemoryTokenStore()
    async with oauth_world(state, clock, store) as (_sb, client):
        first = await client.exchange_code(issue_auth_code(state, SANDBOX_OAUTH))
        state.oauth.revoked_access.add(first.access_token)  # e.g. the admin reset access
        account = await client.get_account()
    assert account.id == seed.account_id
    assert client.stats.token_refreshes == 1
    assert len(store.saved) == 2


async def test_an_authorization_code_works_once(
    state: CrmState, seed: SeedInfo, clock: SharedClock
) -> None:
    store = InMemoryTokenStore()
    async with oauth_world(state, clock, store) as (_sb, client):
        code = issue_auth_code(state, SANDBOX_OAUTH)
        await client.exchange_code(code)
        with pytest.raises(CrmAuthError, match="revoked"):
            await client.exchange_code(code)
    assert len(store.saved) == 1
