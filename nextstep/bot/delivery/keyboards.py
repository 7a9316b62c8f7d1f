"""Outbox `buttons` → an inline keyboard: `{"text", "cb"}` → callback_data "c:<id>", or a URL."""

from __future__ import annotations

from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

CALLBACK_PREFIX = "c:"


class BadButtons(ValueError):
    """The payload's buttons are not in the documented shape (a bug in whoever enqueued it)."""


def build_markup(buttons: Any) -> InlineKeyboardMarkup | None:
    """None for no buttons (an edit then removes the old ones, as Telegram does)."""
    if not buttons:
        return None
    if not isinstance(buttons, list):
        raise BadButtons(f"buttons must be a list of rows, got {type(buttons).__name__}")
    rows: list[list[InlineKeyboardButton]] = []
    for row in buttons:
        if not isinstance(row, list):
            raise BadButtons(f"a button row must be a list, got {row!r}")
        rows.append([_button(spec) for spec in row])
    rows = [row for row in rows if row]
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def _button(spec: Any) -> InlineKeyboardButton:
    if not isinstance(spec, dict) or not isinstance(spec.get("text"), str):
        raise BadButtons(f"a button needs a text: {spec!r}")
    if isinstance(spec.get("cb"), str):
        return InlineKeyboardButton(text=spec["text"], callback_data=CALLBACK_PREFIX + spec["cb"])
    if isinstance(spec.get("url"), str):
        return InlineKeyboardButton(text=spec["text"], url=spec["url"])
    raise BadButtons(f"a button needs a cb or a url: {spec!r}")
