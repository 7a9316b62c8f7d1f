"""The amoCRM / Kommo REST v4 adapter of the CrmClient protocol.

One instance per account (`https://sub.amocrm.ru`, `.amocrm.com` or `.kommo.com`; the sandbox's
`http://127.0.0.1:PORT`). `_request()` is the only place that talks HTTP: it paces requests
(RateLimiter), authorizes them (Authenticator), retries what is safe to retry (retry.py) and maps
failures to typed errors (problems.py). Everything else is mapping JSON to neutral models.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from contextlib import aclosing
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import parse_qs, urlsplit

import httpx
from pydantic import SecretStr

from nextstep.crm_client.amocrm import mapping
from nextstep.crm_client.amocrm.auth import (
    TOKEN_PATH,
    Authenticator,
    LongLivedToken,
    OAuthConfig,
    OAuthSession,
)
from nextstep.crm_client.amocrm.clock import Clock, SystemClock
from nextstep.crm_client.amocrm.filters import (
    Params,
    deal_matches,
    detect_lead_filters,
    lead_filter_params,
)
from nextstep.crm_client.amocrm.problems import error_for, response_body
from nextstep.crm_client.amocrm.ratelimit import RateLimiter
from nextstep.crm_client.amocrm.retry import IDEMPOTENT_METHODS, RetryPolicy, parse_retry_after
from nextstep.crm_client.amocrm.stats import ClientStats
from nextstep.crm_client.errors import (
    CrmAuthError,
    CrmConnectionError,
    CrmError,
    CrmResponseError,
    CrmTimeout,
)
from nextstep.crm_client.models import (
    Account,
    CallNote,
    Contact,
    CrmEvent,
    CustomFieldDef,
    Deal,
    DealPatch,
    LossReason,
    NewDeal,
    NewTask,
    Pipeline,
    Task,
    TaskPatch,
    User,
)
from nextstep.crm_client.tokens import InMemoryTokenStore, OAuthTokens, TokenStore

if TYPE_CHECKING:
    from nextstep.crm_client.protocol import CrmClient

log = logging.getLogger(__name__)

PAGE_LIMIT = 250
EVENTS_PAGE_LIMIT = 100
CONTACT_LEADS_CHUNK = 50  # lead ids per `filter[id][]` read (keeps the query string short)
MAX_PAGES = 10_000  # a guard against a server that always says "next"
# Connection never established: nothing was sent, so even a POST may be repeated.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_ID_SEGMENT = re.compile(r"/\d+(?=/|$)")


class AmoCrmClient:
    """amoCRM/Kommo v4 over httpx; an async context manager (or call `aclose()`)."""

    def __init__(
        self,
        base_url: str,
        *,
        token: SecretStr | None = None,
        oauth: OAuthConfig | None = None,
        token_store: TokenStore | None = None,
        rate_limit: float = 7.0,
        timeout: float = 10.0,
        max_attempts: int = 4,
        transport: httpx.AsyncBaseTransport | None = None,
        retry_policy: RetryPolicy | None = None,
        clock: Clock | None = None,
    ) -> None:
        if (token is None) == (oauth is None):
            raise ValueError("give exactly one of `token` (long-lived) or `oauth`")
        self.base_url = base_url.rstrip("/")
        self._clock = clock or SystemClock()
        self._limiter = RateLimiter(rate_limit, self._clock)
        self._retry = retry_policy or RetryPolicy(max_attempts=max_attempts)
        self.stats = ClientStats()
        self._auth: Authenticator
        self._oauth: OAuthSession | None = None
        if oauth is not None:
            if token_store is None:
                log.warning("OAuth without a durable TokenStore: tokens are lost on exit")
                token_store = InMemoryTokenStore()
            self._oauth = OAuthSession(oauth, token_store, self._token_request, self._clock)
            self._auth = self._oauth
        else:
            assert token is not None
            self._auth = LongLivedToken(token)
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            transport=transport,
            timeout=httpx.Timeout(timeout),
            headers={"Accept": "application/hal+json, application/json", "User-Agent": "nextstep"},
            follow_redirects=False,
        )
        self._lead_filters: bool | None = None

    def __repr__(self) -> str:
        return f"AmoCrmClient({self.base_url!r}, auth={self._auth!r})"

    # --- lifecycle --------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def exchange_code(self, code: str) -> OAuthTokens:
        """Trade an authorization code for the first token pair (saved to the TokenStore)."""
        if self._oauth is None:
            raise CrmAuthError("exchange_code needs the OAuth configuration")
        return await self._oauth.exchange_code(code)

    # --- the one place that does HTTP -------------------------------------------------------

    async def request_json(
        self, method: str, path: str, *, params: Params | None = None, json: Any = None
    ) -> Any:
        """A raw call for what the typed methods do not cover: the decoded JSON, or None for 204.
        Retries follow the method (GET/PATCH idempotent, POST not)."""
        return await self._request(method, path, params=params, json=json)

    async def _token_request(self, payload: dict[str, str]) -> Any:
        return await self._request("POST", TOKEN_PATH, json=payload, authorized=False, retry=False)

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
        idempotent: bool | None = None,
        authorized: bool = True,
        retry: bool = True,
    ) -> Any:
        method = method.upper()
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        attempt = 0
        waited = 0.0
        refreshed = False
        route = f"{method} {_ID_SEGMENT.sub('/{id}', path)}"  # the limiter learns per route
        while True:
            attempt += 1
            headers: dict[str, str] = {}
            token = ""
            if authorized:
                token = await self._auth.access_token()
                headers["Authorization"] = f"Bearer {token}"
            request = self._http.build_request(
                method, path, params=params, json=json, headers=headers
            )
            # The limiter books the send time, so nothing may await between it and the send.
            sent = await self._limiter.acquire(route)
            self.stats.requests += 1
            error: CrmError
            try:
                try:
                    response = await self._http.send(request)
                finally:
                    self._limiter.answered(sent)
            except httpx.TimeoutException as exc:
                error = CrmTimeout(f"{method} {path}: no answer in time ({type(exc).__name__})")
                safe = idempotent or isinstance(exc, _NOT_SENT)
                is_429 = False
                retry_after = None
            except httpx.TransportError as exc:
                error = CrmConnectionError(f"{method} {path}: {type(exc).__name__}: {exc}")
                safe = idempotent or isinstance(exc, _NOT_SENT)
                is_429 = False
                retry_after = None
            else:
                status = response.status_code
                log.debug("%s %s → %s", method, path, status)
                if 200 <= status < 300:
                    body = response_body(response) if status != 204 else None
                    if isinstance(body, str):
                        raise CrmResponseError(f"{method} {path}: {status} without JSON: {body!r}")
                    return body
                if status == 401 and authorized and self._auth.can_refresh and not refreshed:
                    refreshed = True
                    attempt -= 1  # a refresh is not a failed attempt
                    self.stats.token_refreshes += 1
                    await self._auth.refresh(token)
                    continue
                is_429 = status == 429
                retry_after = None
                if is_429:
                    self.stats.responses_429 += 1
                    retry_after = parse_retry_after(
                        response.headers.get("Retry-After"), self._clock.now()
                    )
                    safe = True
                elif status >= 500:
                    safe = idempotent
                else:
                    raise error_for(response)
                error = error_for(response, retry_after=retry_after)
            if not retry or not safe or attempt >= self._retry.max_attempts:
                raise error
            delay = retry_after if retry_after is not None else self._retry.backoff(attempt)
            if waited + delay > self._retry.max_total_delay:
                raise error
            waited += delay
            self.stats.retries += 1
            log.info("%s %s: %s; retry %d in %.2fs", method, path, error, attempt, delay)
            if is_429:
                self._limiter.defer(delay)  # every caller backs off, not only this one
            else:
                await self._clock.sleep(delay)

    async def _walk(
        self,
        path: str,
        key: str,
        params: Params | None = None,
        *,
        limit: int = PAGE_LIMIT,
        read_ahead: bool = True,
    ) -> AsyncGenerator[dict[str, Any], None]:
        """Items of a HAL list, page by page, each id once (pages shift during a walk).

        With `read_ahead`, the next page (when the server says there is one) is asked for
        before this page's items are handed out: the caller's work on a page (parsing it into
        models) then overlaps the next request instead of holding it back. A walk its caller
        may leave early passes `read_ahead=False` (else one page too many is read).
        """

        def fetch(page: int) -> asyncio.Future[Any]:
            page_params = [*(params or []), ("page", page), ("limit", limit)]
            return asyncio.ensure_future(self._request("GET", path, params=page_params))

        seen: set[Any] = set()
        page = 1
        pending: asyncio.Future[Any] | None = fetch(page)
        try:
            for _ in range(MAX_PAGES):
                assert pending is not None
                body = await pending
                pending = None
                items = mapping.embedded(body, key)
                if not items:
                    return
                next_page = _next_page(body, page)
                if next_page is not None and read_ahead:
                    pending = fetch(next_page)
                for item in items:
                    ident = item.get("id")
                    if ident is not None:
                        if ident in seen:
                            continue
                        seen.add(ident)
                    yield item
                if next_page is None:
                    return
                page = next_page
                if pending is None:
                    pending = fetch(page)
        finally:
            if pending is not None:  # the caller left early: the page is not wanted
                pending.cancel()
                pending.add_done_callback(_drop_outcome)

    # --- reads ------------------------------------------------------------------------------

    async def get_account(self) -> Account:
        body = await self._request("GET", "/api/v4/account")
        if not isinstance(body, dict):
            raise CrmResponseError("the account endpoint answered without a JSON object")
        return mapping.account_from_json(body)

    async def list_users(self) -> list[User]:
        return [mapping.user_from_json(u) async for u in self._walk("/api/v4/users", "users")]

    async def list_pipelines(self) -> list[Pipeline]:
        body = await self._request("GET", "/api/v4/leads/pipelines")
        return [mapping.pipeline_from_json(p) for p in mapping.embedded(body, "pipelines")]

    async def list_loss_reasons(self) -> list[LossReason]:
        return [
            mapping.loss_reason_from_json(r)
            async for r in self._walk("/api/v4/leads/loss_reasons", "loss_reasons")
        ]

    async def list_custom_fields(self) -> list[CustomFieldDef]:
        """The deals' custom fields (an optional method beyond the CrmClient protocol)."""
        return [
            mapping.custom_field_def_from_json(f)
            async for f in self._walk("/api/v4/leads/custom_fields", "custom_fields")
        ]

    async def get_deal(self, deal_id: int, *, with_contacts: bool = True) -> Deal | None:
        params: Params = [("with", "contacts")] if with_contacts else []
        body = await self._request("GET", f"/api/v4/leads/{int(deal_id)}", params=params)
        return mapping.deal_from_json(body) if isinstance(body, dict) else None

    async def iter_deals(
        self,
        *,
        updated_from: datetime | None = None,
        pipeline_id: int | None = None,
        status_ids: Sequence[tuple[int, int]] | None = None,
        responsible_user_id: int | None = None,
        order_by_updated_desc: bool = False,
        with_contacts: bool = False,
    ) -> AsyncIterator[Deal]:
        """Leads matching the filters; `status_ids` are (pipeline_id, status_id) pairs.

        Every lead is re-checked locally, so the answer is right even on an account that
        ignores lead filters. With `order_by_updated_desc` and `updated_from`, the walk stops at
        the first lead older than `updated_from` (the cheap sync on such accounts).
        """
        criteria: dict[str, Any] = {
            "updated_from": updated_from,
            "pipeline_id": pipeline_id,
            "status_ids": status_ids,
            "responsible_user_id": responsible_user_id,
        }
        params = lead_filter_params(**criteria)
        params.append(("order[updated_at]", "desc" if order_by_updated_desc else "asc"))
        if with_contacts:
            params.append(("with", "contacts"))
        # A newest-first walk stops early (below): no page is read ahead there.
        walk = self._walk("/api/v4/leads", "leads", params, read_ahead=not order_by_updated_desc)
        async with aclosing(walk) as items:
            async for item in items:
                deal = mapping.deal_from_json(item)
                if deal_matches(deal, **criteria):
                    yield deal
                elif (
                    order_by_updated_desc
                    and updated_from is not None
                    and deal.updated_at < updated_from
                ):
                    return

    async def iter_tasks(
        self,
        *,
        is_completed: bool | None = None,
        responsible_user_id: int | None = None,
        entity_id: int | None = None,
        updated_from: datetime | None = None,
    ) -> AsyncIterator[Task]:
        params: Params = []
        if is_completed is not None:
            params.append(("filter[is_completed]", int(is_completed)))
        if responsible_user_id is not None:
            params.append(("filter[responsible_user_id]", responsible_user_id))
        if entity_id is not None:
            params.append(("filter[entity_type]", "leads"))
            params.append(("filter[entity_id]", entity_id))
        if updated_from is not None:
            params.append(("filter[updated_at][from]", mapping.dt_to_ts(updated_from)))
        params.append(("order[id]", "asc"))
        async with aclosing(self._walk("/api/v4/tasks", "tasks", params)) as items:
            async for item in items:
                yield mapping.task_from_json(item)

    async def get_task(self, task_id: int) -> Task | None:
        body = await self._request("GET", f"/api/v4/tasks/{int(task_id)}")
        return mapping.task_from_json(body) if isinstance(body, dict) else None

    async def iter_events(
        self, *, types: Sequence[str] | None = None, created_from: datetime | None = None
    ) -> AsyncIterator[CrmEvent]:
        """The events feed (newest first); `types` are amoCRM event types (lead_added, ...)."""
        params: Params = []
        if types:
            params.append(("filter[type]", ",".join(types)))
        if created_from is not None:
            params.append(("filter[created_at][from]", mapping.dt_to_ts(created_from)))
        walk = self._walk("/api/v4/events", "events", params, limit=EVENTS_PAGE_LIMIT)
        async with aclosing(walk) as items:
            async for item in items:
                if mapping.opt_int(item.get("entity_id")) is None:
                    continue
                yield mapping.event_from_json(item)

    async def get_contact(self, contact_id: int) -> Contact | None:
        body = await self._request("GET", f"/api/v4/contacts/{int(contact_id)}")
        return mapping.contact_from_json(body) if isinstance(body, dict) else None

    async def list_contact_deals(self, contact_id: int) -> list[Deal]:
        """The contact's deals (`ListsContactDeals`): its lead ids from the contact read
        `with=leads`, then those leads by `filter[id]` (re-checked here: an account without lead
        filters answers every lead)."""
        params: Params = [("with", "leads")]
        body = await self._request("GET", f"/api/v4/contacts/{int(contact_id)}", params=params)
        wanted = mapping.contact_lead_ids(body)
        found: dict[int, Deal] = {}
        for start in range(0, len(wanted), CONTACT_LEADS_CHUNK):
            chunk = wanted[start : start + CONTACT_LEADS_CHUNK]
            query: Params = [("filter[id][]", lead_id) for lead_id in chunk]
            query.append(("with", "contacts"))
            async with aclosing(self._walk("/api/v4/leads", "leads", query)) as items:
                async for item in items:
                    deal = mapping.deal_from_json(item)
                    if deal.id in chunk and not deal.is_deleted:
                        found[deal.id] = deal
        return [found[i] for i in wanted if i in found]

    async def lead_filters_supported(self) -> bool:
        """Whether this account honours lead filters (asked once, then remembered)."""
        if self._lead_filters is None:
            self._lead_filters = await detect_lead_filters(self)
            log.info("lead filters honoured by the account: %s", self._lead_filters)
        return self._lead_filters

    # --- writes -----------------------------------------------------------------------------

    async def update_deal(self, deal_id: int, patch: DealPatch) -> None:
        body = mapping.deal_patch_to_json(patch)
        if body:
            await self._request("PATCH", f"/api/v4/leads/{int(deal_id)}", json=body)

    async def create_deal(self, deal: NewDeal) -> int:
        body = await self._request("POST", "/api/v4/leads", json=[mapping.new_deal_to_json(deal)])
        return _first_id(body, "leads")

    async def create_task(self, task: NewTask) -> int:
        body = await self._request("POST", "/api/v4/tasks", json=[mapping.new_task_to_json(task)])
        return _first_id(body, "tasks")

    async def update_task(self, task_id: int, patch: TaskPatch) -> None:
        body = mapping.task_patch_to_json(patch)
        if body:
            await self._request("PATCH", f"/api/v4/tasks/{int(task_id)}", json=body)

    async def complete_task(self, task_id: int, result_text: str) -> None:
        body = {"is_completed": True, "result": {"text": result_text}}
        await self._request("PATCH", f"/api/v4/tasks/{int(task_id)}", json=body)

    async def add_note(self, deal_id: int, text: str) -> int:
        note = {"entity_id": int(deal_id), "note_type": "common", "params": {"text": text}}
        body = await self._request("POST", "/api/v4/leads/notes", json=[note])
        return _first_id(body, "notes")

    async def add_call_note(self, note: CallNote) -> int:
        uniq = note.uniq or str(uuid.uuid4())
        payload = mapping.call_note_to_json(note, uniq)
        body = await self._request("POST", "/api/v4/leads/notes", json=[payload])
        return _first_id(body, "notes")

    async def run_salesbot(self, bot_id: int, deal_id: int) -> None:
        run = {
            "bot_id": int(bot_id),
            "entity_id": int(deal_id),
            "entity_type": mapping.LEADS_ENTITY_TYPE_CODE,
        }
        body = await self._request("POST", "/api/v2/salesbot/run", json=[run])
        if isinstance(body, dict) and body.get("success") is False:
            raise CrmError(f"Salesbot {bot_id} did not start for lead {deal_id}: {body}")


def _first_id(body: Any, key: str) -> int:
    ids = mapping.created_ids(body, key)
    if not ids:
        raise CrmResponseError(f"the CRM answered a create without an id in _embedded.{key}")
    return ids[0]


def _drop_outcome(future: asyncio.Future[Any]) -> None:
    """Retrieve an unwanted read-ahead's outcome, so no "never retrieved" error is logged."""
    if not future.cancelled():
        future.exception()


def _next_page(body: Any, page: int) -> int | None:
    """The page `_links.next` points at (its `page` param, else page + 1), or None at the end."""
    links = body.get("_links") if isinstance(body, dict) else None
    nxt = links.get("next") if isinstance(links, dict) else None
    href = nxt.get("href") if isinstance(nxt, dict) else None
    if not href:
        return None
    values = parse_qs(urlsplit(str(href)).query).get("page")
    number = mapping.opt_int(values[0]) if values else None
    return number if number is not None and number > page else page + 1


if TYPE_CHECKING:

    def _conforms(client: AmoCrmClient) -> CrmClient:
        return client  # mypy proves the adapter satisfies the protocol


__all__ = ["AmoCrmClient"]
