"""What every use case needs, built once by the application and handed to the Dispatcher."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aiogram.utils.i18n import I18n

from nextstep.bot.config import Settings
from nextstep.bot.i18n import Texts
from nextstep.bot.playbook.resolved import ResolvedPlaybook
from nextstep.bot.services.staff import StaffInfo
from nextstep.bot.storage import Database
from nextstep.crm_client.protocol import CrmClient


def utc_now() -> datetime:
    return datetime.now(UTC)


def _no_wake(kind: str) -> None:
    return None


@dataclass
class Services:
    """App-scope objects. `wake(kind)` is called after a commit that enqueued rows of `kind`
    ("telegram" / "crm") so the relay sends at once instead of at its next poll."""

    db: Database
    crm: CrmClient
    playbook: ResolvedPlaybook
    i18n: I18n
    settings: Settings
    clock: Callable[[], datetime] = utc_now
    wake: Callable[[str], None] = field(default=_no_wake)

    def now(self) -> datetime:
        return self.clock()

    def texts_for(self, staff: StaffInfo | None) -> Texts:
        if staff is None:
            return self.team_texts()
        return Texts(self.i18n, staff.locale, staff.timezone or self.settings.timezone)

    def team_texts(self) -> Texts:
        """The team's language and zone: for texts written into the CRM."""
        return Texts(self.i18n, self.settings.default_locale, self.settings.timezone)

    def woke(self, kinds: set[str]) -> None:
        for kind in sorted(kinds):
            self.wake(kind)
