"""The few texts the relays write themselves (who cannot be reached, what the CRM refused).

They are catalog keys, rendered at enqueue time in the recipient's locale through aiogram's
`I18n` (the same `locales/` catalogs as the rest of the bot; a unit test keeps every key
translated in both languages).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from aiogram.utils.i18n import I18n

from nextstep.bot.config import REPO_ROOT
from nextstep.bot.i18n import N_, build_i18n

# Render a key with its parameters in a locale: (locale, key, params) -> text.
Render = Callable[[str, str, Mapping[str, str]], str]
# The brief's narrower hook for the one Telegram notice: (locale, name, reason) -> text.
RenderUnreachable = Callable[[str, str, str], str]

STAFF_UNREACHABLE = N_("delivery.staff_unreachable")
REASON_BLOCKED = N_("delivery.reason.blocked")
REASON_DEACTIVATED = N_("delivery.reason.deactivated")
CRM_REFUSED = N_("delivery.crm_refused")
CRM_RETRY_BUTTON = N_("delivery.crm_refused.retry")
CRM_REFUSED_HANDOVER = N_("delivery.crm_refused.handover")
CRM_NO_ACCESS = N_("delivery.crm_no_access")
OP_NAMES = {
    "update_deal": N_("delivery.op.update_deal"),
    "create_task": N_("delivery.op.create_task"),
    "complete_task": N_("delivery.op.complete_task"),
    "update_task": N_("delivery.op.update_task"),
    "add_note": N_("delivery.op.add_note"),
    "add_call_note": N_("delivery.op.add_call_note"),
    "run_salesbot": N_("delivery.op.run_salesbot"),
    "create_deal": N_("delivery.op.create_deal"),
}

KEYS = (
    STAFF_UNREACHABLE,
    REASON_BLOCKED,
    REASON_DEACTIVATED,
    CRM_REFUSED,
    CRM_RETRY_BUTTON,
    CRM_REFUSED_HANDOVER,
    CRM_NO_ACCESS,
    *OP_NAMES.values(),
)


def make_render(i18n: I18n | None) -> Render:
    """A renderer over the catalogs (the repository's own when none is given)."""
    catalogs = i18n or build_i18n(REPO_ROOT / "locales")

    def render(locale: str, key: str, params: Mapping[str, str]) -> str:
        loaded = locale if locale in catalogs.available_locales else catalogs.default_locale
        message = catalogs.gettext(key, locale=loaded)
        return message.format(**params) if params else message

    return render


def unreachable_from(render: Render) -> RenderUnreachable:
    def render_unreachable(locale: str, name: str, reason: str) -> str:
        return render(locale, STAFF_UNREACHABLE, {"name": name, "reason": reason})

    return render_unreachable


def reason_key(telegram_error: str) -> str | None:
    """The catalog key for a known 403 reason, or None (the raw text is shown then)."""
    lowered = telegram_error.lower()
    if "blocked" in lowered or "kicked" in lowered:
        return REASON_BLOCKED
    if "deactivated" in lowered:
        return REASON_DEACTIVATED
    return None
