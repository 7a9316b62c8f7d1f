"""Texts a playbook writes into the CRM: a plain template, or an i18n message key.

A plain string is used as written (in the team's language). `{msg: key}` names a message of the
locale catalogs instead, so one playbook serves Russian and English accounts alike.
"""

from __future__ import annotations

import string
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

# Placeholders a template may use; the engine fills those that apply where the text is used.
PLACEHOLDERS = frozenset(
    # date, score, who, question: date rules, NPS and hand-offs (engine/rules).
    {"deal", "result", "attempt", "at", "reason", "date", "score", "who", "question"}
)


def _placeholders(template: str) -> set[str]:
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValueError(f"bad braces in text {template!r}: {exc}") from None
    return {name for _, name, _, _ in parsed if name is not None}


class TextSpec(BaseModel):
    """`"Перезвонить клиенту"`, `"Итог: {result}"` or `{msg: "playbook.call_task"}`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str | None = None
    msg: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"text": value}
        if isinstance(value, bool | int | float) or value is None:
            raise ValueError(
                f"expected a text, got {value!r} (YAML reads unquoted yes/no/on/off as "
                "true/false and digits as numbers: put the text in quotes)"
            )
        return value

    @model_validator(mode="after")
    def _check(self) -> TextSpec:
        if (self.text is None) == (self.msg is None):
            raise ValueError("write either a text or {msg: key}")
        if self.text is not None:
            if not self.text.strip():
                raise ValueError("the text is empty")
            unknown = _placeholders(self.text) - PLACEHOLDERS
            if unknown:
                known = ", ".join(f"{{{p}}}" for p in sorted(PLACEHOLDERS))
                bad = ", ".join(f"{{{p}}}" for p in sorted(unknown))
                raise ValueError(f"unknown placeholder {bad}; known: {known}")
        return self

    @classmethod
    def key(cls, msg: str) -> TextSpec:
        return cls(msg=msg)
