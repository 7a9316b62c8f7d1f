"""Bind the `sla` section's stage names to one account: stuck-on-stage limits by status id.

Errors follow the resolver's style: what is missing, and what the CRM has. A stage named
without a pipeline is looked up in every pipeline the playbook runs in.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from nextstep.bot.playbook.model import Playbook
from nextstep.crm_client.models import Pipeline


def _norm(name: str) -> str:
    return " ".join(name.split()).casefold()


def _listed(names: Sequence[str]) -> str:
    return ", ".join(repr(n) for n in names) if names else "none"


def bind_stuck_days(
    playbook: Playbook,
    ordered: Sequence[Pipeline],
    covered: Collection[int],
    problems: list[str],
) -> Mapping[int, int]:
    """Status id → days allowed on it, for each `sla.stuck.stages` entry (later entries win)."""
    days: dict[int, int] = {}
    in_scope = [p for p in ordered if p.id in covered]
    for i, limit in enumerate(playbook.sla.stuck.stages):
        where = f"sla.stuck.stages.{i}"
        if limit.pipeline is not None:
            named = [p for p in ordered if _norm(p.name) == _norm(limit.pipeline)]
            if not named:
                problems.append(
                    f"{where}: no pipeline named {limit.pipeline!r}; "
                    f"the CRM has: {_listed([p.name for p in ordered])}"
                )
                continue
            pipelines = named
        else:
            pipelines = in_scope
        found = [s.id for p in pipelines for s in p.stages if _norm(s.name) == _norm(limit.stage)]
        if not found:
            stages = sorted({s.name for p in pipelines for s in p.stages if not s.is_closed})
            places = _listed([p.name for p in pipelines])
            problems.append(
                f"{where}: no stage named {limit.stage!r} in pipeline {places}; "
                f"their stages: {_listed(stages)}"
            )
            continue
        days.update(dict.fromkeys(found, limit.days))
    return days
