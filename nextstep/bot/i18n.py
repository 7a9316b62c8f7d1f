"""Texts in the person's language: gettext catalogs (aiogram I18n) and Babel date/money formats.

Messages are keyed (`"card.new_deal.title"`), like the engine's own keys, so a missing
translation shows up as a key rather than silently in the other language. Rendering happens at
enqueue time, in the recipient's locale and time zone (see docs/bot-layer.md, rule 3).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import I18n
from babel.dates import format_date, format_datetime, format_timedelta
from babel.numbers import format_currency

from nextstep.bot.engine.texts import ParamValue, Span, Text
from nextstep.bot.i18n_compile import compile_catalogs

LOCALES = ("ru", "en")
DOMAIN = "messages"


def N_(key: str) -> str:
    """Marks a key for `pybabel extract` where it is only named, not translated, here."""
    return key


# Keys the engine and the default playbook name (extracted through N_ so the catalogs hold them).
ENGINE_KEYS = (
    N_("outcome.reached"),
    N_("outcome.no_answer"),
    N_("outcome.call_back"),
    N_("outcome.not_interested"),
    N_("playbook.take.task_result"),
    N_("engine.reject.deal_closed"),
    N_("engine.reject.already_taken"),
    N_("engine.reject.task_not_open"),
    N_("engine.reject.outcome_not_offered"),
    N_("engine.reject.pipeline_not_covered"),
    N_("engine.reject.time_in_past"),
    N_("engine.reject.loss_reason_not_offered"),
    N_("engine.reject.stage_not_offered"),
)
SPAN_KEYS = {0: N_("span.today"), 1: N_("span.tomorrow"), -1: N_("span.yesterday")}
ROLE_KEYS = {
    "manager": N_("role.manager"),
    "head": N_("role.head"),
    "estimator": N_("role.estimator"),
    "admin": N_("role.admin"),
    # Roles the shipped playbooks bring (any other playbook role shows as its name).
    "accountant": N_("role.accountant"),
    "trainer": N_("role.trainer"),
    "account_manager": N_("role.account_manager"),
    "location_admin": N_("role.location_admin"),
}


def role_label(translate: Callable[[str], str], role: str) -> str:
    """A role as people read it: translated when the catalogs know it, else its own name."""
    key = ROLE_KEYS.get(role)
    return translate(key) if key is not None else role.replace("_", " ")


CARD_TITLE_KEYS = {
    "new_deal": N_("card.new_deal.title"),
    "call_task": N_("card.call_task.title"),
    "task_due": N_("card.task_due.title"),
    "deal_assigned": N_("card.deal_assigned.title"),
}


def build_i18n(locales_path: Path, default_locale: str = "ru") -> I18n:
    """Compile stale catalogs first: aiogram's I18n refuses a .po without its .mo."""
    compile_catalogs(locales_path)
    return I18n(path=locales_path, default_locale=default_locale, domain=DOMAIN)


def zone(name: str | None, default: str = "Europe/Moscow") -> ZoneInfo:
    try:
        return ZoneInfo(name or default)
    except (KeyError, ValueError):
        return ZoneInfo(default)


class Texts:
    """Renders texts for one person: their locale and time zone."""

    def __init__(self, i18n: I18n, locale: str, tz: str | None = None) -> None:
        self.i18n = i18n
        self.locale = locale if locale in i18n.available_locales else i18n.default_locale
        self.tz = zone(tz)

    def __call__(self, key: str, /, **params: ParamValue) -> str:
        message = self.i18n.gettext(key, locale=self.locale)
        return message.format(**self._plain(params)) if params else message

    def when(self, moment: datetime) -> str:
        """A moment as the person reads it: "3 марта, 15:00" / "March 3, 15:00"."""
        pattern = self("format.datetime")
        return format_datetime(moment, pattern, tzinfo=self.tz, locale=self.locale)

    def day(self, value: date) -> str:
        """A calendar day as the person reads it: "12 марта" / "12 March" (no time)."""
        return format_date(value, self("format.date"), locale=self.locale)

    def money(self, amount: float, currency: str = "RUB") -> str:
        return format_currency(
            amount, currency, format="#,##0 ¤", currency_digits=False, locale=self.locale
        )

    def span(self, span: Span) -> str:
        """A distance from today: "сегодня", "завтра", "через 3 дня", "2 месяца назад"."""
        if span.months == 0 and span.days in SPAN_KEYS:
            return self(SPAN_KEYS[span.days])
        sign = -1 if span.months < 0 or (span.months == 0 and span.days < 0) else 1
        if span.months:  # calendar months read as months ("через 2 месяца"), days as days
            delta = timedelta(days=30 * abs(span.months) + abs(span.days))
            threshold = 0.85
        else:
            delta, threshold = timedelta(days=abs(span.days)), 1000.0
        return format_timedelta(
            sign * delta,
            granularity="day",
            threshold=threshold,
            add_direction=True,
            locale=self.locale,
        )

    def text(self, text: Text) -> str:
        """An engine `Text`: a playbook template as written, or a catalog key."""
        params = self._plain(text.params_dict())
        if text.template is not None:
            return text.template.format(**params)
        if text.key is not None:
            return self.i18n.gettext(text.key, locale=self.locale).format(**params)
        return ""

    def _plain(self, params: Mapping[str, ParamValue]) -> dict[str, str | int | float]:
        return {k: self._plain_one(v) for k, v in params.items()}

    def _plain_one(self, value: ParamValue) -> str | int | float:
        if isinstance(value, datetime):
            return self.when(value)
        if isinstance(value, date):
            return self.day(value)
        if isinstance(value, Span):
            return self.span(value)
        return value
