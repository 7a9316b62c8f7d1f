"""A readable transcript of one chat, as the demo prints it.

Messages in order, each inline keyboard row as ``[ Text ] [ Text ]`` under its message, button
presses with the toast or alert the user saw. Deleted messages are left out unless asked for.
"""

from __future__ import annotations

from .state import CallbackQuery, Chat, Message
from .views import chat_message


def _indent(text: str, prefix: str) -> str:
    pad = " " * len(prefix)
    lines = text.splitlines() or [""]
    return "\n".join([prefix + lines[0], *(pad + line for line in lines[1:])])


def _render_message(message: Message, user_name: str, bot_name: str) -> list[str]:
    view = chat_message(message)
    who = bot_name if view.from_bot else user_name
    marks = []
    if view.edited:
        marks.append("edited")
    if view.deleted:
        marks.append("deleted")
    prefix = f"{who}{' (' + ', '.join(marks) + ')' if marks else ''}: "
    body = view.body
    if view.photo is not None:
        body = f"[photo {view.photo.width}x{view.photo.height}, {view.photo.size} bytes]" + (
            f"\n{view.caption}" if view.caption else ""
        )
    lines = [_indent(body, prefix)]
    pad = " " * len(prefix)
    lines.extend(pad + " ".join(f"[ {button.text} ]" for button in row) for row in view.buttons)
    return lines


def _render_press(press: CallbackQuery, user_name: str) -> list[str]:
    label = press.button_text or press.data
    lines = [f"{user_name} pressed [ {label} ]"]
    answer = press.answer
    if answer is not None and answer.text:
        kind = "alert" if answer.show_alert else "toast"
        lines.append(f"  ({kind}: {answer.text})")
    return lines


def render_chat(chat: Chat, bot_name: str, *, show_deleted: bool = False) -> str:
    user_name = chat.user.first_name
    items: list[tuple[int, list[str]]] = [
        (m.seq, _render_message(m, user_name, bot_name))
        for m in chat.messages.values()
        if show_deleted or not m.deleted
    ]
    items.extend((p.seq, _render_press(p, user_name)) for p in chat.presses)
    items.sort(key=lambda item: item[0])
    return "\n".join(line for _, lines in items for line in lines)
