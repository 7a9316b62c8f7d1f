"""The scripted morning the demo plays on the default playbook, step by step.

A script is `async def script(world: DemoWorld) -> Summary`; `SCRIPTS` maps a playbook name to
its script (story scenarios for the customer playbooks register theirs here), and a playbook
without its own script plays the default morning.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from nextstep.bot.demo.harness import DemoWorld, Person
from nextstep.sandbox.crm import LOST_STATUS_ID

TAKE = "🚀 Взять в работу"
REACHED = "✅ Дозвонился"
NO_ANSWER = "📵 Не дозвонился"
CALL_BACK = "🕑 Перезвонить в…"
CONFIRM = "✅ Подтвердить"


@dataclass
class Summary:
    """What the run did, for the closing lines (and for tests of the demo itself)."""

    deals: dict[int, str] = field(default_factory=dict)  # deal id → a short title
    notes: list[str] = field(default_factory=list)


Script = Callable[[DemoWorld], Awaitable[Summary]]


class Step:
    """Prints a numbered heading with the world's (Moscow) time, then what followed it."""

    def __init__(self, world: DemoWorld) -> None:
        self.world = world
        self.number = 0
        self.mark = world.mark()

    def __call__(self, title: str) -> None:
        self.number += 1
        self.world.out(f"\n━━ {self.number}. {self.world.local()} — {title}")
        self.mark = self.world.mark()

    def report(self, *people: Person) -> None:
        for person in people:
            self.world.show(person)
        writes = self.world.show_writes(self.mark)
        if not writes:
            self.world.out("  (в CRM ничего не записано)")
        self.mark = self.world.mark()


async def default_morning(world: DemoWorld) -> Summary:
    """Three site leads for Мария: one never answers (three tries → lost), one is reached and
    moved on, one asks to be called back tomorrow at 10."""
    maria = world.person("kuznetsova")
    head = world.by_crm_id(maria.head_crm_user_id or 0) if maria.head_crm_user_id else maria
    summary = Summary()
    step = Step(world)

    step("С сайта приходят три заявки; CRM шлёт вебхуки боту")
    kitchen = await world.new_lead(
        "Кухня-гостиная 42 м²", client="Анна Смирнова", phone="+79161234567",
        responsible=maria, price=180_000, source="Сайт",
    )  # fmt: skip
    flat = await world.new_lead(
        "Квартира на Пресне", client="Олег Романов", phone="+79035550101",
        responsible=maria, price=420_000, source="Instagram",
    )  # fmt: skip
    house = await world.new_lead(
        "Загородный дом, Истра", client="Елена Викторова", phone="+79267770022",
        responsible=maria, price=950_000, source="Рекомендация",
    )  # fmt: skip
    summary.deals.update({kitchen: "Кухня-гостиная", flat: "Квартира на Пресне",
                          house: "Загородный дом"})  # fmt: skip
    step.report(maria)

    step("Мария берёт все три в работу")
    for deal in (kitchen, flat, house):
        await world.press(maria, TAKE, deal=deal)
    step.report(maria)

    await world.advance(12)  # the scheduler's due-task horizon is 5 min
    step("Подходит срок первых звонков (планировщик: синхронизация, задачи к сроку)")
    await world.tick()
    step.report(maria)

    step("«Кухня-гостиная»: клиент не берёт трубку (попытка 1)")
    await world.press(maria, NO_ANSWER, deal=kitchen)
    step.report(maria)

    step("«Квартира на Пресне»: дозвонилась, пишет итог разговора")
    await world.press(maria, REACHED, deal=flat)
    await world.say(maria, "Обсудили планировку, клиент ждёт КП до пятницы")
    step.report(maria)

    step("…и двигает сделку на следующий этап")
    next_stage = _first_stage_button(world, maria)
    await world.press(maria, next_stage)
    step.report(maria)

    step("«Загородный дом»: клиент просит перезвонить, Мария пишет время словами")
    await world.press(maria, CALL_BACK, deal=house)
    await world.say(maria, "завтра в 10")
    await world.press(maria, CONFIRM)
    step.report(maria)

    await world.advance(120)
    step("Прошло 2 часа: снова звонок по «Кухне-гостиной» — не дозвонилась (попытка 2)")
    await world.tick()
    await world.press(maria, NO_ANSWER, deal=kitchen)
    step.report(maria)

    await world.advance_to(_open_task_due(world, kitchen) - timedelta(minutes=3))
    step("Следующее рабочее утро: третья попытка по «Кухне-гостиной» — и сделка закрыта")
    await world.tick()
    await world.press(maria, NO_ANSWER, deal=kitchen)
    step.report(maria, head)

    step(f"{head.first_name} (руководитель) открывает /team, смотрит сделки Марии и одну передаёт")
    await world.say(head, "/team")
    await world.press(head, _button_starting(world, head, "👤 Мария"))
    await world.press(head, _button_starting(world, head, "📂 "))
    to = _button_starting(world, head, "→ ")
    await world.press(head, to)
    step.report(head, *(p for p in world.by_role("manager") if to == f"→ {p.name}"))

    lost = world.state.leads[kitchen].status_id == LOST_STATUS_ID
    summary.notes.append(
        f"«Кухня-гостиная» закрыта как нереализованная: {'да' if lost else 'нет'}"
    )
    return summary


def _first_stage_button(world: DemoWorld, person: Person) -> str:
    """The first stage offered on the newest "where next?" question."""
    last = world.last(person)
    labels = [t for t in last.button_texts if t != "Оставить на этапе"]
    if not labels:
        raise RuntimeError(f"no stage buttons on the last message: {last.body!r}")
    return labels[0]


def _button_starting(world: DemoWorld, person: Person, prefix: str) -> str:
    """The first button starting with `prefix` on the person's newest message."""
    last = world.last(person)
    for label in last.button_texts:
        if label.startswith(prefix):
            return label
    raise RuntimeError(f"no [{prefix}…] button on the last message: {last.body!r}")


def _open_task_due(world: DemoWorld, deal: int) -> datetime:
    tasks = world.state.open_tasks_of(deal)
    if not tasks:
        raise RuntimeError(f"deal {deal} has no open task")
    return datetime.fromtimestamp(min(t.complete_till for t in tasks), UTC)


SCRIPTS: dict[str, Script] = {"default": default_morning}


def script_for(playbook: str) -> Script:
    from nextstep.bot.demo import stories

    return {**SCRIPTS, **stories.SCRIPTS}.get(playbook, default_morning)
