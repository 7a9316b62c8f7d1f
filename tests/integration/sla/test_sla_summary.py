"""The noise budget's summary card (pings over the head's hourly cap of 6) has buttons: each
grouped item opens as its own card with its action buttons, "Show all" opens the rest, and an
item acted on from its own card closes there, not on the summary.

Nine leads left untaken: nine head cards and Masha's overdue pile are due at once; six go out,
the last three leads and the pile are grouped."""

from __future__ import annotations

from datetime import timedelta

from nextstep.bot.services.sla.sweep_run import run_sweep
from nextstep.sandbox.telegram import ChatMessage
from tests.integration.sla.conftest import BORIS, HEAD_TG, World

HEAD_CARD = "не взял(а) в работу"
SUMMARY = "Ещё требуют внимания"
LEADS = [f"Лид {n}" for n in range(1, 10)]  # 9 late leads: 6 cards, 3 grouped


def head_cards(world: World, deal: str) -> list[ChatMessage]:
    return [
        m
        for m in world.emu.chat(HEAD_TG)
        if m.from_bot and HEAD_CARD in m.body and f"«{deal}»" in m.body and SUMMARY not in m.body
    ]


async def summary_after_nine_late_leads(world: World) -> ChatMessage:
    for name in LEADS:
        await world.new_lead(name)
    world.advance(timedelta(minutes=10, seconds=5))
    await run_sweep(world.services)
    summary = await world.emu.wait_for_message(HEAD_TG, SUMMARY)
    assert "Ещё требуют внимания: 4" in summary.body
    assert "📂 Маша" in summary.button_texts  # the overdue pile
    return summary


def grouped(summary: ChatMessage) -> list[str]:
    """The grouped leads' names, from their buttons."""
    return [b.removeprefix("📂 ") for b in summary.button_texts if b.startswith("📂 Лид")]


def pile_cards(world: World) -> list[ChatMessage]:
    return [
        m
        for m in world.emu.chat(HEAD_TG)
        if m.from_bot and "просрочено задач" in m.body and SUMMARY not in m.body
    ]


async def test_one_grouped_item_opens_as_its_own_card_and_is_acted_on_there(
    world: World,
) -> None:
    summary = await summary_after_nine_late_leads(world)
    names = grouped(summary)
    assert len(names) == 3
    assert "📋 Показать все (4)" in summary.button_texts
    first = names[0]
    assert head_cards(world, first) == []  # only a line in the summary so far

    await world.emu.user_presses_button(HEAD_TG, f"📂 {first}", summary.message_id)
    card = await world.emu.wait_for(
        lambda: next(iter(head_cards(world, first)), None), description="the item's own card"
    )
    assert "→ Борис" in card.button_texts
    assert "🙋 Возьму сам" in card.button_texts
    await world.emu.wait_for(
        lambda: f"📂 {first}" not in world.emu.message(HEAD_TG, summary.message_id).button_texts,
        description="the summary without the opened item's button",
    )

    await world.emu.user_presses_button(HEAD_TG, "→ Борис", card.message_id)
    await world.emu.wait_for(
        lambda: "Передана: Борис" in world.emu.message(HEAD_TG, card.message_id).body,
        description="the item's own card says who got the lead",
    )
    await world.drain()
    deal = next(d for d in world.state.leads.values() if d.name == first)
    assert deal.responsible_user_id == BORIS
    rest = world.emu.message(HEAD_TG, summary.message_id)
    left = [f"📂 {n}" for n in names[1:]] + ["📂 Маша"]
    assert left == [b for b in rest.button_texts if b.startswith("📂")]


async def test_show_all_opens_every_grouped_item_once(world: World) -> None:
    summary = await summary_after_nine_late_leads(world)
    names = grouped(summary)
    await world.emu.user_presses_button(HEAD_TG, "📋 Показать все (4)", summary.message_id)
    for name in names:
        card = await world.emu.wait_for(
            lambda name=name: next(iter(head_cards(world, name)), None),  # type: ignore[misc]
            description=f"the card of {name}",
        )
        assert "🔔 Напомнить ещё раз" in card.button_texts
    pile = await world.emu.wait_for(
        lambda: next(iter(pile_cards(world)), None), description="the pile's own card"
    )
    assert "🔀 Перераспределить" in pile.button_texts
    await world.emu.wait_for(
        lambda: world.emu.message(HEAD_TG, summary.message_id).buttons == [],
        description="the summary with nothing left to open",
    )
    assert all(len(head_cards(world, name)) == 1 for name in names)
    assert len(pile_cards(world)) == 1


async def test_a_summary_too_long_for_one_message_lists_what_fits_and_counts_the_rest(
    world: World,
) -> None:
    """Twenty-four leads with long names left untaken at once: the summary of the 19 over the
    cap would be past Telegram's 4,096 characters. It still arrives, listing the items that
    fit and saying how many more "Show all" holds."""
    place = "дизайн-проект квартиры 120 м² на Пресненской набережной, " * 3
    for n in range(24):
        await world.new_lead(f"Лид {n}: {place}", sync=False)
    await world.sync()
    world.advance(timedelta(minutes=10, seconds=5))
    await run_sweep(world.services)
    summary = await world.emu.wait_for_message(HEAD_TG, SUMMARY)

    assert len(summary.body) <= 4096
    assert "Ещё требуют внимания: 19" in summary.body  # 18 leads and Masha's overdue pile
    listed = [line for line in summary.body.splitlines() if line.startswith("• ")]
    assert 5 < len(listed) < 19
    assert f"…и ещё {19 - len(listed)}: «Показать все»" in summary.body
    assert "📋 Показать все (19)" in summary.button_texts
