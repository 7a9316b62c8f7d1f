"""A summary card gains a line each time one of its items ends; a card that has seen many
must still be accepted by Telegram, with the list and the newest news on it."""

from __future__ import annotations

from nextstep.bot.services.cards import ButtonSpec, CardView
from nextstep.bot.services.sla.render import summary_without
from nextstep.bot.textfit import MESSAGE_LIMIT, size


def test_the_oldest_closing_lines_give_way_when_the_card_outgrows_telegram() -> None:
    listing = "📋 Ещё требуют внимания: 300\n" + "\n".join(
        f"• «Лид {n}» не взят(а) в работу" for n in range(100)
    )
    buttons = ((ButtonSpec("📂 Лид 0", "sla_show", {"rule": "take", "subject": "deal:0"}),),)
    view = CardView(listing, buttons)
    for n in range(300):
        view = summary_without(view, [("take", f"deal:{n}")], f"Лид {n}: закрыто, сделку взяли")
    assert size(view.text) <= MESSAGE_LIMIT
    assert view.text.startswith(listing)  # the list itself stays whole
    assert view.text.endswith("Лид 299: закрыто, сделку взяли")
    assert "\n—\n…\n" in view.text  # the older lines are marked as cut
    assert "Лид 0: закрыто" not in view.text
    assert view.buttons == ()  # the only item's button went with it


def test_a_short_summary_keeps_every_closing_line() -> None:
    view = CardView("📋 Ещё требуют внимания: 2\n• А\n• Б", ())
    view = summary_without(view, [("take", "deal:1")], "А: закрыто")
    view = summary_without(view, [("take", "deal:2")], "Б: закрыто")
    assert view.text == "📋 Ещё требуют внимания: 2\n• А\n• Б\n\n—\nА: закрыто\nБ: закрыто"
