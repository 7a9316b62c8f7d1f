"""References to pipelines, stages and loss reasons, by name or by position and kind.

A customer playbook names things (`{pipeline: "Дизайн", stage: "Взят в работу"}`); the default
playbook refers by position and kind (`first_working`, `next`, `{position: 3}`, `lost`) so that it
runs unedited on any account. `resolve.py` turns both into CRM ids.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, PositiveInt, model_validator

MAIN = "main"  # the account's main pipeline (is_main, else the first one)


class StageKeyword(StrEnum):
    UNSORTED = "unsorted"
    FIRST_WORKING = "first_working"
    SECOND_WORKING = "second_working"
    NEXT = "next"  # the working stage after the deal's current one
    WON = "won"
    LOST = "lost"
    ASK = "ask"  # offer the following stages as buttons (call outcomes only)


class _Ref(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StageRef(_Ref):
    """One stage: a keyword, `{stage: name}` or `{position: N}`, optionally with `pipeline`.

    Without `pipeline` the stage is looked up in the deal's own pipeline.
    """

    allowed: ClassVar[frozenset[StageKeyword]] = frozenset(StageKeyword) - {StageKeyword.ASK}

    pipeline: str | None = None
    kind: StageKeyword | None = None
    stage: str | None = None
    position: PositiveInt | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_keyword(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if value in cls.allowed:
            return {"kind": value}
        words = ", ".join(sorted(cls.allowed))
        raise ValueError(
            f"unknown stage keyword {value!r}: use one of {words}, "
            f'or {{stage: "Stage name"}}, or {{position: N}}'
        )

    @model_validator(mode="after")
    def _one_target(self) -> StageRef:
        given = [x for x in (self.kind, self.stage, self.position) if x is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of: a keyword (kind), stage (a name), position")
        if self.kind is not None and self.kind not in self.allowed:
            raise ValueError(f"{self.kind!s} is not allowed here")
        if self.pipeline is not None and self.kind is StageKeyword.NEXT:
            raise ValueError("`next` is relative to the deal's own stage; drop `pipeline`")
        return self

    @classmethod
    def of(cls, kind: StageKeyword) -> Self:
        return cls(kind=kind)

    def describe(self) -> str:
        """How the file wrote it, for error messages."""
        where = f"{self.pipeline!r}: " if self.pipeline else ""
        if self.kind is not None:
            return f"{where}{self.kind}"
        if self.stage is not None:
            return f"{where}stage {self.stage!r}"
        return f"{where}position {self.position}"


class MoveTarget(StageRef):
    """Where a call outcome moves the deal; may also be `ask` (the manager picks)."""

    allowed: ClassVar[frozenset[StageKeyword]] = frozenset(StageKeyword)


class PipelineScope(_Ref):
    """`any`, `main` or a list of pipeline names (`main` may appear in the list)."""

    names: tuple[str, ...] | None = None  # None: every pipeline the playbook fits

    @model_validator(mode="before")
    @classmethod
    def _from_words(cls, value: Any) -> Any:
        if value == "any":
            return {"names": None}
        if isinstance(value, str):
            return {"names": (value,)}
        if isinstance(value, list | tuple):
            return {"names": tuple(value)}
        return value


class LossReasonRef(_Ref):
    """A loss reason by name; the names are tried in order (accounts word them differently)."""

    names: tuple[str, ...]
    if_missing: Literal["no_reason", "error"] = "no_reason"

    @model_validator(mode="before")
    @classmethod
    def _from_name(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"names": (value,)}
        if isinstance(value, list | tuple):
            return {"names": tuple(value)}
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> LossReasonRef:
        if not self.names:
            raise ValueError("name at least one loss reason")
        return self


class LossReasonOffer(_Ref):
    """Which loss reasons a manager may pick: `all` or a list of names."""

    names: tuple[str, ...] | None = None  # None: all of the account's reasons

    @model_validator(mode="before")
    @classmethod
    def _from_words(cls, value: Any) -> Any:
        if value == "all":
            return {"names": None}
        if isinstance(value, list | tuple):
            return {"names": tuple(value)}
        if isinstance(value, str):
            raise ValueError("expected `all` or a list of loss reason names")
        return value
