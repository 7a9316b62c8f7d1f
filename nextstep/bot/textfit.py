"""Fitting texts into Telegram's size limits, so a long card is shortened, never lost.

Telegram refuses a message over 4,096 characters (a photo caption over 1,024) with a 400 that
no retry cures: the outbox would mark it dead and the person would get nothing. Lists that
grow with the account (a summary of grouped pings, a digest's problems, a long comment on a
hand-off) are shortened where they are built, with a localized "and N more" line; this module is
the measure they share and the sender's last safety net for anything still too long.

Length is counted in UTF-16 code units: reports disagree on whether Telegram counts those or
code points, and UTF-16 is never fewer, so a text that fits here fits there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
ELLIPSIS = "…"


def size(text: str) -> int:
    """The text's length as Telegram may count it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def _prefix(text: str, budget: int) -> str:
    """The longest prefix of `text` whose size is at most `budget` (no half surrogate pair)."""
    if size(text) <= budget:
        return text
    out: list[str] = []
    used = 0
    for char in text:
        width = 2 if ord(char) > 0xFFFF else 1
        if used + width > budget:
            break
        out.append(char)
        used += width
    return "".join(out)


def fit_lines(
    head: Sequence[str],
    items: Sequence[str],
    more: Callable[[int], str],
    limit: int = MESSAGE_LIMIT,
) -> str:
    """`head` lines, then as many whole `items` lines as fit, then `more(n)` for the n left out.

    The head is kept whole when it fits; an item is never cut mid-line (a half line reads as
    a different fact), so the list stops at the last item that fits with the "more" line."""
    text = "\n".join(head)
    for index, item in enumerate(items):
        left = len(items) - index
        candidate = f"{text}\n{item}" if text else item
        closing = more(left - 1) if left > 1 else ""
        whole = f"{candidate}\n{closing}" if closing else candidate
        if size(whole) > limit:
            tail = more(left)
            return fit_text(f"{text}\n{tail}" if text else tail, limit)
        text = candidate
    return fit_text(text, limit)


def fit_text(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """`text` if it fits; else its whole lines that fit, then "…" (a single overlong line is
    cut inside). The safety net: callers that list things shorten with `fit_lines` first."""
    if size(text) <= limit:
        return text
    budget = limit - size("\n" + ELLIPSIS)
    kept: list[str] = []
    used = 0
    for line in text.split("\n"):
        width = size(line) + (1 if kept else 0)
        if used + width > budget:
            if not kept:
                return _prefix(line, limit - size(ELLIPSIS)) + ELLIPSIS
            break
        kept.append(line)
        used += width
    return "\n".join(kept) + "\n" + ELLIPSIS
