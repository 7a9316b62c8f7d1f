"""Telegram's HTML parse mode: turns markup into the plain text a user sees plus entities.

Follows the Bot API rules closely enough to catch real bugs: only the documented tags are allowed,
``<`` that is not a tag fails with the API's "can't parse entities" error (so an unescaped user
string in an HTML message fails here as it would in production), an unknown ``&name;`` stays
literal, and offsets/lengths are in UTF-16 code units.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from .errors import ApiError, bad_request

_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_ENTITY = re.compile(r"&(#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|lt|gt|amp|quot);")
_ATTR = re.compile(r"""([A-Za-z_-][\w-]*)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _Open:
    tag: str
    kind: str
    start: int
    attrs: dict[str, str] = field(default_factory=dict)


def _parse_error(detail: str) -> ApiError:
    return bad_request(f"can't parse entities: {detail}")


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Return the plain text and the entities of an HTML-formatted message."""
    out: list[str] = []
    offset = 0  # UTF-16 length of out
    stack: list[_Open] = []
    entities: list[dict[str, Any]] = []
    i = 0
    n = len(source)

    def emit(chunk: str) -> None:
        nonlocal offset
        out.append(chunk)
        offset += utf16_len(chunk)

    while i < n:
        ch = source[i]
        if ch == "&":
            match = _ENTITY.match(source, i)
            if match:
                emit(html.unescape(match.group(0)))
                i = match.end()
            else:
                emit("&")
                i += 1
            continue
        if ch != "<":
            emit(ch)
            i += 1
            continue
        byte_offset = len(source[:i].encode())
        close = source.find(">", i)
        if source.startswith("</", i):
            if close == -1:
                raise _parse_error(f"Unclosed end tag at byte offset {byte_offset}")
            name = source[i + 2 : close].strip().lower()
            if not stack:
                raise _parse_error(f"Unexpected end tag at byte offset {byte_offset}")
            top = stack.pop()
            if name != top.tag:
                raise _parse_error(
                    f'Unmatched end tag at byte offset {byte_offset}, expected "</{top.tag}>", '
                    f'found "</{name}>"'
                )
            _close_entity(top, offset, entities)
            i = close + 1
            continue
        j = i + 1
        while j < n and not source[j].isspace() and source[j] not in ">/":
            j += 1
        name = source[i + 1 : j].lower()
        if name not in _TAGS:
            raise _parse_error(f'Unsupported start tag "{name}" at byte offset {byte_offset}')
        if close == -1:
            raise _parse_error(f"Unclosed start tag at byte offset {byte_offset}")
        attrs = {key.lower(): value.strip("\"'") for key, value in _ATTR.findall(source[j:close])}
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise _parse_error('Tag "span" must have class "tg-spoiler"')
        stack.append(_Open(name, _TAGS[name], offset, attrs))
        i = close + 1
    if stack:
        raise _parse_error(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _close_entity(opened: _Open, end: int, entities: list[dict[str, Any]]) -> None:
    length = end - opened.start
    if length <= 0:
        return
    entity: dict[str, Any] = {"type": opened.kind, "offset": opened.start, "length": length}
    if opened.kind == "text_link":
        href = opened.attrs.get("href")
        if not href:
            return
        entity["url"] = href
    if opened.kind == "custom_emoji":
        entity["custom_emoji_id"] = opened.attrs.get("emoji-id", "")
    entities.append(entity)


def format_text(text: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]]]:
    """Apply a parse mode; MarkdownV2/Markdown are passed through as-is (not parsed)."""
    if parse_mode is not None and parse_mode.lower() == "html":
        return parse_html(text)
    if parse_mode and parse_mode.lower() not in {"markdown", "markdownv2"}:
        raise bad_request(f"unsupported parse_mode {parse_mode!r}")
    return text, []


def command_entities(text: str) -> list[dict[str, Any]]:
    """The ``bot_command`` entity Telegram marks on a message that starts with ``/command``."""
    match = re.match(r"/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]{3,32})?", text)
    if not match:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group(0))}]
