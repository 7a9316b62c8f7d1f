"""Texts past Telegram's limits are shortened at line boundaries, never refused and lost."""

from __future__ import annotations

from nextstep.bot.textfit import CAPTION_LIMIT, MESSAGE_LIMIT, fit_lines, fit_text, size


def more(count: int) -> str:
    return f"…and {count} more"


def test_a_text_that_fits_is_sent_as_it_is() -> None:
    text = "Deal «Flat on Presnya»\nBudget 120,000"
    assert fit_text(text) == text
    assert fit_lines(["Head"], ["• a", "• b"], more) == "Head\n• a\n• b"


def test_a_long_list_keeps_whole_lines_and_says_how_many_are_left_out() -> None:
    items = [f"• Deal {n}: " + "x" * 90 for n in range(100)]
    text = fit_lines(["📋 100 more things need your attention:"], items, more)
    assert size(text) <= MESSAGE_LIMIT
    lines = text.splitlines()
    listed = [line for line in lines if line.startswith("• ")]
    assert all(line in items for line in listed)  # no line cut in half
    assert lines[-1] == more(100 - len(listed))
    assert listed == items[: len(listed)]  # in order, from the first


def test_the_limit_is_counted_as_telegram_may_count_emoji() -> None:
    items = ["😀" * 100 for _ in range(30)]  # 3,000 code points, 6,000 UTF-16 units
    text = fit_lines([], items, more)
    assert size(text) <= MESSAGE_LIMIT
    assert len(text) < 3000


def test_the_safety_net_cuts_at_a_line_and_marks_the_cut() -> None:
    text = "\n".join(f"line {n} " + "y" * 50 for n in range(200))
    fitted = fit_text(text)
    assert size(fitted) <= MESSAGE_LIMIT
    assert fitted.endswith("\n…")
    assert text.startswith(fitted.removesuffix("\n…"))


def test_one_overlong_line_is_cut_inside_and_a_caption_has_its_own_limit() -> None:
    comment = "Клиент просил перезвонить. " * 100
    fitted = fit_text(comment, CAPTION_LIMIT)
    assert size(fitted) <= CAPTION_LIMIT
    assert fitted.endswith("…")
    assert comment.startswith(fitted[:-1])


def test_a_surrogate_pair_is_never_split() -> None:
    fitted = fit_text("😀" * 3000, 101)
    assert fitted == "😀" * 50 + "…"
