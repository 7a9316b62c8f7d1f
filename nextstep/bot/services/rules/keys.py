"""Every message key the rules' runtime renders (engine `TellKind`/`RuleRejectReason` values
and its own cards), marked for `pybabel extract`; both catalogs translate each of them."""

from __future__ import annotations

from nextstep.bot.i18n import N_

RULE_KEYS = (
    N_("rules.handoff.sent_note"),
    N_("rules.handoff.accepted"),
    N_("rules.handoff.question"),
    N_("rules.handoff.question_note"),
    N_("rules.handoff.answer"),
    N_("rules.handoff.answer_note"),
    N_("rules.handoff.ready"),
    N_("rules.handoff.escalation"),
    N_("rules.date.reminder"),
    N_("rules.nps.low"),
    N_("rules.reject.handoff_unknown"),
    N_("rules.reject.handoff_not_open"),
    N_("rules.reject.handoff_taken"),
    N_("rules.reject.handoff_not_accepted"),
    N_("rules.reject.empty_text"),
    N_("rules.reject.nps_not_offered"),
    N_("rules.reject.task_not_open"),
    N_("rules.reject.bad_score"),
    N_("rules.value.yes"),
    N_("rules.value.no"),
    N_("rules.handoff.card"),
    N_("rules.handoff.field"),
    N_("rules.handoff.field_empty"),
    N_("rules.handoff.manager"),
    N_("rules.handoff.taken_by"),
    N_("rules.handoff.done"),
    N_("rules.button.accept"),
    N_("rules.button.need_info"),
    N_("rules.button.ready"),
    N_("rules.button.reply"),
    N_("rules.nps.card"),
    N_("rules.ask_fields"),
    N_("rules.ask_fields.item"),
    N_("rules.ask_fields.held"),
    N_("rules.prompt.question"),
    N_("rules.prompt.answer"),
    N_("rules.prompt.sent"),
    N_("rules.linked.source_note"),
    N_("rules.linked.target_note"),
)
