"""Staff roles: the four the bot itself knows, plus every role the playbook names.

A customer's process has people beyond sales (the training center's accountant and trainer, the
online school's account manager, the quest rooms' location administrators). Whoever the playbook
hands deals, tasks or reminders to must be pairable with that role, so the set of roles is not
fixed in code: it is the built-ins plus the playbook's own `roles:` list plus every role a rule
uses (`to:`, `escalate_to:`, `responsible: {role: R}`, `notify: {role: R}`).
"""

from __future__ import annotations

import re

from nextstep.bot.playbook.model import Playbook
from nextstep.bot.playbook.sections.rule_common import NAME_PATTERN, ResponsibleKind

BUILTIN_ROLES = ("manager", "head", "estimator", "admin")
ROLE_MAX_LENGTH = 40
_ROLE = re.compile(NAME_PATTERN)


def is_role_name(value: str) -> bool:
    """A role as a playbook may spell it: lowercase latin, digits and `_`, ≤ 40 characters."""
    return bool(_ROLE.match(value)) and len(value) <= ROLE_MAX_LENGTH


def playbook_roles(playbook: Playbook) -> tuple[str, ...]:
    """The roles the playbook declares or hands work to, in first-mention order."""
    found: list[str] = list(playbook.roles)
    if playbook.handoffs is not None:
        for handoff in playbook.handoffs.rules:
            found += [handoff.to, handoff.escalate_to]
    responsibles = []
    if playbook.linked_deals is not None:
        responsibles += [r.responsible for r in playbook.linked_deals.rules]
    if playbook.recycling is not None:
        responsibles += [r.responsible for r in playbook.recycling.rules]
    for spec in responsibles:
        if spec.kind is ResponsibleKind.ROLE and spec.role is not None:
            found.append(spec.role)
        elif spec.kind is ResponsibleKind.ANOTHER_MANAGER:
            found.append("manager")
    if playbook.date_rules is not None:
        found += [r.notify.role for r in playbook.date_rules.rules if r.notify.role]
    return tuple(dict.fromkeys(found))


def known_roles(playbook: Playbook | None) -> tuple[str, ...]:
    """The roles a person may be paired with under this playbook (built-ins first)."""
    extra = playbook_roles(playbook) if playbook is not None else ()
    return tuple(dict.fromkeys((*BUILTIN_ROLES, *extra)))
