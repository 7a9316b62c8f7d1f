"""Lead filters: building `filter[...]` query params, and checking whether the account obeys them.

Lead filtering is an alpha / paid feature on amoCRM: an account without it silently ignores every
`filter[...]` and answers all leads. The adapter therefore re-checks every lead on the client
side too, and `detect_lead_filters` tells the caller whether the server-side filter can be relied
on to keep a sync cheap.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from nextstep.crm_client.amocrm.mapping import dt_to_ts, embedded
from nextstep.crm_client.models import Deal

Params = list[tuple[str, str | int | float | bool | None]]

#: 2100-01-01: no lead can have been updated after it, so a filter from there must match nothing.
FAR_FUTURE_TS = 4_102_444_800


def lead_filter_params(
    *,
    updated_from: datetime | None = None,
    pipeline_id: int | None = None,
    status_ids: Sequence[tuple[int, int]] | None = None,
    responsible_user_id: int | None = None,
) -> Params:
    params: Params = []
    if updated_from is not None:
        params.append(("filter[updated_at][from]", dt_to_ts(updated_from)))
    if pipeline_id is not None:
        params.append(("filter[pipeline_id]", pipeline_id))
    for i, (pipe_id, status_id) in enumerate(status_ids or ()):
        params.append((f"filter[statuses][{i}][pipeline_id]", pipe_id))
        params.append((f"filter[statuses][{i}][status_id]", status_id))
    if responsible_user_id is not None:
        params.append(("filter[responsible_user_id]", responsible_user_id))
    return params


def deal_matches(
    deal: Deal,
    *,
    updated_from: datetime | None = None,
    pipeline_id: int | None = None,
    status_ids: Sequence[tuple[int, int]] | None = None,
    responsible_user_id: int | None = None,
) -> bool:
    """The same filter, applied locally (a no-op when the server honoured it)."""
    if updated_from is not None and deal.updated_at < updated_from:
        return False
    if pipeline_id is not None and deal.pipeline_id != pipeline_id:
        return False
    if status_ids and (deal.pipeline_id, deal.status_id) not in set(status_ids):
        return False
    return responsible_user_id is None or deal.responsible_user_id == responsible_user_id


class _JsonRequester(Protocol):
    async def request_json(
        self, method: str, path: str, *, params: Params | None = None, json: Any = None
    ) -> Any: ...


async def detect_lead_filters(client: _JsonRequester) -> bool:
    """True when the account honours lead filters.

    Asks for leads updated after 2100-01-01: an account that filters answers nothing (204);
    one that ignores filters answers leads anyway. (An account with no leads at all answers 204
    either way; then filtering costs nothing, so True is a harmless answer.)
    """
    body = await client.request_json(
        "GET",
        "/api/v4/leads",
        params=[
            ("filter[updated_at][from]", FAR_FUTURE_TS),
            ("filter[updated_at][to]", FAR_FUTURE_TS + 1),
            ("limit", 1),
        ],
    )
    return not embedded(body, "leads")
