"""SLA jobs: the sweep every SWEEP_INTERVAL_SECONDS and at the next deadline it names, and the
heads' morning digests (checked every minute, or at every sweep when sweeps are more frequent;
a timer key per head and day sends each once)."""

from __future__ import annotations

import logging
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from nextstep.bot.services.deps import Services
from nextstep.bot.services.sla.reports import run_digests
from nextstep.bot.services.sla.sweep_run import run_sweep

log = logging.getLogger(__name__)
DIGEST_CHECK_SECONDS = 60
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 300}


async def run_sla_sweep(services: Services, scheduler: AsyncIOScheduler | None = None) -> None:
    """One sweep; when its next deadline comes before the next tick, a one-off run then."""
    try:
        report = await run_sweep(services)
    except Exception:  # one bad row must not stop the ticks
        log.exception("sla sweep failed; next tick retries")
        return
    if scheduler is None or report.next_at is None:
        return
    tick = timedelta(seconds=services.settings.sweep_interval_seconds)
    if report.next_at < services.now() + tick:
        scheduler.add_job(
            run_sweep,
            "date",
            run_date=report.next_at,
            id="sla_deadline",
            kwargs={"services": services},
            replace_existing=True,
            **JOB_DEFAULTS,
        )


async def run_sla_digests(services: Services) -> None:
    try:
        sent = await run_digests(services)
    except Exception:
        log.exception("digests failed; next check retries")
        return
    if sent:
        log.info("digests: %d sent", sent)


def register_sla_jobs(scheduler: AsyncIOScheduler, services: Services) -> None:
    scheduler.add_job(
        run_sla_sweep,
        "interval",
        seconds=services.settings.sweep_interval_seconds,
        id="sla_sweep",
        kwargs={"services": services, "scheduler": scheduler},
        replace_existing=True,
        **JOB_DEFAULTS,
    )
    scheduler.add_job(
        run_sla_digests,
        "interval",
        seconds=min(DIGEST_CHECK_SECONDS, services.settings.sweep_interval_seconds),
        id="sla_digests",
        kwargs={"services": services},
        replace_existing=True,
        **JOB_DEFAULTS,
    )
