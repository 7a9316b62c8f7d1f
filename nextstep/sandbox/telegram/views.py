"""Read-only snapshots of a chat as the user sees it, for assertions and the transcript."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from .state import Message


class Button(NamedTuple):
    """An inline button: its label and its callback_data (or URL for link buttons).

    A tuple, so ``buttons == [[("Take", "t:1")]]`` reads naturally in tests.
    """

    text: str
    value: str


@dataclass(frozen=True)
class PhotoView:
    file_id: str
    size: int
    width: int
    height: int
    filename: str | None


@dataclass(frozen=True)
class ChatMessage:
    message_id: int
    from_bot: bool
    date: int
    text: str | None
    caption: str | None
    buttons: list[list[Button]]
    photo: PhotoView | None
    edited: bool
    deleted: bool

    @property
    def body(self) -> str:
        """The text, or the caption of a photo (empty when neither)."""
        return self.text or self.caption or ""

    @property
    def button_texts(self) -> list[str]:
        return [button.text for row in self.buttons for button in row]

    def callback_data(self, button_text: str) -> str:
        """The callback_data behind the button labelled ``button_text``."""
        for row in self.buttons:
            for button in row:
                if button.text == button_text:
                    return button.value
        raise KeyError(f"no button {button_text!r} on message {self.message_id}: {self.buttons}")


def _button_value(button: dict[str, object]) -> str:
    for key in ("callback_data", "url", "switch_inline_query", "copy_text"):
        value = button.get(key)
        if isinstance(value, str):
            return value
        if isinstance(value, dict) and isinstance(value.get("text"), str):
            return str(value["text"])
    return ""


def chat_message(message: Message) -> ChatMessage:
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    buttons = [[Button(str(b["text"]), _button_value(b)) for b in row] for row in rows]
    photo = message.photo
    return ChatMessage(
        message_id=message.message_id,
        from_bot=message.from_bot,
        date=message.date,
        text=message.text,
        caption=message.caption,
        buttons=buttons,
        photo=(
            PhotoView(photo.file_id, photo.size, photo.width, photo.height, photo.filename)
            if photo is not None
            else None
        ),
        edited=message.edit_date is not None,
        deleted=message.deleted,
    )
