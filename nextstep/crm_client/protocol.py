"""The CRM protocol: what Nextstep needs from any CRM, in neutral models."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from nextstep.crm_client.models import (
    Account,
    CallNote,
    Contact,
    CrmEvent,
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


class CrmClient(Protocol):
    # --- reads ---
    async def get_account(self) -> Account: ...
    async def list_users(self) -> list[User]: ...
    async def list_pipelines(self) -> list[Pipeline]: ...
    async def list_loss_reasons(self) -> list[LossReason]: ...
    async def get_deal(self, deal_id: int, *, with_contacts: bool = True) -> Deal | None: ...
    def iter_deals(
        self,
        *,
        updated_from: datetime | None = None,
        pipeline_id: int | None = None,
        status_ids: Sequence[tuple[int, int]] | None = None,
        responsible_user_id: int | None = None,
        order_by_updated_desc: bool = False,
        with_contacts: bool = False,
    ) -> AsyncIterator[Deal]: ...
    def iter_tasks(
        self,
        *,
        is_completed: bool | None = None,
        responsible_user_id: int | None = None,
        entity_id: int | None = None,
        updated_from: datetime | None = None,
    ) -> AsyncIterator[Task]: ...
    async def get_task(self, task_id: int) -> Task | None: ...
    def iter_events(
        self, *, types: Sequence[str] | None = None, created_from: datetime | None = None
    ) -> AsyncIterator[CrmEvent]: ...
    async def get_contact(self, contact_id: int) -> Contact | None: ...

    # --- writes ---
    async def update_deal(self, deal_id: int, patch: DealPatch) -> None: ...
    async def create_deal(self, deal: NewDeal) -> int: ...
    async def create_task(self, task: NewTask) -> int: ...
    async def update_task(self, task_id: int, patch: TaskPatch) -> None: ...
    async def complete_task(self, task_id: int, result_text: str) -> None: ...
    async def add_note(self, deal_id: int, text: str) -> int: ...
    async def add_call_note(self, note: CallNote) -> int: ...
    async def run_salesbot(self, bot_id: int, deal_id: int) -> None: ...

    async def aclose(self) -> None: ...


@runtime_checkable
class ListsContactDeals(Protocol):
    """Optional beyond `CrmClient`: a contact's deals, for "unless the client has a newer deal"
    (amoCRM: the contact read `with=leads`, then those leads). A client without it makes such
    rules act as if the client had no other deal."""

    async def list_contact_deals(self, contact_id: int) -> list[Deal]: ...
