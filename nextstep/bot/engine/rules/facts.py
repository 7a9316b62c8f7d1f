"""What the rules read: the deal with its custom fields, the client's other deals, and the
per-deal rule state the runtime keeps between events."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from nextstep.bot.engine.state import DealView
from nextstep.bot.playbook.resolved import StagePlace
from nextstep.bot.playbook.sections.rule_common import Builtin, DealField
from nextstep.crm_client.models import Deal, Task


class HandoffStatus(StrEnum):
    WAITING_FIELDS = "waiting_fields"  # the manager was asked to fill required fields
    SENT = "sent"  # the role has the card; nobody accepted yet
    ACCEPTED = "accepted"  # someone took it: their task is on the deal
    DONE = "done"  # "ready" pressed


@dataclass(frozen=True)
class HandoffState:
    status: HandoffStatus
    sent_at: datetime | None = None
    accepted_by: int | None = None
    accepted_name: str = ""
    task_id: int | None = None  # the acceptor's task (the executor records it, tag `handoff:N`)
    held_at: StagePlace | None = None  # where the deal goes once the fields are filled


@dataclass(frozen=True)
class RuleState:
    """Per-deal memory of the rules, stored by the runtime (e.g. as JSON next to deal_flow)."""

    handoffs: Mapping[str, HandoffState] = field(default_factory=dict)
    timers: Mapping[str, datetime] = field(default_factory=dict)  # scheduled, not yet due
    done: frozenset[str] = frozenset()  # once-only keys: fired reminders, created deals


@dataclass(frozen=True)
class ClientDeal:
    """Another deal of the same client (contact), for "unless the client has a newer deal"."""

    id: int
    created_at: datetime
    pipeline_id: int = 0
    status_id: int = 0


def _first(values: Iterable[object]) -> object:
    return next(iter(values), None)


@dataclass(frozen=True)
class DealFacts:
    view: DealView
    fields: Mapping[str, object] = field(default_factory=dict)  # custom fields by name
    loss_reason_id: int | None = None
    created_at: datetime | None = None
    closed_at: datetime | None = None
    client: str = ""
    phone: str = ""
    source: str = ""
    contact_ids: tuple[int, ...] = ()
    client_deals: tuple[ClientDeal, ...] = ()
    state: RuleState = RuleState()
    field_types: Mapping[str, str] = field(default_factory=dict)  # custom field name → type

    @property
    def id(self) -> int:
        return self.view.id

    @property
    def place(self) -> StagePlace:
        return StagePlace(self.view.pipeline_id, self.view.status_id)

    def value(self, ref: DealField) -> object:
        match ref.builtin:
            case Builtin.BUDGET:
                return self.view.price or None
            case Builtin.NAME:
                return self.view.name
            case Builtin.CLIENT:
                return self.client
            case Builtin.PHONE:
                return self.phone
            case Builtin.SOURCE:
                return self.source
            case None:
                return self.fields.get(ref.field or "")

    def values(self) -> dict[str, object]:
        """Custom fields by name plus the built-ins as `@budget`, for conditions."""
        found = dict(self.fields)
        found.update({f"@{b}": self.value(DealField(builtin=b)) for b in Builtin})
        return found

    @classmethod
    def from_crm(
        cls,
        deal: Deal,
        tasks: Sequence[Task] = (),
        *,
        view: DealView | None = None,
        client_deals: Sequence[Deal] = (),
        state: RuleState | None = None,
    ) -> DealFacts:
        """Built from what the CRM returned; `view` carries the bot's flow state if known."""
        contact = deal.contacts[0] if deal.contacts else None
        return cls(
            view=view or DealView.from_crm(deal, tasks),
            fields={
                cf.field_name: (cf.first if len(cf.values) <= 1 else tuple(cf.values))
                for cf in deal.custom_fields
                if cf.field_name
            },
            loss_reason_id=deal.loss_reason_id,
            created_at=deal.created_at,
            closed_at=deal.closed_at,
            client=contact.name if contact else "",
            phone=(contact.phone or "") if contact else "",
            source=deal.source or "",
            contact_ids=deal.contact_ids or tuple(c.id for c in deal.contacts),
            client_deals=tuple(
                ClientDeal(d.id, d.created_at, d.pipeline_id, d.status_id)
                for d in client_deals
                if d.id != deal.id
            ),
            state=state or RuleState(),
            field_types={
                cf.field_name: cf.field_type
                for cf in deal.custom_fields
                if cf.field_name and cf.field_type
            },
        )
