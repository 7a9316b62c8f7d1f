"""The scheduler's other jobs for the story scripts, run by hand like `DemoWorld.tick()`: the
rules' tick (date reminders due, linked deals finished with their task and notes) and the SLA
sweep (take deadlines, automatic reassignment)."""

from __future__ import annotations

from nextstep.bot.demo.harness import DemoWorld
from nextstep.bot.services.sla.sweep_run import run_sweep
from nextstep.jobs.rules import run_rule_timers


async def rules_tick(world: DemoWorld) -> None:
    await run_rule_timers(world.runtime.services)
    await world.settle()


async def sla_sweep(world: DemoWorld) -> None:
    await run_sweep(world.runtime.services)
    await world.settle()
