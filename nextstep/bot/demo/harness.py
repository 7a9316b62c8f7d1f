"""One process, three parties: the sandbox CRM, the Telegram emulator and the real Runtime.

`open_world()` starts all three on 127.0.0.1 (free ports, a temporary SQLite file, no token and
no network), points the CRM's webhooks at the Runtime's HTTP server, pairs the account's staff
and yields a `DemoWorld`: the handle a demo script or an end-to-end test plays people through.

The Runtime's scheduler is off and its clock is a `DemoClock`: a script moves time with
`advance(minutes)` (the CRM's clock moves by the same amount) and calls the scheduler's jobs
itself with `tick()`, so a run is the same every time. Every wait has a deadline; a wait that
runs out raises `WorldTimeout` naming what it was waiting for.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import aiohttp
from aiogram.types import TelegramObject
from pydantic import SecretStr
from sqlalchemy import func, or_, select

from nextstep.bot.app import Runtime
from nextstep.bot.config import REPO_ROOT, Settings
from nextstep.bot.playbook.sections.roles import known_roles
from nextstep.bot.services.staff import StaffInfo, add_staff
from nextstep.bot.storage.models import Card, InboxItem, OutboxItem
from nextstep.jobs.ticks import run_due_tasks, run_sync
from nextstep.sandbox.crm import CrmSandbox, CrmState, SeedInfo, WriteRecord, run_crm_sandbox
from nextstep.sandbox.crm.seed import seed_design_studio
from nextstep.sandbox.crm.seed_courses import seed_courses_demo
from nextstep.sandbox.crm.seed_quest import seed_quest_demo
from nextstep.sandbox.crm.seed_school import seed_school_demo
from nextstep.sandbox.crm.seed_training import seed_training_demo
from nextstep.sandbox.telegram import (
    CallbackAnswer,
    ChatMessage,
    TelegramEmulator,
    run_telegram_emulator,
)

PLAYBOOKS_DIR = REPO_ROOT / "playbooks"
WEBHOOK_SECRET = "demo-webhook-secret"
BOT_TOKEN = "4242:DEMO"
TELEGRAM_ID_BASE = 700_000
#: How far ahead a pending outbox row still counts as "about to go" when settling.
SETTLE_HORIZON = timedelta(seconds=15)
DEFAULT_WAIT = 10.0
INBOX_MAX_ATTEMPTS = 10  # storage.inbox.claim_inbox gives up after as many

Printer = Callable[[str], None]
T = TypeVar("T")
Seeder = Callable[[CrmState], SeedInfo]

#: The sandbox account shaped like each story playbook's business (else: the design studio).
PLAYBOOK_SEEDS: dict[str, Seeder] = {
    "online-school": seed_school_demo,
    "training-center": seed_training_demo,
    "courses-kommo": seed_courses_demo,
    "quest-rooms": seed_quest_demo,
}


class WorldTimeout(TimeoutError):
    """A wait ran out; the message says what was awaited (the demo prints it and exits 1)."""


def playbook_path(name: str) -> Path:
    """`default` → playbooks/default.yaml; a path to a YAML file is taken as it is."""
    candidate = Path(name)
    if candidate.suffix in (".yaml", ".yml") and candidate.exists():
        return candidate
    path = PLAYBOOKS_DIR / f"{name}.yaml"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in PLAYBOOKS_DIR.glob("*.yaml")))
        raise FileNotFoundError(f"no playbook {name!r} (playbooks/{name}.yaml); known: {known}")
    return path


def next_working_morning(now: datetime, zone: str = "Europe/Moscow") -> datetime:
    """09:30 local on the next Monday–Friday after `now`: the demo's morning starts there."""
    tz = ZoneInfo(zone)
    day = now.astimezone(tz).date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 9, 30, tzinfo=tz).astimezone(UTC)


class DemoClock:
    """Wall time plus an offset: time still flows (retries and leases work), and a script can
    jump it forward. The Runtime reads it; the CRM's clock is shifted by the same amounts."""

    def __init__(self, start: datetime | None = None) -> None:
        self._offset = timedelta(0)
        if start is not None:
            self._offset = start - datetime.now(UTC)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self._offset

    @property
    def offset(self) -> timedelta:
        return self._offset

    def shift(self, delta: timedelta) -> None:
        self._offset += delta


@dataclass
class Person:
    """A CRM user who is also in Telegram (an emulator user paired through the staff service)."""

    key: str
    name: str
    role: str
    crm_user_id: int
    telegram_id: int
    head_crm_user_id: int | None = None
    staff: StaffInfo | None = None

    @property
    def first_name(self) -> str:
        return self.name.split()[0]


@dataclass
class _Seen:
    """What `show()` printed last for one chat: message id → (text, buttons), presses shown."""

    messages: dict[int, tuple[str, list[list[str]]]] = field(default_factory=dict)
    presses: int = 0


class _InFlight:
    """An outer update middleware counting updates being handled (settling waits for zero)."""

    def __init__(self) -> None:
        self.count = 0

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        self.count += 1
        try:
            return await handler(event, data)
        finally:
            self.count -= 1


def team_of(state: CrmState, info: SeedInfo) -> list[Person]:
    """Every seeded user with a role: heads, managers (with their head), estimators, admin,
    and the roles a story's playbook names (accountant, account_manager, trainer)."""
    roles: list[tuple[int, str]] = [(info.admin_id, "admin")]
    roles += [(uid, "head") for uid in info.head_ids]
    roles += [(uid, "manager") for uid in info.manager_ids]
    roles += [(uid, "estimator") for uid in info.estimator_ids]
    roles += list(info.staff_roles.items())
    head_of_manager = {
        manager: info.head_of_group[group]
        for group, managers in info.managers_by_group.items()
        for manager in managers
        if group in info.head_of_group
    }
    people = []
    for crm_id, role in roles:
        user = state.users[crm_id]
        key = user.email.split("@")[0].split(".")[-1] if "." in user.email else user.email
        people.append(
            Person(
                key=key.split("@")[0],
                name=user.name,
                role=role,
                crm_user_id=crm_id,
                telegram_id=TELEGRAM_ID_BASE + crm_id,
                head_crm_user_id=head_of_manager.get(crm_id),
            )
        )
    return people


class DemoWorld:
    """The sandbox CRM, the emulator, the running Runtime and the paired people."""

    def __init__(
        self,
        *,
        sb: CrmSandbox,
        info: SeedInfo,
        emu: TelegramEmulator,
        settings: Settings,
        clock: DemoClock,
        out: Printer,
        wait: float,
    ) -> None:
        self.sb = sb
        self.info = info
        self.emu = emu
        self.settings = settings
        self.clock = clock
        self.out = out
        self.wait = wait
        self.people: dict[str, Person] = {}
        self.runtime: Runtime
        #: Run the Runtime's own APScheduler jobs (wall-clock ticks) instead of `tick()` only.
        self.scheduler = False
        self._in_flight = _InFlight()
        self._seen: dict[int, _Seen] = {}
        self._http: aiohttp.ClientSession | None = None

    # --- the parts -------------------------------------------------------------------------

    @property
    def state(self) -> CrmState:
        return self.sb.state

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.runtime.http_port}/webhooks/amocrm/{WEBHOOK_SECRET}"

    def person(self, key: str) -> Person:
        return self.people[key]

    def by_role(self, role: str) -> list[Person]:
        return [p for p in self.people.values() if p.role == role]

    def by_crm_id(self, crm_user_id: int) -> Person:
        return next(p for p in self.people.values() if p.crm_user_id == crm_user_id)

    # --- lifecycle -------------------------------------------------------------------------

    async def start_runtime(self) -> Runtime:
        """A new Runtime on the world's database (a restart keeps every row)."""
        runtime = Runtime(self.settings, clock=self.clock, scheduler=self.scheduler)
        await runtime.start()
        runtime.dp.update.outer_middleware(self._in_flight)
        self.runtime = runtime
        self.sb.set_webhook_url(self.webhook_url)
        await self._until(lambda: self.emu.polling, "the bot polling the Telegram emulator")
        return runtime

    async def stop_runtime(self) -> None:
        self.sb.set_webhook_url(None)
        await self.runtime.stop()

    async def restart(self) -> Runtime:
        await self.stop_runtime()
        return await self.start_runtime()

    async def pair_team(self, people: list[Person]) -> None:
        """Each person: an emulator user (their Russian first name) paired via the staff
        service, as `nextstep staff add` does."""
        for person in people:
            self.emu.add_user(person.telegram_id, person.first_name, language_code="ru")
            person.staff = await add_staff(
                self.runtime.db,
                telegram_id=person.telegram_id,
                crm_user_id=person.crm_user_id,
                role=person.role,
                now=self.clock(),
                name=person.name,
                head_crm_user_id=person.head_crm_user_id,
                roles=known_roles(self.runtime.services.playbook.playbook),
            )
            self.people[person.key] = person

    # --- acting ----------------------------------------------------------------------------

    async def press(
        self, person: Person, label: str, *, deal: int | None = None, settle: bool = True
    ) -> CallbackAnswer | None:
        """`person` presses the button `label` (on the newest card of `deal` when given);
        returns the toast/alert they saw, after the bot has finished reacting (with
        `settle=False`: once the bot has handled the press, its deliveries may still wait)."""
        message_id = await self._message_with(person, label, deal) if deal else None
        query = await self.emu.user_presses_button(person.telegram_id, label, message_id)
        answer = await self._until(
            lambda: self.emu.callback_answer(query),
            f"the bot to answer {person.first_name}'s press of [{label}]",
        )
        await (self.settle() if settle else self.handled())
        return answer

    async def press_data(self, person: Person, data: str) -> CallbackAnswer | None:
        """A press carrying arbitrary callback data (a forged or ancient button)."""
        last = self.emu.last_message(person.telegram_id)
        if last is None:
            raise ValueError(f"no bot message in {person.first_name}'s chat to press on")
        message = self.emu.state.chat(person.telegram_id).messages[last.message_id]
        rows = (message.reply_markup or {}).setdefault("inline_keyboard", [])
        rows.append([{"text": "⁉️", "callback_data": data}])  # what a forging client sends
        query = await self.emu.user_presses(person.telegram_id, last.message_id, data)
        answer = await self._until(
            lambda: self.emu.callback_answer(query), f"the bot to answer a press of {data!r}"
        )
        await self.settle()
        return answer

    async def say(self, person: Person, text: str) -> None:
        await self.emu.user_sends(person.telegram_id, text)
        await self.settle()

    async def advance(self, minutes: float) -> None:
        """Move both clocks forward; relays re-check what became due."""
        delta = timedelta(minutes=minutes)
        self.clock.shift(delta)
        self.state.shift_clock(delta.total_seconds())
        self.runtime.wake("telegram")
        self.runtime.wake("crm")
        await self.settle()

    async def advance_to(self, when: datetime) -> None:
        if when > self.clock():
            await self.advance((when - self.clock()).total_seconds() / 60)

    async def tick(self) -> None:
        """What the scheduler would run now: the incremental sync, then due call tasks."""
        await run_sync(self.runtime.services)
        await run_due_tasks(self.runtime.services)
        await self.settle()

    async def new_lead(
        self,
        name: str,
        *,
        client: str,
        phone: str,
        responsible: Person,
        price: int = 0,
        source: str | None = None,
    ) -> int:
        """A site-form lead (the sandbox's control route); returns its id once the bot reacted."""
        body: dict[str, Any] = {
            "name": name,
            "price": price,
            "responsible_user_id": responsible.crm_user_id,
            "contact": {"name": client, "phone": phone},
        }
        if source:
            body["source"] = source
        lead = await self.control("POST", "/_sandbox/leads", body)
        await self.settle()
        return int(lead["id"])

    async def control(self, method: str, path: str, body: Any = None) -> Any:
        """A `/_sandbox/...` control call (what a person or a website does in the CRM)."""
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.wait))
        async with self._http.request(method, self.sb.base_url + path, json=body) as response:
            if response.status >= 400:
                raise RuntimeError(
                    f"{method} {path}: HTTP {response.status} {await response.text()}"
                )
            return await response.json()

    async def post_webhook(self, body: bytes | str, *, secret: str = WEBHOOK_SECRET) -> int:
        """POST a raw body to the Runtime's CRM webhook route; returns the HTTP status."""
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.wait))
        url = f"http://127.0.0.1:{self.runtime.http_port}/webhooks/amocrm/{secret}"
        data = body.encode() if isinstance(body, str) else body
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        async with self._http.post(url, data=data, headers=headers) as response:
            await response.read()
            return response.status

    # --- waiting ---------------------------------------------------------------------------

    async def _until(
        self, predicate: Callable[[], T | None], what: str, within: float | None = None
    ) -> T:
        try:
            return await self.emu.wait_for(predicate, within or self.wait, description=what)
        except TimeoutError as exc:
            raise WorldTimeout(f"timed out waiting for {what}") from exc

    async def handled(self) -> None:
        """Wait until the bot has fetched and handled every update sent so far."""
        await self._until(
            lambda: not self.emu.pending_updates and not self._in_flight.count,
            "the bot to handle every update",
        )

    async def settle(self, within: float | None = None) -> None:
        """Wait until nothing is moving: webhooks sent, updates handled, inbox processed, every
        outbox row due within SETTLE_HORIZON sent (twice in a row, to catch chain reactions)."""
        deadline = time.monotonic() + (within or self.wait)
        quiet = 0
        busy = "nothing"
        while quiet < 2:
            if time.monotonic() > deadline:
                raise WorldTimeout(f"timed out waiting for the world to settle (still: {busy})")
            busy = await self._busy()
            if busy:
                quiet = 0
                await self.emu.changes.wait(0.05)
            else:
                quiet += 1
                await asyncio.sleep(0.02)

    async def _busy(self) -> str:
        try:
            await asyncio.wait_for(self.sb.webhooks_idle(), 0.5)
        except TimeoutError:
            return "CRM webhooks being sent"
        if self.emu.pending_updates:
            return "Telegram updates not yet fetched by the bot"
        if self._in_flight.count:
            return "the bot handling an update"
        now = self.clock()
        horizon = now + SETTLE_HORIZON
        async with self.runtime.db.transaction() as session:
            inbox = await session.scalar(
                select(func.count())
                .select_from(InboxItem)
                .where(
                    InboxItem.processed_at.is_(None),
                    InboxItem.attempts < INBOX_MAX_ATTEMPTS,
                    # being processed now (a lease, no error) or due again soon after a failure
                    or_(InboxItem.last_error.is_(None), InboxItem.locked_until <= horizon),
                )
            )
            outbox = (
                await session.execute(
                    select(OutboxItem.kind, func.count())
                    .where(
                        or_(
                            (OutboxItem.status == "pending")
                            & (OutboxItem.next_attempt_at <= horizon),
                            OutboxItem.status == "sending",
                        )
                    )
                    .group_by(OutboxItem.kind)
                )
            ).all()
        if inbox:
            return f"{inbox} CRM event(s) in the inbox"
        if outbox:
            return "outbox rows: " + ", ".join(f"{n} {kind}" for kind, n in outbox)
        return ""

    async def _message_with(self, person: Person, label: str, deal: int) -> int:
        async with self.runtime.db.transaction() as session:
            ids = (
                await session.scalars(
                    select(Card.message_id).where(
                        Card.chat_id == person.telegram_id,
                        Card.deal_id == deal,
                        Card.message_id.is_not(None),
                    )
                )
            ).all()
        for view in reversed(self.emu.chat(person.telegram_id, include_deleted=False)):
            if view.message_id in ids and label in view.button_texts:
                return view.message_id
        raise ValueError(f"no [{label}] on a card of deal {deal} in {person.first_name}'s chat")

    # --- reading ---------------------------------------------------------------------------

    def chat(self, person: Person) -> list[ChatMessage]:
        return self.emu.chat(person.telegram_id, include_deleted=False)

    def bot_messages(self, person: Person) -> list[ChatMessage]:
        return [m for m in self.chat(person) if m.from_bot]

    def last(self, person: Person) -> ChatMessage:
        message = self.emu.last_message(person.telegram_id)
        if message is None:
            raise AssertionError(f"{person.first_name} has no message from the bot")
        return message

    def mark(self) -> int:
        """A position in the CRM's write log, for `writes_since`."""
        return len(self.state.writes)

    def writes_since(self, mark: int) -> list[WriteRecord]:
        return list(self.state.writes[mark:])

    def show(self, person: Person) -> str:
        """What changed in `person`'s chat since the last show (new and edited messages,
        presses), rendered like the emulator's transcript; printed and returned."""
        seen = self._seen.setdefault(person.telegram_id, _Seen())
        chat = self.emu.state.chat(person.telegram_id)
        fresh_presses = chat.presses[seen.presses :]
        lines: list[tuple[float, list[str]]] = []
        for view in self.chat(person):
            shape = (view.body, [[b.text for b in row] for row in view.buttons])
            before = seen.messages.get(view.message_id)
            if before == shape:
                continue
            seen.messages[view.message_id] = shape
            who = "🤖" if view.from_bot else f"👤 {person.first_name}"
            mark = " (изменено)" if before is not None else ""
            block = _indent(view.body, f"  {who}{mark}: ")
            pad = " " * 6
            block += [pad + " ".join(f"[ {t} ]" for t in row) for row in shape[1]]
            # an edited card goes right after the press that changed it
            pressed = [p.seq for p in fresh_presses if p.message_id == view.message_id]
            order = pressed[0] + 0.5 if before is not None and pressed else None
            lines.append((order or chat.messages[view.message_id].seq, block))
        for press in fresh_presses:
            answer = press.answer
            block = [f"  👆 {person.first_name} нажимает [ {press.button_text or press.data} ]"]
            if answer is not None and answer.text:
                kind = "alert" if answer.show_alert else "toast"
                block.append(f"      ({kind}: {answer.text})")
            lines.append((press.seq, block))
        seen.presses = len(chat.presses)
        lines.sort(key=lambda item: item[0])
        text = "\n".join(line for _, block in lines for line in block)
        if text:
            self.out(f"── чат: {person.name} ({person.role}) ──\n{text}")
        return text

    def show_writes(self, mark: int) -> list[WriteRecord]:
        writes = self.writes_since(mark)
        for w in writes:
            self.out(f"  CRM ← {w.method} {w.path} {short_body(w.body)} → {w.status}")
        return writes

    def say_line(self, text: str) -> None:
        self.out(text)

    def local(self, when: datetime | None = None) -> str:
        moment = (when or self.clock()).astimezone(ZoneInfo(self.settings.timezone))
        return moment.strftime("%a %d.%m %H:%M")

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.close()


def short_body(body: Any, limit: int = 110) -> str:
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":")) if body else ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _indent(text: str, prefix: str) -> list[str]:
    pad = " " * len(prefix)
    lines = text.splitlines() or [""]
    return [prefix + lines[0], *(pad + line for line in lines[1:])]


@asynccontextmanager
async def open_world(
    playbook: str = "default",
    *,
    out: Printer = print,
    db_dir: Path | None = None,
    deals: int = 0,
    crm_rate: float | None = None,
    telegram_rate_limits: bool = False,
    chat_interval: float = 0.0,
    wait: float = DEFAULT_WAIT,
    start: datetime | None = None,
    settings_overrides: dict[str, Any] | None = None,
    scheduler: bool = False,
) -> AsyncIterator[DemoWorld]:
    """Sandbox CRM (the account `PLAYBOOK_SEEDS` names for `playbook`, else the design studio
    with `deals` old deals) + Telegram emulator + the Runtime with `playbook`, the team paired;
    everything torn down at the end.

    `start` is when the world's clock begins (default: the next working morning, 09:30 Moscow).
    `scheduler=True` runs the Runtime's APScheduler jobs as `nextstep run` does (they tick on
    the wall clock and read the world's clock).
    """
    start = start or next_working_morning(datetime.now(UTC))
    clock = DemoClock(start)
    state = CrmState()
    state.shift_clock(clock.offset.total_seconds())
    seeder = PLAYBOOK_SEEDS.get(playbook_path(playbook).stem)
    info = seeder(state) if seeder else seed_design_studio(state, deals=deals)
    with contextlib.ExitStack() as stack:
        if db_dir is None:
            db_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="nextstep-")))
        async with (
            run_crm_sandbox(state, rate_limit=crm_rate) as sb,
            run_telegram_emulator(token=BOT_TOKEN, rate_limits=telegram_rate_limits) as emu,
        ):
            settings = Settings(
                bot_token=SecretStr(BOT_TOKEN),
                telegram_api_url=emu.base_url,
                telegram_webhook_url=None,
                database_url=f"sqlite+aiosqlite:///{db_dir / 'nextstep.db'}",
                crm_kind="amocrm",
                amocrm_base_url=sb.base_url,
                amocrm_long_lived_token=SecretStr(sb.token),
                crm_rate_limit=crm_rate or 1000.0,
                webhook_secret=SecretStr(WEBHOOK_SECRET),
                http_host="127.0.0.1",
                http_port=0,
                playbook_path=playbook_path(playbook),
                default_locale="ru",
                timezone="Europe/Moscow",
                telegram_chat_interval=chat_interval,
                # in memory unless a test asks for Redis (never the machine's REDIS_URL)
                **{"redis_url": None, **(settings_overrides or {})},
            )
            world = DemoWorld(
                sb=sb, info=info, emu=emu, settings=settings, clock=clock, out=out, wait=wait
            )
            world.scheduler = scheduler
            try:
                await world.start_runtime()
                await world.pair_team(team_of(state, info))
                yield world
            finally:
                with contextlib.suppress(Exception):
                    if hasattr(world, "runtime"):
                        await world.stop_runtime()
                await world.aclose()
