"""The `guards` section: moves the regulation forbids (story 001: back out of a closed stage)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ClosedStageGuard(_Section):
    """A deal moved from won/lost back to a working stage: put it back, tell the head who."""

    enabled: bool = True
    revert: bool = True  # false: only tell the head


class Guards(_Section):
    closed_stage: ClosedStageGuard = ClosedStageGuard()
