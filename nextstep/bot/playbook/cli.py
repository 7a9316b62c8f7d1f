"""`nextstep playbook check FILE`: validate a playbook and print located errors."""

from __future__ import annotations

import argparse
import sys

from nextstep.bot.playbook.loader import PlaybookError, load_playbook
from nextstep.bot.playbook.model import Playbook
from nextstep.bot.playbook.sections.summary import rules_summary


def summary(playbook: Playbook) -> str:
    take = playbook.take_into_work
    parts = [
        f"{len(playbook.outcomes.offered())} outcomes",
        f"ladder of {len(playbook.no_answer_ladder)} steps",
        f"take into work → {take.move_to.describe() if take.move_to else 'stay'}",
        f"{len(playbook.card_fields)} card fields",
    ]
    parts += rules_summary(playbook)
    if planned := playbook.planned_sections():
        parts.append(f"reserved sections: {', '.join(planned)}")
    return f"OK: {playbook.name} — " + ", ".join(parts)


def cmd_check(args: argparse.Namespace) -> int:
    try:
        playbook = load_playbook(args.file)
    except PlaybookError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(summary(playbook))
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("playbook", help="work with playbook files")
    commands = parser.add_subparsers(dest="playbook_command", required=True)
    check = commands.add_parser("check", help="validate a playbook file")
    check.add_argument("file", help="path to the playbook YAML")
    check.set_defaults(func=cmd_check)
