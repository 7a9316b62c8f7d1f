"""The clock's entry points: APScheduler only ticks; deadlines live in the database.

Each job is a thin module-level coroutine that calls one service. Jobs are recreated at every
start (MemoryJobStore), with `coalesce`, `max_instances=1` and a generous misfire grace so a
busy loop delays a tick instead of dropping it.
"""

from __future__ import annotations

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from nextstep.bot.services.deps import Services
from nextstep.jobs.rules import run_rule_timers
from nextstep.jobs.sla import register_sla_jobs
from nextstep.jobs.ticks import run_due_tasks, run_sync

JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 300}


def register_jobs(scheduler: AsyncIOScheduler, services: Services) -> None:
    settings = services.settings
    scheduler.add_job(
        run_sync,
        "interval",
        seconds=settings.sync_interval_seconds,
        id="crm_sync",
        kwargs={"services": services},
        replace_existing=True,
        **JOB_DEFAULTS,
    )
    scheduler.add_job(
        run_due_tasks,
        "interval",
        seconds=settings.sweep_interval_seconds,
        id="due_tasks",
        kwargs={"services": services},
        replace_existing=True,
        **JOB_DEFAULTS,
    )
    scheduler.add_job(
        run_rule_timers,
        "interval",
        seconds=settings.sweep_interval_seconds,
        id="rule_timers",
        kwargs={"services": services},
        replace_existing=True,
        **JOB_DEFAULTS,
    )
    register_sla_jobs(scheduler, services)


def make_scheduler(services: Services) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=services.settings.timezone)
    register_jobs(scheduler, services)
    return scheduler
