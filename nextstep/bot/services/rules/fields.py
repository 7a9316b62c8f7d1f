"""Custom field ids by name: the deal's own fields first, else the account's definitions.

The definitions are read before the decision's transaction (never HTTP inside it) and kept a
few minutes; a CRM client without `list_custom_fields` leaves only the deal's own fields.
"""

from __future__ import annotations

import logging
import time
from typing import Protocol, runtime_checkable

from nextstep.bot.playbook.sections.rule_common import norm
from nextstep.bot.services.deps import Services
from nextstep.crm_client.errors import CrmError
from nextstep.crm_client.models import CustomFieldDef, Deal

log = logging.getLogger(__name__)
TTL_SECONDS = 600.0
TRUE_WORDS = frozenset({"yes", "true", "1", "on", "да", "+"})
_cache: dict[int, tuple[float, tuple[CustomFieldDef, ...]]] = {}


@runtime_checkable
class ListsCustomFields(Protocol):
    async def list_custom_fields(self) -> list[CustomFieldDef]: ...


def needs_definitions(services: Services) -> bool:
    """Only rules that write a field the deal may not carry need the account's list."""
    rules = services.playbook.rules
    if rules is None:
        return False
    return bool(
        rules.linked
        or any(r.rule.set for r in rules.recycling)
        or (rules.nps is not None and rules.nps.field)
    )


async def definitions(services: Services) -> tuple[CustomFieldDef, ...]:
    crm = services.crm
    if not isinstance(crm, ListsCustomFields) or not needs_definitions(services):
        return ()
    cached = _cache.get(id(crm))
    if cached is not None and time.monotonic() - cached[0] < TTL_SECONDS:
        return cached[1]
    try:
        found = tuple(await crm.list_custom_fields())
    except CrmError as exc:
        log.warning("custom fields not read, writing only the deal's own: %s", exc)
        return cached[1] if cached else ()
    _cache[id(crm)] = (time.monotonic(), found)
    return found


class FieldIds:
    def __init__(self, deal: Deal, defs: tuple[CustomFieldDef, ...]) -> None:
        self.defs = {norm(d.name): d for d in defs}
        self.own = {norm(cf.field_name): cf.field_id for cf in deal.custom_fields if cf.field_name}

    def id_of(self, name: str) -> int | None:
        key = norm(name)
        if key in self.own:
            return self.own[key]
        found = self.defs.get(key)
        return found.id if found is not None else None

    def value(self, name: str, value: object) -> object:
        """A select field's text value is sent as its enum id, a checkbox's "yes"/"да" as true
        (amoCRM takes only booleans there); others as they are."""
        found = self.defs.get(norm(name))
        if found is not None and found.type == "checkbox" and isinstance(value, str):
            return norm(value) in TRUE_WORDS
        if found is not None and found.enums and isinstance(value, str):
            enum_id = found.enums.get(value)
            if enum_id is not None:
                return {"enum_id": enum_id}
        if isinstance(value, tuple):
            return list(value)
        return value

    def patch(self, values: tuple[tuple[str, object], ...]) -> dict[int, object]:
        out: dict[int, object] = {}
        for name, value in values:
            field_id = self.id_of(name)
            if field_id is None:
                log.warning("no custom field named %r in the CRM: not written", name)
                continue
            out[field_id] = self.value(name, value)
        return out
