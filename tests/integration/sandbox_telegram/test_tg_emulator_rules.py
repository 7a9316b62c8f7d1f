"""The emulator's rules as plain functions: token buckets, HTML parsing, keyboard checks."""

from __future__ import annotations

import pytest

from nextstep.sandbox.telegram import ApiError, RateLimits, Stats
from nextstep.sandbox.telegram.formatting import parse_html
from nextstep.sandbox.telegram.methods import parse_reply_markup
from nextstep.sandbox.telegram.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_chat_gets_a_burst_then_one_message_per_second() -> None:
    clock = Clock()
    limiter = RateLimiter(RateLimits(per_chat_rate=1, per_chat_burst=3), Stats(), clock)

    assert [limiter.acquire(1) for _ in range(4)] == [None, None, None, 1]
    clock.now += 1.0
    assert [limiter.acquire(1), limiter.acquire(1)] == [None, 1]
    assert limiter.acquire(2) is None  # another chat has its own bucket
    assert limiter.stats.rate_limited == 2
    assert limiter.stats.per_chat[1].accepted == 4


def test_retry_after_is_whole_seconds_for_slow_refill() -> None:
    clock = Clock()
    limiter = RateLimiter(RateLimits(per_chat_rate=0.2, per_chat_burst=1), Stats(), clock)
    limiter.acquire(1)

    assert limiter.acquire(1) == 5


def test_disabled_limits_accept_everything() -> None:
    limiter = RateLimiter(RateLimits(enabled=False), Stats(), Clock())

    assert all(limiter.acquire(1) is None for _ in range(100))


def test_html_is_parsed_into_text_and_utf16_entities() -> None:
    text, entities = parse_html('😀 <a href="https://x.io">Сделка</a> &lt;7&gt; A&B')

    assert text == "😀 Сделка <7> A&B"
    assert entities == [{"type": "text_link", "offset": 3, "length": 6, "url": "https://x.io"}]


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
    ],
)
def test_bad_html_fails_like_the_api(source: str, error: str) -> None:
    with pytest.raises(ApiError) as caught:
        parse_html(source)

    assert caught.value.description == f"Bad Request: can't parse entities: {error}"


def test_keyboards_are_checked() -> None:
    ok = {"inline_keyboard": [[{"text": "A", "callback_data": "x" * 64}]]}
    assert parse_reply_markup(ok) == ok
    assert parse_reply_markup({"inline_keyboard": []}) is None
    assert parse_reply_markup({"remove_keyboard": True}) is None
    bad = [
        {"inline_keyboard": [[{"text": "A", "callback_data": "x" * 65}]]},
        {"inline_keyboard": [[{"text": "A", "callback_data": ""}]]},
        {"inline_keyboard": [[{"text": "A"}]]},
        {"inline_keyboard": [[{"text": "A", "url": "not a url"}]]},
    ]
    for markup in bad:
        with pytest.raises(ApiError):
            parse_reply_markup(markup)
