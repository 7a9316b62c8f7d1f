"""`nextstep demo [--playbook NAME]`: play a scripted morning and print what everyone saw.

No token, no network: the CRM and Telegram are the sandboxes, on 127.0.0.1. The transcript
shows each chat's messages and buttons and each write the CRM received; any wait that runs out
prints what it was waiting for and exits 1.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time

from nextstep.bot.demo.harness import WorldTimeout, open_world, playbook_path
from nextstep.bot.demo.script import Summary, script_for
from nextstep.sandbox.crm import LOST_STATUS_ID, WON_STATUS_ID

#: The whole demo must end well inside a minute; this is the hard stop.
DEMO_DEADLINE = 50.0


def _out(text: str) -> None:
    print(text, flush=True)


async def play(playbook: str) -> int:
    started = time.monotonic()
    _out(f"Nextstep demo — playbook «{playbook}»: песочница CRM + эмулятор Telegram + бот")
    async with open_world(playbook, out=_out) as world:
        team = ", ".join(f"{p.name} ({p.role})" for p in world.people.values())
        _out(f"Подключены в Telegram: {team}")
        summary = await script_for(playbook)(world)
        _print_summary(world.state, summary, world.mark(), world.emu.stats.as_dict())
    _out(f"\nГотово за {time.monotonic() - started:.1f} с.")
    return 0


def _print_summary(state: object, summary: Summary, writes: int, stats: dict[str, object]) -> None:
    from nextstep.sandbox.crm import CrmState

    assert isinstance(state, CrmState)
    _out("\n━━ Итог")
    for deal_id, title in summary.deals.items():
        lead = state.leads[deal_id]
        pipeline = state.pipelines[lead.pipeline_id]
        stage = next((s.name for s in pipeline.statuses if s.id == lead.status_id), "?")
        if lead.status_id in (WON_STATUS_ID, LOST_STATUS_ID) and lead.loss_reason_id:
            stage += f" ({state.loss_reasons[lead.loss_reason_id].name})"
        tasks = state.open_tasks_of(deal_id)
        task = f"; задача: {tasks[0].text}" if tasks else "; открытых задач нет"
        _out(f"  #{deal_id} {title}: {stage}{task}")
    for note in summary.notes:
        _out(f"  {note}")
    _out(
        f"  Записей в CRM: {writes}; сообщений бота принято Telegram: {stats['messages_accepted']}"
    )


def cmd_demo(args: argparse.Namespace) -> int:
    logging.basicConfig(level=args.log_level, format="%(levelname)s %(name)s: %(message)s")
    try:
        playbook_path(args.playbook)
    except FileNotFoundError as exc:
        print(f"nextstep demo: {exc}", file=sys.stderr)
        return 2
    try:
        return asyncio.run(asyncio.wait_for(play(args.playbook), DEMO_DEADLINE))
    except WorldTimeout as exc:
        print(f"\nnextstep demo: FAILED — {exc}", file=sys.stderr)
        return 1
    except TimeoutError:
        print(
            f"\nnextstep demo: FAILED — did not finish in {DEMO_DEADLINE:.0f} s", file=sys.stderr
        )
        return 1


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "demo", help="sandbox CRM + Telegram emulator + the bot: a scripted morning"
    )
    parser.add_argument(
        "--playbook", default="default", help="playbooks/NAME.yaml to run (default: default)"
    )
    parser.add_argument("--log-level", default="WARNING")
    parser.set_defaults(func=cmd_demo)
