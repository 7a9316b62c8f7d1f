"""The audit over real HTTP against the seeded sandbox: every figure, per manager and in total,
equals the one computed independently from the sandbox's own state."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from pydantic import SecretStr

from nextstep.bot.audit import compute_audit, read_audit_data
from nextstep.bot.audit.compute import AuditFigures
from nextstep.bot.cli import main
from nextstep.crm_client.amocrm import AmoCrmClient
from nextstep.sandbox.crm.runner import run_crm_sandbox
from nextstep.sandbox.crm.seed import seed_design_studio
from nextstep.sandbox.crm.state import CrmState
from tests.integration.audit.sandbox_truth import Truth, audit_truth

STUCK_DAYS = 30


def _expected(truth: Truth, user: int | None) -> AuditFigures:
    def pick(table: dict[int, int] | dict[int, float]) -> float:
        return table[user] if user is not None else sum(table.values())

    return AuditFigures(
        open_deals=int(pick(truth.open_deals)),
        open_budget=pick(truth.open_budget),
        no_task_deals=int(pick(truth.no_task)),
        no_task_budget=pick(truth.no_task_budget),
        overdue_tasks=int(pick(truth.overdue)),
        overdue_budget=pick(truth.overdue_budget),
        stuck_deals=int(pick(truth.stuck)),
        stuck_budget=pick(truth.stuck_budget),
        reopened_deals=int(pick(truth.reopened)),
        reopened_budget=pick(truth.reopened_budget),
    )


@pytest.fixture
def seeded() -> CrmState:
    state = CrmState()
    seed_design_studio(state, deals=300)
    return state


async def test_every_figure_matches_the_sandbox_state(seeded: CrmState) -> None:
    async with run_crm_sandbox(seeded) as sandbox:
        crm = AmoCrmClient(sandbox.base_url, token=SecretStr(sandbox.token), rate_limit=7.0)
        async with crm:
            data = await read_audit_data(crm)
    now_ts = seeded.now()
    report = compute_audit(
        data.users,
        data.pipelines,
        data.deals,
        data.tasks,
        data.status_events,
        datetime.fromtimestamp(now_ts, UTC),
        STUCK_DAYS,
    )
    truth = audit_truth(seeded, now_ts, STUCK_DAYS)

    assert report.total == _expected(truth, None)
    managers = {m.user_id for m in report.managers}
    assert managers == {
        u for table in (truth.open_deals, truth.overdue, truth.reopened) for u in table
    }
    for user in managers:
        assert report.manager(user) == _expected(truth, user), seeded.users[user].name
    assert {d.id for d in report.no_task} == truth.no_task_ids
    assert {s.deal.id for s in report.stuck} == truth.stuck_ids
    assert {r.deal.id for r in report.reopened} == truth.reopened_ids
    # the seed plants each kind of trouble, so none of the figures is trivially zero
    assert report.total.no_task_deals > 0
    assert report.total.overdue_tasks > 0
    assert report.total.stuck_deals > 0
    assert report.total.reopened_deals > 0
    assert {m.name for m in report.managers} <= {u.name for u in seeded.users.values()}


async def test_the_audit_command_prints_the_report(
    seeded: CrmState, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # a wide terminal: table cells are not wrapped
    async with run_crm_sandbox(seeded) as sandbox:
        argv = ["audit", "--crm-url", sandbox.base_url, "--token", sandbox.token, "--top", "3"]
        code = await asyncio.to_thread(main, argv)
    out = capsys.readouterr().out
    assert code == 0
    truth = audit_truth(seeded, seeded.now(), STUCK_DAYS)
    assert f"Audit of {seeded.account.name}" in out
    assert "Total" in out
    assert "Deals with no open task (top 3 by budget)" in out
    no_task_total = sum(truth.no_task.values())
    budget = f"{sum(truth.no_task_budget.values()):,.0f}".replace(",", " ")
    assert f"{no_task_total}  ·  {budget}" in out


async def test_the_audit_command_explains_a_refused_token(seeded: CrmState) -> None:
    async with run_crm_sandbox(seeded) as sandbox:
        argv = ["audit", "--crm-url", sandbox.base_url, "--token", "wrong"]
        code = await asyncio.to_thread(main, argv)
    assert code == 1
