"""What a press on a deal card (or on one of its questions) does, after it was claimed.

Each action becomes an engine event about the deal as re-read from the CRM. What the handler
must do next (wait for typed text) comes back as a `FollowUp`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from nextstep.bot.engine.effects import AskResultText
from nextstep.bot.engine.events import (
    CallBack,
    NoAnswer,
    NotInterested,
    Reached,
    TakeIntoWork,
)
from nextstep.bot.engine.state import DealView
from nextstep.bot.i18n import zone
from nextstep.bot.playbook.calls import OutcomeKind
from nextstep.bot.services import calltime, stale
from nextstep.bot.services.cards import (
    CALL_BACK_AT,
    CALL_BACK_CHANGE,
    OUTCOME,
    ButtonSpec,
    CardView,
    DealState,
    call_task,
    prompt_view,
)
from nextstep.bot.services.deps import Services
from nextstep.bot.services.executor import Executed
from nextstep.bot.services.flow import (
    EventMaker,
    close_cards,
    deal_view,
    read_deal,
    refresh_cards,
    run_event,
)
from nextstep.bot.services.outbound import Outbound, one_off_key, send_text
from nextstep.bot.services.presses import Press, release
from nextstep.bot.services.staff import StaffInfo
from nextstep.bot.storage import Repositories
from nextstep.bot.storage.mirror import row_deal
from nextstep.bot.storage.models import CrmDeal
from nextstep.crm_client.errors import CrmError
from nextstep.crm_client.models import Deal, Task

RESULT_TEXT, CALL_BACK_TIME = "result_text", "call_back_time"
NO_TASK = -1  # no open task to act on: the engine answers "task not open"


@dataclass(frozen=True)
class FollowUp:
    """The person's next message answers a question: `expect` says which."""

    expect: str | None = None
    deal_id: int | None = None
    task_id: int | None = None
    card_id: int | None = None
    alert: str | None = None  # a stale press: why nothing happened (shown as an alert)


def _task_of(press: Press, view: DealView) -> int:
    task = call_task(view, press.task_id)
    return task.id if task is not None else (press.task_id or NO_TASK)


def event_for(press: Press, presser: StaffInfo) -> EventMaker | None:
    """The engine event a press means; None for presses that only ask something first."""
    args = press.args
    match press.action:
        case "take":  # the action names of services.cards
            return lambda view: TakeIntoWork(by_user_id=presser.crm_user_id)
        case "outcome" if args.get("kind") == OutcomeKind.REACHED:
            return lambda view: Reached(_task_of(press, view))
        case "outcome" if args.get("kind") == OutcomeKind.NO_ANSWER:
            return lambda view: NoAnswer(_task_of(press, view))
        case "outcome" if args.get("kind") == OutcomeKind.NOT_INTERESTED:
            return lambda view: NotInterested(_task_of(press, view))
        case "stage":
            status = args.get("status_id")
            stay = bool(args.get("stay"))
            return lambda view: Reached(int(args["task_id"]), args.get("result"), status, stay)
        case "loss":
            return lambda view: NotInterested(int(args["task_id"]), args.get("reason_id"))
        case "call_back_at":
            at = datetime.fromisoformat(str(args["at"]))
            return lambda view: CallBack(int(args["task_id"]), at)
    return None


async def on_press(services: Services, presser: StaffInfo, press: Press) -> FollowUp:
    """Do what the (claimed) button says, on the deal as the CRM has it now.

    A stale press (task already done, deal moved on, closed or given to someone else) changes
    nothing: the card is redrawn to the deal's state and `alert` says why. CRM read errors
    re-arm the button and say so plainly."""
    if press.deal_id is None:
        return FollowUp()
    try:
        fresh = await read_deal(services, press.deal_id)
    except CrmError:
        await release(services, press)
        await _tell(services, presser, "error.crm_read")
        return FollowUp()
    key = f"press:{press.callback_id}"
    t = services.texts_for(presser)
    if fresh is None:
        await close_cards(services, press.deal_id, key)
        return FollowUp(alert=stale.fit(t("card.status.deleted")))
    holder = await _taken_away(services, press, fresh[0])
    if holder is not None:
        await refresh_cards(services, fresh, key)
        return FollowUp(alert=stale.reassigned_alert(t, holder))
    is_call_back = press.action == OUTCOME and press.args.get("kind") == OutcomeKind.CALL_BACK
    if is_call_back or press.action == CALL_BACK_CHANGE:
        return await ask_call_back(services, presser, press, fresh)
    make = event_for(press, presser)
    if make is None:
        return FollowUp()
    result = await run_event(
        services,
        press.deal_id,
        make,
        key,
        actor=presser,
        source_card_id=press.card_id,
        chosen=_chosen(press),
        fetched=fresh,
    )
    follow_up = _follow(result, press)
    if result is not None and result.rejected is not None:
        state = DealState(fresh[0], deal_view(services, fresh[0], fresh[1], None))
        alert = stale.alert_for(t, result.rejected, state, services.playbook)
        return replace(follow_up, alert=alert)
    return follow_up


async def _taken_away(services: Services, press: Press, deal: Deal) -> str | None:
    """The new holder's name when the pressed card's deal was given to someone else."""
    if press.card_id is None:
        return None
    async with services.db.transaction() as session:
        repos = Repositories(session)
        card = await repos.cards.get(press.card_id)
        if card is None or not stale.handed_over(card, press.owner, deal):
            return None
        return await stale.holder_name(repos, deal.responsible_user_id)


def _chosen(press: Press) -> str | None:
    label = press.args.get("label")
    return str(label) if label else None


def _follow(result: Executed | None, press: Press) -> FollowUp:
    if result is None or not isinstance(result.asked, AskResultText):
        return FollowUp()
    return FollowUp(RESULT_TEXT, press.deal_id, result.asked.task_id, result.prompt_card_id)


async def submit_result(
    services: Services,
    presser: StaffInfo,
    deal_id: int,
    task_id: int,
    text: str,
    card_id: int | None = None,
) -> FollowUp:
    """The negotiation result typed after "Reached" (`card_id`: the question it answers)."""
    try:
        result = await run_event(
            services,
            deal_id,
            lambda view: Reached(task_id, text.strip()),
            one_off_key(f"result:{deal_id}:{task_id}"),
            actor=presser,
        )
    except CrmError:
        await _tell(services, presser, "error.crm_read")
        return FollowUp(RESULT_TEXT, deal_id, task_id, card_id)
    if result is not None and isinstance(result.asked, AskResultText):
        return FollowUp(RESULT_TEXT, deal_id, task_id, result.prompt_card_id)
    return FollowUp()


async def ask_call_back(
    services: Services, presser: StaffInfo, press: Press, fresh: tuple[Deal, list[Task]]
) -> FollowUp:
    """Quick choices as buttons; a typed time works too (the handler waits for it)."""
    assert press.deal_id is not None
    assert presser.telegram_id is not None
    t = services.texts_for(presser)
    now = services.now()
    task_id = int(press.args.get("task_id") or press.task_id or 0) or None
    if task_id is None:
        task = call_task(deal_view(services, fresh[0], fresh[1], None), None)
        task_id = task.id if task else None
    task_id = task_id or NO_TASK
    tz = zone(presser.timezone, services.settings.timezone)
    rows = [
        (
            ButtonSpec(
                t(key, when=t.when(at)),
                CALL_BACK_AT,
                {"task_id": task_id, "at": at.isoformat(), "label": t.when(at)},
            ),
        )
        for key, at in calltime.quick_choices(now, tz)
    ]
    view = prompt_view(t("prompt.call_back"), rows)
    holder = fresh[0].responsible_user_id
    card_id = await _send_prompt(
        services, presser, press.deal_id, task_id, "ask_call_back", view, holder
    )
    return FollowUp(CALL_BACK_TIME, press.deal_id, task_id, card_id)


async def typed_call_back(
    services: Services,
    presser: StaffInfo,
    deal_id: int,
    task_id: int,
    text: str,
    card_id: int | None = None,
) -> FollowUp:
    """Echo the understood time in the person's zone with Confirm / Change (`card_id`: the
    "call back at…" question the typed time answers)."""
    t = services.texts_for(presser)
    tz = zone(presser.timezone, services.settings.timezone)
    at = calltime.parse_call_time(text, services.now(), tz)
    if at is None:
        await _tell(services, presser, "prompt.call_back_unclear")
        return FollowUp(CALL_BACK_TIME, deal_id, task_id, card_id)
    said = calltime.echo(at, t.locale, tz, services.now())
    args = {"task_id": task_id, "at": at.isoformat(), "label": said}
    rows = [
        (
            ButtonSpec(t("button.confirm"), CALL_BACK_AT, args),
            ButtonSpec(t("button.change"), CALL_BACK_CHANGE, {"task_id": task_id}),
        )
    ]
    view = prompt_view(t("prompt.call_back_confirm", when=said), rows)
    await _send_prompt(services, presser, deal_id, task_id, "confirm_call", view)
    return FollowUp()


async def _send_prompt(
    services: Services,
    presser: StaffInfo,
    deal_id: int,
    task_id: int,
    kind: str,
    view: CardView,
    holder: int | None = None,
) -> int | None:
    """A question about the deal; it notes whose deal it was asked for (`holder`, else the
    mirror's), so a hand-over closes it like the deal's cards."""
    assert presser.telegram_id is not None
    async with services.db.transaction() as session:
        if holder is None:
            row = await session.get(CrmDeal, deal_id)
            holder = row.responsible_user_id if row is not None else None
        out = Outbound(session, services.now())
        card = await out.send_card(
            chat_id=presser.telegram_id,
            owner_staff_id=presser.id,
            kind=kind,
            view=view,
            dedup_key=one_off_key(f"prompt:{deal_id}"),
            deal_id=deal_id,
            task_id=task_id,
        )
        if card is not None:
            stale.remember_holder_id(card, holder)
    services.woke(out.kinds)
    return card.id if card else None


async def used_alert(services: Services, presser: StaffInfo, press: Press) -> str | None:
    """Why an already used button did nothing, when its card was closed by a hand-over (a
    press in flight while the deal went to someone else): the stale alert naming the holder."""
    if press.card_id is None:
        return None
    async with services.db.transaction() as session:
        repos = Repositories(session)
        card = await repos.cards.get(press.card_id)
        holder = card.payload.get(stale.HANDED_TO) if card is not None else None
        if not isinstance(holder, int):
            return None
        name = await stale.holder_name(repos, holder)
    return stale.reassigned_alert(services.texts_for(presser), name)


async def handed_away(
    services: Services, person: StaffInfo, deal_id: int, card_id: int | None
) -> bool:
    """True (and the person told plainly) when a typed answer about the deal comes after the
    deal went to someone else: it is not applied. `card_id`: the question it answers."""
    async with services.db.transaction() as session:
        repos = Repositories(session)
        row = await session.get(CrmDeal, deal_id)
        if row is None:
            return False
        card = await repos.cards.get(card_id) if card_id is not None else None
        deal = row_deal(row)
        if card is not None:
            gone = stale.handed_over(card, person, deal)
        else:  # asked before questions noted their holder
            gone = deal.responsible_user_id != person.crm_user_id and person.role == stale.MANAGER
        if not gone:
            return False
        name = await stale.holder_name(repos, deal.responsible_user_id)
    if person.telegram_id is not None:
        t = services.texts_for(person)
        text = t("prompt.typed_handed_over", deal=deal.name or f"#{deal_id}", name=name)
        services.woke(await send_text(services.db, services.now(), person.telegram_id, text))
    return True


async def _tell(services: Services, presser: StaffInfo, key: str) -> None:
    if presser.telegram_id is None:
        return
    text = services.texts_for(presser)(key)
    services.woke(await send_text(services.db, services.now(), presser.telegram_id, text))
