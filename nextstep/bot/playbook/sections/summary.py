"""One line per rule section for `nextstep playbook check`'s summary."""

from __future__ import annotations

from nextstep.bot.playbook.model import Playbook


def rules_summary(playbook: Playbook) -> list[str]:
    parts: list[str] = []
    if playbook.handoffs and playbook.handoffs.rules:
        roles = sorted({h.to for h in playbook.handoffs.rules})
        parts.append(f"{len(playbook.handoffs.rules)} hand-offs (to {', '.join(roles)})")
    if playbook.linked_deals and playbook.linked_deals.rules:
        parts.append(f"{len(playbook.linked_deals.rules)} linked-deal rules")
    if playbook.date_rules and playbook.date_rules.rules:
        count = sum(len(r.offsets) for r in playbook.date_rules.rules)
        parts.append(f"{len(playbook.date_rules.rules)} date rules ({count} reminders)")
    if playbook.recycling and playbook.recycling.rules:
        parts.append(f"{len(playbook.recycling.rules)} recycling rules")
    if playbook.nps is not None:
        parts.append(f"NPS 0–10 (promoters from {playbook.nps.promoter_from})")
    return parts
