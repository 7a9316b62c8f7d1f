"""The client's other deals, read only for the date rules that ask "unless the client has a
newer deal" (story 003: no comeback invitation for a client who has booked again).

Read through the CRM before the decision's transaction, by each contact of the deal
(`ListsContactDeals`); a CRM client without that read leaves the list empty, so the rule acts.
"""

from __future__ import annotations

from nextstep.bot.engine.rules.dates import PREFIX
from nextstep.bot.services.deps import Services
from nextstep.crm_client.models import Deal
from nextstep.crm_client.protocol import ListsContactDeals


def needs_client_deals(services: Services, timer_key: str) -> bool:
    """Whether a rule timer's decision looks at the client's other deals."""
    rules = services.playbook.rules
    if rules is None or not timer_key.startswith(PREFIX):
        return False
    name = timer_key[len(PREFIX) :].split(":", 1)[0]
    return any(b.rule.name == name and b.rule.unless_newer_deal for b in rules.dates)


async def client_deals(services: Services, deal: Deal) -> list[Deal]:
    """Every other deal of the deal's contacts, each once (raises CrmError when unreadable)."""
    crm = services.crm
    if not isinstance(crm, ListsContactDeals):
        return []
    found: dict[int, Deal] = {}
    for contact_id in deal.contact_ids or tuple(c.id for c in deal.contacts):
        for other in await crm.list_contact_deals(contact_id):
            if other.id != deal.id:
                found.setdefault(other.id, other)
    return list(found.values())
