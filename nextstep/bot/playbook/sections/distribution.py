"""The `distribution` section: new leads go round robin to the team's managers on shift now."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, PositiveInt, field_validator


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Mode(StrEnum):
    ROUND_ROBIN = "round_robin"
    OFF = "off"  # the CRM (or people) assign leads; the bot only watches the take deadline


class Distribution(_Section):
    mode: Mode = Mode.OFF  # a fresh account keeps its own assignment until the playbook says
    # Relative shares by CRM user id (default 1): {4501: 2} gets two leads for others' one.
    weights: Mapping[int, PositiveInt] = {}
    # Skip a manager holding this many open deals or more (null: no cap).
    open_deal_cap: PositiveInt | None = None
    # Per-manager caps by CRM user id, over `open_deal_cap`.
    caps: Mapping[int, PositiveInt] = {}
    # With nobody on shift the lead waits for the first shift and the head is told.
    tell_head_when_nobody: bool = True

    @field_validator("mode", mode="before")
    @classmethod
    def _yaml_off(cls, value: Any) -> Any:
        return Mode.OFF if value is False else value  # YAML 1.1 reads a bare `off` as false

    def cap_of(self, crm_user_id: int) -> int | None:
        return self.caps.get(crm_user_id, self.open_deal_cap)
