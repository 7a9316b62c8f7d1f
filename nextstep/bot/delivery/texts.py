"""The few texts the relays write themselves (who cannot be reached, what the CRM refused).

They are catalog keys, rendered at enqueue time in the recipient's locale through aiogram's
`I18n` (the same catalogs as the rest of the bot). Until the catalogs hold these keys, gettext
hands the key back; then the built-in text below is used, so a notice is never just a key.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from aiogram.utils.i18n import I18n

# Render a key with its parameters in a locale: (locale, key, params) -> text.
Render = Callable[[str, str, Mapping[str, str]], str]
# The brief's narrower hook for the one Telegram notice: (locale, name, reason) -> text.
RenderUnreachable = Callable[[str, str, str], str]

STAFF_UNREACHABLE = "delivery.staff_unreachable"
REASON_BLOCKED = "delivery.reason.blocked"
REASON_DEACTIVATED = "delivery.reason.deactivated"
CRM_REFUSED = "delivery.crm_refused"
CRM_RETRY_BUTTON = "delivery.crm_refused.retry"
CRM_NO_ACCESS = "delivery.crm_no_access"
OP_NAMES = {
    "update_deal": "delivery.op.update_deal",
    "create_task": "delivery.op.create_task",
    "complete_task": "delivery.op.complete_task",
    "update_task": "delivery.op.update_task",
    "add_note": "delivery.op.add_note",
    "add_call_note": "delivery.op.add_call_note",
    "run_salesbot": "delivery.op.run_salesbot",
    "create_deal": "delivery.op.create_deal",
}

KEYS = (
    STAFF_UNREACHABLE,
    REASON_BLOCKED,
    REASON_DEACTIVATED,
    CRM_REFUSED,
    CRM_RETRY_BUTTON,
    CRM_NO_ACCESS,
    *OP_NAMES.values(),
)

FALLBACK: dict[str, dict[str, str]] = {
    "ru": {
        STAFF_UNREACHABLE: "⚠️ Не могу писать сотруднику {name}: {reason}. "
        "Сообщения ему не доставляются, пока он снова не запустит бота.",
        REASON_BLOCKED: "он заблокировал бота",
        REASON_DEACTIVATED: "его аккаунт Telegram удалён",
        CRM_REFUSED: "⚠️ CRM не приняла изменение по сделке #{deal_id} ({what}):\n{errors}\n"
        "Исправьте это в CRM и нажмите «Повторить».",
        CRM_RETRY_BUTTON: "Повторить",
        CRM_NO_ACCESS: "⚠️ CRM отказывает боту в доступе ({detail}). Изменения копятся "
        "и уйдут, когда доступ вернётся; проверьте оплату аккаунта и права интеграции.",
        "delivery.op.update_deal": "изменение сделки",
        "delivery.op.create_task": "новая задача",
        "delivery.op.complete_task": "закрытие задачи",
        "delivery.op.update_task": "изменение задачи",
        "delivery.op.add_note": "примечание",
        "delivery.op.add_call_note": "запись о звонке",
        "delivery.op.run_salesbot": "запуск Salesbot",
        "delivery.op.create_deal": "новая сделка",
    },
    "en": {
        STAFF_UNREACHABLE: "⚠️ I cannot message {name}: {reason}. "
        "Nothing reaches them until they start the bot again.",
        REASON_BLOCKED: "they blocked the bot",
        REASON_DEACTIVATED: "their Telegram account was deleted",
        CRM_REFUSED: "⚠️ The CRM refused a change to deal #{deal_id} ({what}):\n{errors}\n"
        "Fix it in the CRM, then press Retry.",
        CRM_RETRY_BUTTON: "Retry",
        CRM_NO_ACCESS: "⚠️ The CRM denies the bot access ({detail}). Changes are kept and go "
        "out once access is back; check the account's payment and the integration's rights.",
        "delivery.op.update_deal": "deal update",
        "delivery.op.create_task": "new task",
        "delivery.op.complete_task": "task completion",
        "delivery.op.update_task": "task update",
        "delivery.op.add_note": "note",
        "delivery.op.add_call_note": "call note",
        "delivery.op.run_salesbot": "Salesbot run",
        "delivery.op.create_deal": "new deal",
    },
}


def make_render(i18n: I18n | None) -> Render:
    """A renderer over the catalogs, falling back to the built-in texts for missing keys."""

    def render(locale: str, key: str, params: Mapping[str, str]) -> str:
        message = key
        if i18n is not None:
            loaded = locale if locale in i18n.available_locales else i18n.default_locale
            message = i18n.gettext(key, locale=loaded)
        if message == key:
            table = FALLBACK.get(locale) or FALLBACK["en"]
            message = table.get(key, key)
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
