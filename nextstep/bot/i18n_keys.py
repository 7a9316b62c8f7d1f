"""Every message key the services render through `Texts` (`t("key")`), marked for extraction.

`pybabel extract` only sees `_()` and `N_()`; services render with `Texts`, so their keys are
listed here once. A unit test checks every key used in the code is here and translated.
"""

from __future__ import annotations

from nextstep.bot.i18n import N_

UI_KEYS = (
    N_("card.field.client"),
    N_("card.field.phone"),
    N_("card.field.source"),
    N_("card.field.budget"),
    N_("card.field.stage"),
    N_("card.field.custom"),
    N_("card.task"),
    N_("card.overdue"),
    N_("card.status.won"),
    N_("card.status.lost"),
    N_("card.status.taken"),
    N_("card.status.task_done"),
    N_("card.status.no_task"),
    N_("card.status.deleted"),
    N_("card.notice"),
    N_("button.take"),
    N_("button.stay"),
    N_("button.stage_won"),
    N_("button.confirm"),
    N_("button.change"),
    N_("format.datetime"),
    N_("prompt.result_text"),
    N_("prompt.next_stage"),
    N_("prompt.loss_reason"),
    N_("prompt.call_back"),
    N_("prompt.call_back_unclear"),
    N_("prompt.call_back_confirm"),
    N_("prompt.chosen"),
    N_("prompt.closed"),
    N_("calltime.in_hour"),
    N_("calltime.this_evening"),
    N_("calltime.tomorrow_morning"),
    N_("error.crm_read"),
    N_("error.unexpected"),
    N_("today.header"),
    N_("today.empty"),
    N_("press.forbidden"),
    N_("press.used"),
    N_("press.unknown"),
    N_("pairing.welcome"),
    N_("pairing.already"),
    N_("pairing.used"),
    N_("pairing.expired"),
    N_("pairing.unknown"),
    N_("pairing.not_paired"),
    N_("pairing.hello"),
    N_("lang.choose"),
    N_("lang.set"),
    N_("invite.pick_user"),
    N_("invite.pick_role"),
    N_("invite.link"),
    N_("invite.admins_only"),
)
