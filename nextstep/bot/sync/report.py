"""What one sync did, in counts an operator (or a test) can read: "0 changed" on a quiet CRM."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class EntityCounts:
    """`fetched` = read from the CRM; the others classify what that did to the mirror.

    `updated` also counts rows changed without being fetched: a deal gone from the CRM marked
    deleted, an open task gone from the CRM marked completed.
    """

    fetched: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def changed(self) -> int:
        return self.inserted + self.updated


@dataclass
class SyncReport:
    full: bool
    lead_filters: bool | None = None  # None: not asked (full sync walks every lead anyway)
    users: EntityCounts = field(default_factory=EntityCounts)
    pipelines: EntityCounts = field(default_factory=EntityCounts)
    deals: EntityCounts = field(default_factory=EntityCounts)
    tasks: EntityCounts = field(default_factory=EntityCounts)
    events: int = 0  # status/responsible change events read from the feed
    requests: int = 0  # HTTP requests the client sent (its own counter; 0 if it has none)

    def _all(self) -> tuple[EntityCounts, ...]:
        return (self.users, self.pipelines, self.deals, self.tasks)

    @property
    def fetched(self) -> int:
        return sum(c.fetched for c in self._all())

    @property
    def inserted(self) -> int:
        return sum(c.inserted for c in self._all())

    @property
    def updated(self) -> int:
        return sum(c.updated for c in self._all())

    @property
    def unchanged(self) -> int:
        return sum(c.unchanged for c in self._all())

    @property
    def changed(self) -> int:
        return self.inserted + self.updated

    def summary(self) -> str:
        kind = "full" if self.full else "incremental"
        filters = {None: "", True: ", lead filters honoured", False: ", lead filters ignored"}
        parts = [
            f"{name} {c.fetched} fetched/{c.inserted} new/{c.updated} updated"
            for name, c in zip(("users", "pipelines", "deals", "tasks"), self._all(), strict=True)
        ]
        return (
            f"{kind} sync: {self.changed} changed ({'; '.join(parts)}); "
            f"{self.events} events, {self.requests} requests{filters[self.lead_filters]}"
        )
