"""Time and memory of one full SLA sweep over 1k, 10k and 100k mirrored deals.

The data: 20 managers in 3 teams (2/2 shifts and office hours, three time zones), deals spread
over the stock pipeline's stages, about one open task per deal, a realistic share of problems
(new leads waiting, deals without tasks, stuck deals, overdue piles, tasks on days off).

Two sweeps per size: *cold* (no escalation open yet: every ripe problem opens a card, the
bot's first sweep over an account) and *steady* (the records the cold sweep produced are stored:
the usual tick, little to send). Each run gets a freshly built staff directory, as the runtime
builds one per sweep (`services.sla.inputs.load_directory`), so calendar caches start empty.
Printed: the *first* run's wall time (the very first sweep of its kind in the process), the
best of 3 *repeat* runs, µs per deal and the per-deal cost relative to 1k (1.0 means perfectly
linear) of the first run, the peak traced memory of one more run, and the actions it decided.

    .venv/bin/python benchmarks/sweeps.py
"""

from __future__ import annotations

import gc
import random
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from nextstep.bot.engine.schedule import Schedule
from nextstep.bot.engine.sla.actions import (
    EscalationAction,
    MoveTaskToWorkingDay,
    Summary,
    SweepResult,
)
from nextstep.bot.engine.sla.calendar import ScheduleCalendar
from nextstep.bot.engine.sla.config import SlaConfig
from nextstep.bot.engine.sla.facts import DealRow, StaffDirectory, StaffMember, TaskRow
from nextstep.bot.engine.sla.record import EscalationState, Rule, Status
from nextstep.bot.engine.sla.sweep import sweep
from nextstep.bot.playbook.loader import load_playbook
from nextstep.bot.playbook.resolve import resolve
from nextstep.crm_client.models import Pipeline, Stage, StageKind

NOW = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)  # Tuesday, 12:00 Moscow
SIZES = (1_000, 10_000, 100_000)
PLAYBOOK = Path(__file__).resolve().parents[1] / "playbooks" / "default.yaml"
NAMES = ["Первичный контакт", "Переговоры", "Принимают решение", "Согласование договора"]
STOCK = Pipeline(
    id=1,
    name="Воронка",
    is_main=True,
    stages=(
        Stage(id=100, pipeline_id=1, name="Неразобранное", sort=10, kind=StageKind.UNSORTED),
        *(Stage(id=101 + i, pipeline_id=1, name=n, sort=20 + i) for i, n in enumerate(NAMES)),
        Stage(id=142, pipeline_id=1, name="Успешно", sort=1000, kind=StageKind.WON),
        Stage(id=143, pipeline_id=1, name="Не реализовано", sort=1001, kind=StageKind.LOST),
    ),
)
HEADS = (901, 902, 903)
BOSS = 900
MANAGERS = tuple(range(1, 21))
ZONES = ("Europe/Moscow", "Europe/Berlin", "Asia/Vladivostok")


def staff() -> StaffDirectory:
    members = [StaffMember(BOSS, "head", None, None, "Europe/Moscow")]
    for i, head in enumerate(HEADS):
        always = Schedule.model_validate(
            {"timezone": ZONES[i], "weekly": {"daily": "00:00-24:00"}}
        )
        members.append(StaffMember(head, "head", BOSS, ScheduleCalendar(always), ZONES[i]))
    for who in MANAGERS:
        zone = ZONES[who % 3]
        if who % 2:
            spec = {
                "timezone": zone,
                "cycle": {"pattern": "2/2", "anchor": "2026-03-02"},
                "hours": "09:00-21:00",
            }
        else:
            spec = {"timezone": zone, "days": ["mon-fri"], "hours": "09:00-18:00"}
        calendar = ScheduleCalendar(Schedule.model_validate(spec))
        members.append(StaffMember(who, "manager", HEADS[who % 3], calendar, zone))
    return StaffDirectory.of(members)


def world(n: int, seed: int = 7) -> tuple[list[DealRow], dict[int, list[TaskRow]]]:
    """Deals as an account holds them: 3% new leads minutes old, 8% closed, stage ages
    exponential (mean 12 days: about 8% past the 30-day limit), 85% with an open task due from
    3 days ago to 10 days ahead, 0.1% moved back out of won."""
    rng = random.Random(seed)
    deals: list[DealRow] = []
    tasks: dict[int, list[TaskRow]] = {}
    task_id = 10_000_000
    for did in range(1, n + 1):
        owner = rng.choice(MANAGERS)
        roll = rng.random()
        age = timedelta(days=min(rng.expovariate(1 / 12), 365))
        status, taken = rng.choice((102, 103, 104)), True
        if roll < 0.03:
            status, taken, age = 101, False, timedelta(minutes=rng.randint(0, 30))
        elif roll < 0.11:
            status = rng.choice((142, 143))
        created = NOW - age * 2
        entered = NOW - age
        activity = max(entered, NOW - timedelta(minutes=rng.randint(0, 60 * 24 * 7)))
        reopened = roll > 0.999
        deals.append(
            DealRow(
                did,
                1,
                status,
                owner,
                created,
                entered,
                activity,
                price=float(rng.randint(0, 500) * 100),
                name=f"Сделка {did}",
                source=rng.choice((None, "Сайт", "Вебинар")),
                taken=taken,
                reopened_from=142 if reopened else None,
                reopened_by=owner if reopened else None,
            )
        )
        if roll >= 0.03 and rng.random() < 0.85:
            due = NOW + timedelta(minutes=rng.randint(-60 * 24 * 3, 60 * 24 * 10))
            tasks[did] = [TaskRow(task_id, did, owner, due, "Позвонить")]
            task_id += 1
    return deals, tasks


def settle(tasks: dict[int, list[TaskRow]], result: SweepResult) -> dict[int, list[TaskRow]]:
    """The tasks after the runtime moved those due on days off (the CRM and mirror agree)."""
    moved = {a.task_id: a.new_due for a in result.actions if isinstance(a, MoveTaskToWorkingDay)}
    return {
        did: [replace(t, due=moved.get(t.id, t.due)) for t in rows] for did, rows in tasks.items()
    }


def store(result: SweepResult) -> dict[tuple[Rule, str], EscalationState]:
    """What the runtime would keep after performing `result`."""
    states: dict[tuple[Rule, str], EscalationState] = {}

    def keep(action: EscalationAction) -> None:
        state = getattr(action, "state", None)
        if isinstance(state, EscalationState) and state.status is not Status.CLOSED:
            states[(state.rule, state.subject_key)] = state

    for action in result.actions:
        for item in action.items if isinstance(action, Summary) else (action,):
            keep(item)
    return states


Run = Callable[[StaffDirectory], SweepResult]


def timed(run: Run) -> tuple[float, SweepResult]:
    """One sweep's wall time; the directory is built first, as `load_directory` does."""
    people = staff()
    gc.collect()
    start = time.perf_counter()
    result = run(people)
    return time.perf_counter() - start, result


def peak(run: Run) -> int:
    people = staff()
    gc.collect()
    tracemalloc.start()
    run(people)
    _, high = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return high


def main() -> None:
    cfg = SlaConfig.of(resolve(load_playbook(PLAYBOOK), [STOCK]))
    print(f"SLA sweep, {len(MANAGERS)} managers, {len(HEADS)} heads")
    print(
        f"{'deals':>8} {'tasks':>8} {'sweep':>7} {'first ms':>9} {'repeat ms':>10} "
        f"{'µs/deal':>8} {'× 1k':>6} {'peak MiB':>9} {'actions':>8}"
    )
    base: dict[str, float] = {}
    for n in SIZES:
        deals, tasks = world(n)
        cold: SweepResult | None = None
        for name in ("cold", "steady"):
            # Steady: the runtime kept what the cold sweep decided (records, moved tasks).
            opened = store(cold) if cold is not None else {}
            rows = settle(tasks, cold) if cold is not None else tasks

            def run(
                people: StaffDirectory,
                opened: dict[tuple[Rule, str], EscalationState] = opened,
                rows: dict[int, list[TaskRow]] = rows,
                deals: list[DealRow] = deals,
            ) -> SweepResult:
                return sweep(deals, rows, people, opened, cfg, NOW)

            first, result = timed(run)
            count = len(result.actions)
            cold = cold or result
            del result
            repeat = min(timed(run)[0] for _ in range(3))
            high = peak(run)
            per_deal = first / n * 1e6
            base.setdefault(name, per_deal)
            print(
                f"{n:>8} {sum(map(len, tasks.values())):>8} {name:>7} {first * 1e3:>9.1f} "
                f"{repeat * 1e3:>10.1f} {per_deal:>8.2f} {per_deal / base[name]:>6.2f} "
                f"{high / 2**20:>9.1f} {count:>8}"
            )


if __name__ == "__main__":
    main()
