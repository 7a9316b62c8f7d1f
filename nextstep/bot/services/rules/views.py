"""How the rules' messages look: the hand-off card (per viewer and hand-off state), the
question with its Reply button, the NPS score card. Texts in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

from nextstep.bot.engine.rules.effects import FieldLine
from nextstep.bot.engine.rules.facts import HandoffState, HandoffStatus
from nextstep.bot.i18n import Texts
from nextstep.bot.playbook.sections.nps import SCORES
from nextstep.bot.services.cards import ButtonSpec, CardView, date_text

# Card kinds (cards.kind) and button actions (callbacks.action).
HANDOFF_CARD, QUESTION_CARD, NPS_CARD = "handoff", "ho_question", "nps"
ACCEPT, INFO, READY, REPLY = "ho_accept", "ho_info", "ho_ready", "ho_reply"
NPS_PREFIX = "nps:"
NPS_ACTIONS = tuple(f"{NPS_PREFIX}{n}" for n in SCORES)


def show(value: object, t: Texts) -> str:
    if isinstance(value, datetime):
        return t.when(value)
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, bool):
        return t("rules.value.yes") if value else t("rules.value.no")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, tuple | list):
        return ", ".join(show(v, t) for v in value)
    return str(value)


def handoff_base(
    t: Texts, title: str, deal_name: str, fields: Sequence[FieldLine], manager: str
) -> str:
    """The card's fixed part: what the role gets to work from."""
    lines = [t("rules.handoff.card", title=title, deal=deal_name)]
    for f in fields:
        if f.value is None:
            lines.append(t("rules.handoff.field_empty", name=f.title))
        elif f.key == "@budget" and isinstance(f.value, int | float):
            lines.append(t("rules.handoff.field", name=f.title, value=t.money(float(f.value))))
        else:
            text = date_text(f.value, f.field_type, t) or show(f.value, t)
            lines.append(t("rules.handoff.field", name=f.title, value=text))
    if manager:
        lines.append(t("rules.handoff.manager", who=manager))
    return "\n".join(lines)


def handoff_view(
    t: Texts,
    base: str,
    args: Mapping[str, object],
    state: HandoffState | None,
    viewer_crm_id: int,
    ready_label: str | None = None,
) -> CardView:
    """The buttons the viewer may press now: Accept / Need info while open; the acceptor gets
    Need info / Ready; everyone else sees who took it."""
    status = state.status if state is not None else None
    accept = ButtonSpec(t("rules.button.accept"), ACCEPT, dict(args))
    info = ButtonSpec(t("rules.button.need_info"), INFO, dict(args))
    ready = ButtonSpec(ready_label or t("rules.button.ready"), READY, dict(args))
    if status is HandoffStatus.SENT:
        return CardView(base, ((accept, info),))
    if status is HandoffStatus.ACCEPTED and state is not None:
        line = t("rules.handoff.taken_by", who=state.accepted_name or "—")
        if state.accepted_by == viewer_crm_id:
            return CardView(f"{base}\n\n{line}", ((info, ready),))
        return CardView(f"{base}\n\n{line}")
    if status is HandoffStatus.DONE:
        return CardView(f"{base}\n\n{t('rules.handoff.done')}")
    return CardView(f"{base}\n\n{t('prompt.closed')}")


def question_view(t: Texts, text: str, args: Mapping[str, object]) -> CardView:
    return CardView(text, ((ButtonSpec(t("rules.button.reply"), REPLY, dict(args)),),))


def nps_view(t: Texts, deal_name: str, task_text: str, task_id: int) -> CardView:
    specs = [ButtonSpec(str(n), f"{NPS_PREFIX}{n}", {"task_id": task_id}) for n in SCORES]
    rows = (tuple(specs[:6]), tuple(specs[6:]))
    return CardView(t("rules.nps.card", deal=deal_name, task=task_text), rows)
