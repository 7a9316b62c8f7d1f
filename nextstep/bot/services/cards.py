"""A card as the person sees it: text and buttons, in their language, from the deal's state.

Buttons are specs (label, action, args) here; the executor turns each into a callbacks row and
the outbox payload carries only its short id. A card whose buttons all no longer apply is
rendered without them (`live` False), which is how stale buttons disappear.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from nextstep.bot.engine.effects import CardKind
from nextstep.bot.engine.state import DealView, OpenTask
from nextstep.bot.engine.take import is_new
from nextstep.bot.i18n import CARD_TITLE_KEYS, Texts
from nextstep.bot.playbook.calls import OutcomeKind
from nextstep.bot.playbook.model import CardField, CardFieldKind
from nextstep.bot.playbook.resolved import ResolvedPlaybook
from nextstep.crm_client.models import DATE_FIELD_TYPES, LOST_STATUS_ID, WON_STATUS_ID, Deal

# Actions behind buttons (the callbacks row's `action`).
TAKE = "take"
OUTCOME = "outcome"  # args: {"kind": OutcomeKind}
STAGE = "stage"  # args: {"task_id", "result", "status_id" | "stay"}
LOSS = "loss"  # args: {"task_id", "reason_id"}
CALL_BACK_AT = "call_back_at"  # args: {"task_id", "at": ISO}
CALL_BACK_CHANGE = "call_back_change"  # args: {"task_id"}

PROMPT_KINDS = frozenset(
    {
        "ask_result",
        "ask_stage",
        "ask_loss",
        "ask_call_back",
        "confirm_call",
        "handoff",
        "ho_question",
        "nps",
    }
)  # handoff, ho_question, nps: the rules redraw those cards themselves


@dataclass(frozen=True)
class ButtonSpec:
    label: str
    action: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CardView:
    text: str
    buttons: tuple[tuple[ButtonSpec, ...], ...] = ()

    @property
    def live(self) -> bool:
        return bool(self.buttons)

    def digest(self) -> str:
        """Same digest, same message: an edit would change nothing ("message is not modified")."""
        data = [self.text, [[(b.label, b.action, b.args) for b in row] for row in self.buttons]]
        raw = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha1(raw.encode()).hexdigest()[:16]

    def to_json(self) -> dict[str, Any]:
        rows = [
            [{"label": b.label, "action": b.action, "args": b.args} for b in r]
            for r in self.buttons
        ]
        return {"text": self.text, "buttons": rows}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CardView:
        rows = tuple(
            tuple(ButtonSpec(b["label"], b["action"], dict(b["args"])) for b in row)
            for row in data.get("buttons", [])
        )
        return cls(str(data.get("text", "")), rows)


@dataclass(frozen=True)
class DealState:
    """A deal as cards show it: the CRM's data plus the bot's flow state (maybe projected)."""

    deal: Deal
    view: DealView


def call_task(view: DealView, task_id: int | None) -> OpenTask | None:
    """The task a call card is about: its own, else the deal's nearest open one (not the take)."""
    if task_id is not None:
        return view.task(task_id)
    others = sorted((t for t in view.open_tasks if t.id != view.take_task_id), key=_due)
    return others[0] if others else None


def _due(task: OpenTask) -> datetime:
    return task.due


def render_deal_card(
    kind: str,
    state: DealState,
    rp: ResolvedPlaybook,
    t: Texts,
    *,
    task_id: int | None = None,
    now: datetime,
    notice: str | None = None,
) -> CardView:
    deal, view = state.deal, state.view
    task = call_task(view, task_id) if kind != CardKind.NEW_DEAL else _take_task(view)
    title = CARD_TITLE_KEYS.get(kind, CARD_TITLE_KEYS[CardKind.TASK_DUE])
    lines = [t(title, deal=deal.name or f"#{deal.id}")]
    lines += [ln for f in rp.playbook.card_fields if (ln := _field_line(f, state, rp, t, task))]
    if task is not None:
        overdue = t("card.overdue") if task.due < now else ""
        lines.append(t("card.task", text=task.text or "—", due=t.when(task.due)) + overdue)
    status, buttons = _status(kind, state, rp, t, task, task_id)
    if status:
        lines += ["", status]
    if notice:
        lines += ["", notice]
    return CardView("\n".join(lines), buttons)


def _take_task(view: DealView) -> OpenTask | None:
    return view.task(view.take_task_id)


def _status(
    kind: str,
    state: DealState,
    rp: ResolvedPlaybook,
    t: Texts,
    task: OpenTask | None,
    task_id: int | None,
) -> tuple[str, tuple[tuple[ButtonSpec, ...], ...]]:
    view = state.view
    plan = rp.plan_for(view.pipeline_id)
    if view.status_id == WON_STATUS_ID or (plan and view.status_id == plan.layout.won_id):
        return t("card.status.won"), ()
    if view.status_id == LOST_STATUS_ID or (plan and view.status_id == plan.layout.lost_id):
        return t("card.status.lost"), ()
    if plan is None or kind == CardKind.DEAL_ASSIGNED:
        return "", ()
    if kind == CardKind.NEW_DEAL:
        if is_new(view, plan):
            return "", ((ButtonSpec(t("button.take"), TAKE),),)
        return t("card.status.taken"), ()
    if task is None and task_id is not None:
        return t("card.status.task_done"), ()
    if task is None and kind != CardKind.CALL_TASK:
        return t("card.status.no_task"), ()
    return "", outcome_buttons(rp, t)  # a call card may precede its task (being created)


def outcome_buttons(rp: ResolvedPlaybook, t: Texts) -> tuple[tuple[ButtonSpec, ...], ...]:
    """Two per row, in the playbook's order; labels are the playbook's message keys."""
    specs = [
        ButtonSpec(_label(rp, kind, t), OUTCOME, {"kind": kind.value})
        for kind in rp.playbook.outcomes.offered()
    ]
    return tuple(tuple(specs[i : i + 2]) for i in range(0, len(specs), 2))


def _label(rp: ResolvedPlaybook, kind: OutcomeKind, t: Texts) -> str:
    outcome = rp.playbook.outcomes.get(kind)
    return t(outcome.label) if outcome is not None else kind.value


def _field_line(
    spec: CardField, state: DealState, rp: ResolvedPlaybook, t: Texts, task: OpenTask | None
) -> str | None:
    deal = state.deal
    contact = deal.contacts[0] if deal.contacts else None
    if spec.field is not None:
        found = deal.field_def(spec.field)
        value = found.first if found is not None else None
        if not value:
            return None
        text = date_text(value, found.field_type if found else None, t) or str(value)
        return t("card.field.custom", name=spec.field, value=text)
    match spec.builtin:
        case CardFieldKind.CLIENT:
            return t("card.field.client", value=contact.name) if contact and contact.name else None
        case CardFieldKind.PHONE:
            phone = contact.phone if contact else None
            return t("card.field.phone", value=phone) if phone else None
        case CardFieldKind.SOURCE:
            return t("card.field.source", value=deal.source) if deal.source else None
        case CardFieldKind.BUDGET:
            return t("card.field.budget", value=t.money(deal.price)) if deal.price else None
        case CardFieldKind.STAGE:
            return t("card.field.stage", value=stage_name(state, rp))
        case CardFieldKind.RESPONSIBLE | CardFieldKind.TASK_DUE | None:
            return None  # TASK_DUE: the task line below; RESPONSIBLE: the reader is the owner


def date_text(value: object, field_type: str | None, t: Texts) -> str | None:
    """A date field's unix seconds as the reader reads them ("28 ноября"; with the time for a
    `date_time` field), or None when the value is not such a date."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if field_type not in DATE_FIELD_TYPES or not isinstance(value, int | float):
        return None
    if isinstance(value, bool):
        return None
    moment = datetime.fromtimestamp(value, UTC)
    if field_type == "date_time":
        return t.when(moment)
    return t.day(moment.astimezone(t.tz).date())


def stage_name(state: DealState, rp: ResolvedPlaybook) -> str:
    plan = rp.plan_for(state.view.pipeline_id)
    names = plan.layout.stage_names if plan else {}
    return names.get(state.view.status_id, str(state.view.status_id))


def prompt_view(text: str, buttons: Sequence[Sequence[ButtonSpec]] = ()) -> CardView:
    return CardView(text, tuple(tuple(row) for row in buttons))
