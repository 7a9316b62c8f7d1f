"""Tables. New features add tables here *and* a new Alembic revision (never edit 0001)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from nextstep.bot.storage.base import Base

# The bot's own roles; a playbook adds its own (accountant, trainer, ...), so the database only
# asks for a role name (`nextstep.bot.playbook.sections.roles` knows which are valid).
ROLES = ("manager", "head", "estimator", "admin")
ROLE_LENGTH = 40
ROLE_CHECK = "role <> ''"
OUTBOX_KINDS = ("telegram", "crm")
OUTBOX_STATUSES = ("pending", "sending", "sent", "dead")
ESCALATION_STATUSES = ("open", "acked", "snoozed", "closed")

JsonDict = dict[str, Any]


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class CrmToken(Base):
    __tablename__ = "crm_tokens"

    account: Mapped[str] = mapped_column(String(64), primary_key=True)
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Staff(Base):
    __tablename__ = "staff"
    __table_args__ = (CheckConstraint(ROLE_CHECK, name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    crm_user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    role: Mapped[str] = mapped_column(String(ROLE_LENGTH))
    head_crm_user_id: Mapped[int | None] = mapped_column(BigInteger)
    locale: Mapped[str] = mapped_column(String(8), default="ru", server_default="ru")
    timezone: Mapped[str | None] = mapped_column(String(64))
    is_reachable: Mapped[bool] = mapped_column(default=True, server_default=text("true"))
    unreachable_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class Invite(Base):
    __tablename__ = "invites"
    __table_args__ = (CheckConstraint(ROLE_CHECK, name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    crm_user_id: Mapped[int] = mapped_column(BigInteger)
    role: Mapped[str] = mapped_column(String(ROLE_LENGTH))
    head_crm_user_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_telegram_id: Mapped[int | None] = mapped_column(BigInteger)


class CrmUser(Base):
    __tablename__ = "crm_users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(255), default="")
    is_admin: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    group_id: Mapped[int | None] = mapped_column(BigInteger)
    lang: Mapped[str] = mapped_column(String(8), default="ru")


class CrmPipeline(Base):
    __tablename__ = "crm_pipelines"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(255))
    sort: Mapped[int] = mapped_column(default=0)
    is_main: Mapped[bool] = mapped_column(default=False)


class CrmStage(Base):
    """A stage; its id is only unique within a pipeline (amoCRM's won/lost 142/143 are shared)."""

    __tablename__ = "crm_stages"

    pipeline_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("crm_pipelines.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(255))
    sort: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(16))


class CrmDeal(Base):
    __tablename__ = "crm_deals"
    __table_args__ = (
        Index("ix_crm_deals_pipeline_status", "pipeline_id", "status_id"),
        Index("ix_crm_deals_responsible", "responsible_user_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(255), default="")
    price: Mapped[float] = mapped_column(Float, default=0)
    pipeline_id: Mapped[int] = mapped_column(BigInteger)
    status_id: Mapped[int] = mapped_column(BigInteger)
    responsible_user_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    stage_entered_at: Mapped[datetime]
    loss_reason_id: Mapped[int | None] = mapped_column(BigInteger)
    source: Mapped[str | None] = mapped_column(String(255))
    contact_name: Mapped[str | None] = mapped_column(String(255))
    contact_phone: Mapped[str | None] = mapped_column(String(64))
    custom_fields: Mapped[list[JsonDict]] = mapped_column(JSON, default=list)
    is_deleted: Mapped[bool] = mapped_column(default=False)


class CrmTask(Base):
    __tablename__ = "crm_tasks"
    __table_args__ = (
        Index("ix_crm_tasks_entity", "entity_id"),
        Index("ix_crm_tasks_responsible_open", "responsible_user_id", "is_completed"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    entity_type: Mapped[str | None] = mapped_column(String(32))
    entity_id: Mapped[int | None] = mapped_column(BigInteger)
    responsible_user_id: Mapped[int] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(Text, default="")
    task_type_id: Mapped[int] = mapped_column(BigInteger)
    complete_till: Mapped[datetime]
    is_completed: Mapped[bool] = mapped_column(default=False)
    result_text: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime | None]


class SyncState(Base):
    __tablename__ = "sync_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime]


class InboxItem(Base):
    """An event as received (webhook, sync, timer); `dedup_key` makes a resent one a no-op."""

    __tablename__ = "inbox"
    __table_args__ = (Index("ix_inbox_pending", "processed_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    dedup_key: Mapped[str] = mapped_column(String(255), unique=True)
    payload: Mapped[JsonDict] = mapped_column(JSON)
    received_at: Mapped[datetime]
    processed_at: Mapped[datetime | None]
    locked_until: Mapped[datetime | None]  # lease while processing; also "retry not before"
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class OutboxItem(Base):
    """A message or CRM write to perform after commit; see docs/bot-layer.md for payloads."""

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint(_one_of("kind", OUTBOX_KINDS), name="kind"),
        CheckConstraint(_one_of("status", OUTBOX_STATUSES), name="status"),
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_order_key", "order_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    dedup_key: Mapped[str] = mapped_column(String(255), unique=True)
    payload: Mapped[JsonDict] = mapped_column(JSON)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    # Rows sharing an order_key (e.g. "deal:42", "card:7") are delivered strictly in id order.
    order_key: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[JsonDict | None] = mapped_column(JSON)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class Card(Base):
    """A Telegram message about one deal/task/escalation that the bot keeps editing."""

    __tablename__ = "cards"
    __table_args__ = (Index("ix_cards_deal", "deal_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(32))
    deal_id: Mapped[int | None] = mapped_column(BigInteger)
    task_id: Mapped[int | None] = mapped_column(BigInteger)
    owner_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(32), default="open")
    payload: Mapped[JsonDict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Callback(Base):
    """What a button does; its short random id is the button's whole callback_data."""

    __tablename__ = "callbacks"
    __table_args__ = (Index("ix_callbacks_card", "card_id"),)

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    card_id: Mapped[int | None] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(64))
    args: Mapped[JsonDict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class DealFlow(Base):
    """The bot's own per-deal playbook state (what the CRM does not hold)."""

    __tablename__ = "deal_flow"

    deal_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    no_answer_attempts: Mapped[int] = mapped_column(default=0)
    taken_at: Mapped[datetime | None]
    taken_by: Mapped[int | None] = mapped_column(BigInteger)  # CRM user id
    take_task_id: Mapped[int | None] = mapped_column(BigInteger)
    last_outcome: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime]


class Timer(Base):
    """A durable deadline: survives restarts; `fired_at` makes firing happen once."""

    __tablename__ = "timers"
    __table_args__ = (Index("ix_timers_due", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(255), unique=True)
    due_at: Mapped[datetime]
    payload: Mapped[JsonDict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]
    fired_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]


class Escalation(Base):
    __tablename__ = "escalations"
    __table_args__ = (
        CheckConstraint(_one_of("status", ESCALATION_STATUSES), name="status"),
        # At most one not-closed escalation per (rule, subject); closed ones pile up as history.
        Index(
            "uq_escalations_active",
            "rule",
            "subject_key",
            unique=True,
            sqlite_where=text("status != 'closed'"),
            postgresql_where=text("status != 'closed'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(64))
    subject_key: Mapped[str] = mapped_column(String(255))
    level: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(16), default="open")
    opened_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    snoozed_until: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    close_reason: Mapped[str | None] = mapped_column(Text)
    card_id: Mapped[int | None] = mapped_column(ForeignKey("cards.id", ondelete="SET NULL"))
    payload: Mapped[JsonDict] = mapped_column(JSON, default=dict)


class Schedule(Base):
    __tablename__ = "schedules"

    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    spec: Mapped[JsonDict] = mapped_column(JSON)
    updated_at: Mapped[datetime]


class DealRules(Base):
    """The rules' per-deal memory (`engine.rules.facts.RuleState` as JSON): hand-off progress,
    scheduled rule timers, once-only keys, and the rule tasks awaiting their CRM ids."""

    __tablename__ = "deal_rules"

    deal_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    state: Mapped[JsonDict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime]
