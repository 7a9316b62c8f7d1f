"""Escalation cards as people read them: the rule's facts in the reader's language, and the
engine's buttons as callbacks specs (`sla_<action>`, with the rule and subject to find the
record again)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from nextstep.bot.engine.common import base_params
from nextstep.bot.engine.sla.actions import Button, Summary
from nextstep.bot.engine.sla.record import EscalationState, Facts, Rule
from nextstep.bot.engine.state import DealView
from nextstep.bot.engine.texts import Text
from nextstep.bot.i18n import Texts
from nextstep.bot.playbook.resolved import ResolvedPlaybook
from nextstep.bot.services.cards import ButtonSpec, CardView
from nextstep.bot.services.sla.inputs import Directory
from nextstep.bot.services.sla.keys import CLOSE_REASONS
from nextstep.bot.textfit import ELLIPSIS, MESSAGE_LIMIT, size

ACTIONS = {
    "ack": "sla_ack",
    "snooze": "sla_snooze",
    "take": "sla_take",
    "take_myself": "sla_take",
    "reassign": "sla_reassign",
    "remind": "sla_remind",
    "redistribute": "sla_redistribute",
    "next_step": "sla_next_task",
    "handover": "sla_handover",
    "revert": "sla_revert",
    "reopen": "sla_reopen",
    "show": "sla_show",  # a summary card's item: its own card, re-sent
    "show_all": "sla_show_all",
    "member": "sla_member",  # /team: a manager's problem deals (drill.py)
    "deal": "sla_deal",  # /team, the digest: one problem deal with its actions (drill.py)
}
NOTES = "\n\n—\n"  # below it: how a card (or a summary's items) ended, who acted
SUMMARY_BUTTONS = 8  # items with their own "open" button on a summary card
PRESS_ACTIONS = frozenset(ACTIONS.values())
SNOOZE_ROW = frozenset({"sla_ack", "sla_snooze"})


def _deal(facts: dict[str, Any]) -> str:
    name = facts.get("name")
    return str(name) if name else f"#{facts.get('deal')}"


def card_text(
    state: EscalationState,
    audience: int,
    directory: Directory,
    t: Texts,
) -> str:
    facts = dict(state.facts)
    manager = facts.get("manager")
    to_manager = audience == manager
    who = directory.name(manager)
    price = facts.get("price")
    money = t.money(float(price)) if isinstance(price, int | float) else ""
    match state.rule:
        case Rule.TAKE:
            key = "sla.card.take.manager" if to_manager else "sla.card.take.head"
            text = t(
                key,
                deal=_deal(facts),
                manager=who,
                since=_when(t, facts.get("since")),
                deadline=_when(t, facts.get("deadline")),
            )
            if facts.get("priority"):
                text += "\n" + t("sla.card.priority", source=str(facts["priority"]))
            return text
        case Rule.OVERDUE_PILE:
            return t(
                "sla.card.overdue_pile", manager=who, count=_int(facts, "count"), budget=money
            )
        case Rule.NO_TASK:
            key = "sla.card.no_task.manager" if to_manager else "sla.card.no_task.head"
            return t(
                key,
                deal=_deal(facts),
                manager=who,
                stage=str(facts.get("stage") or ""),
                since=_when(t, facts.get("since")),
            )
        case Rule.STUCK:
            key = "sla.card.stuck.manager" if to_manager else "sla.card.stuck.head"
            return t(
                key,
                deal=_deal(facts),
                manager=who,
                stage=str(facts.get("stage") or ""),
                entered=_when(t, facts.get("entered")),
                days=_int(facts, "limit_days"),
            )
        case Rule.CLOSED_STAGE:
            text = t(
                "sla.card.closed_stage",
                deal=_deal(facts),
                moved_by=(
                    directory.name(facts["moved_by"])
                    if isinstance(facts.get("moved_by"), int)
                    else t("sla.card.closed_stage.unknown_mover")
                ),
                from_stage=str(facts.get("from_stage") or ""),
                to_stage=str(facts.get("to_stage") or ""),
            )
            if facts.get("reverted"):
                text += "\n" + t("sla.card.closed_stage.reverted")
            return text
        case Rule.HANDOVER:
            return t(
                "sla.card.handover",
                manager=who,
                days=_int(facts, "days_off"),
                text=str(facts.get("text") or "—"),
                deal=f"#{facts.get('deal')}",
                due=_when(t, facts.get("due")),
            )
        case _:
            text = t("sla.card.nobody_on_shift", deal=_deal(facts))
            if isinstance(facts.get("until"), datetime):
                text += "\n" + t("sla.card.nobody_on_shift.until", when=_when(t, facts["until"]))
            return text


def _int(facts: dict[str, Any], key: str) -> int:
    value = facts.get(key)
    return int(value) if isinstance(value, int | float) else 0


def _when(t: Texts, value: Any) -> str:
    return t.when(value) if isinstance(value, datetime) else "—"


def button_specs(
    state: EscalationState,
    buttons: Sequence[Button],
    directory: Directory,
    t: Texts,
    rp: ResolvedPlaybook,
) -> tuple[tuple[ButtonSpec, ...], ...]:
    """One row per action button, the ack/snooze choices together in the last row."""
    rows: list[tuple[ButtonSpec, ...]] = []
    tail: list[ButtonSpec] = []
    base = {"rule": state.rule.value, "subject": state.subject_key}
    for button in buttons:
        args = dict(button.args)
        action = ACTIONS.get(button.action, f"sla_{button.action}")
        spec = ButtonSpec(_label(button, args, state, directory, t, rp), action, {**base, **args})
        if action in SNOOZE_ROW:
            tail.append(spec)
        else:
            rows.append((spec,))
    if tail:
        rows.append(tuple(tail))
    return tuple(rows)


def _label(
    button: Button,
    args: dict[str, Any],
    state: EscalationState,
    directory: Directory,
    t: Texts,
    rp: ResolvedPlaybook,
) -> str:
    match button.action:
        case "reassign" | "handover":
            return t(button.label, name=directory.name(args.get("to")))
        case "snooze":
            return t(button.label, minutes=int(args.get("minutes", 0)))
        case "next_step":
            return t(button.label, text=template_text(rp, int(args.get("template", 0)), state, t))
        case _:
            return t(button.label)


def template_text(rp: ResolvedPlaybook, index: int, state: EscalationState, t: Texts) -> str:
    facts = dict(state.facts)
    deal = facts.get("deal")
    name = str(facts.get("name") or "")
    return template_label(rp, index, deal if isinstance(deal, int) else 0, name, t)


def template_label(rp: ResolvedPlaybook, index: int, deal_id: int, name: str, t: Texts) -> str:
    """A next-step template's task text for the deal, as its button shows it."""
    templates = rp.playbook.sla.no_task.templates
    if not 0 <= index < len(templates):
        return "—"
    full = rp.playbook.task(templates[index])
    view = DealView(deal_id, 0, 0, 0, name=name)
    return t.text(Text.from_spec(full.text, base_params(view)))


def card_view(
    state: EscalationState,
    audience: int,
    buttons: Sequence[Button],
    directory: Directory,
    t: Texts,
    rp: ResolvedPlaybook,
) -> CardView:
    return CardView(
        card_text(state, audience, directory, t), button_specs(state, buttons, directory, t, rp)
    )


def closed_tail(reason: str, t: Texts, **params: str | int) -> str:
    key = CLOSE_REASONS.get(reason, CLOSE_REASONS["cleared"])
    return t(key, **params) if params else t(key)


def kept_after_close(old: CardView, rule: Rule, reason: str) -> tuple[tuple[ButtonSpec, ...], ...]:
    """Buttons that still apply once the record closed: only a reverted deal's "Keep it open"."""
    if rule is not Rule.CLOSED_STAGE or reason != "reverted":
        return ()
    kept = (tuple(b for b in row if b.action == "sla_reopen") for row in old.buttons)
    return tuple(row for row in kept if row)


def with_notice(
    old: CardView, notice: str, keep: tuple[tuple[ButtonSpec, ...], ...] = ()
) -> CardView:
    """The card's text with a line added below (how it ended, who acted) and `keep` buttons."""
    base = old.text.split(NOTES)[0]
    return CardView(f"{base}{NOTES}{notice}", keep)


def facts_line(facts: Facts) -> str:
    found = dict(facts)
    return str(found.get("name") or found.get("deal") or found.get("manager") or "")


# --- the noise budget's summary card --------------------------------------------------------


def summary_buttons(
    action: Summary, directory: Directory, t: Texts
) -> tuple[tuple[ButtonSpec, ...], ...]:
    """One "open" button per grouped item (the first SUMMARY_BUTTONS), then "Show all"."""
    rows: list[tuple[ButtonSpec, ...]] = []
    for item in action.items[:SUMMARY_BUTTONS]:
        facts = dict(item.state.facts)
        name = str(facts.get("name") or "") or directory.name(facts.get("manager"))
        args = {"rule": item.state.rule.value, "subject": item.state.subject_key}
        rows.append((ButtonSpec(t("sla.button.show_item", name=name)[:64], "sla_show", args),))
    if len(action.items) > 1:
        count = len(action.items)
        rows.append((ButtonSpec(t("sla.button.show_all", count=count), "sla_show_all", {}),))
    return tuple(rows)


def summary_without(
    old: CardView, gone: Sequence[tuple[Rule | str, str]], line: str = ""
) -> CardView:
    """The summary once some items have their own card (or closed): their buttons go, and
    "Show all" with them when no item is left."""
    drop = {(str(getattr(rule, "value", rule)), subject) for rule, subject in gone}
    rows = [
        row
        for row in old.buttons
        if not any(
            b.action == "sla_show" and (b.args.get("rule"), b.args.get("subject")) in drop
            for b in row
        )
    ]
    if not any(b.action == "sla_show" for row in rows for b in row):
        rows = [row for row in rows if not any(b.action == "sla_show_all" for b in row)]
    return CardView(_with_line(old.text, line), tuple(rows))


def _with_line(text: str, line: str) -> str:
    """The summary with `line` below its list; once the card would outgrow Telegram's limit the
    oldest of those lines give way to "…" (the list itself and the newest news stay)."""
    if not line:
        return text
    base, _, notes = text.partition(NOTES)
    kept = [n for n in notes.split("\n") if n and n != ELLIPSIS] + [line]
    cut = False
    while len(kept) > 1 and size(base + NOTES + "\n".join(kept)) > MESSAGE_LIMIT - 2:
        kept.pop(0)
        cut = True
    return base + NOTES + "\n".join([ELLIPSIS, *kept] if cut else kept)
