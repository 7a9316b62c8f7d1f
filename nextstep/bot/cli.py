"""The `nextstep` command line: each area registers its own sub-commands.

Every module in COMMAND_MODULES exposes `register(subparsers)`, adding one top-level command
(with its own sub-commands) whose handler is stored as `func` and returns an exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

COMMAND_MODULES: tuple[str, ...] = (
    "nextstep.bot.playbook.cli",
    "nextstep.bot.simulate_cli",  # adds `playbook simulate`: after playbook.cli
    "nextstep.bot.playbook_roles_cli",  # adds `playbook check --database-url`: after it too
    "nextstep.bot.storage.cli",
    "nextstep.bot.staff_cli",
    "nextstep.bot.staff_schedule_cli",  # adds `staff schedule`: after staff_cli
    "nextstep.bot.audit.cli",
    "nextstep.bot.sync.cli",
    "nextstep.sandbox.cli",
    "nextstep.bot.run_cli",
    "nextstep.bot.demo.cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nextstep", description="Nextstep: the next step of every deal, in Telegram."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    return func(args)


if __name__ == "__main__":
    sys.exit(main())
