"""The engine and the playbook import nothing that does I/O (they replay history as data)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3] / "nextstep" / "bot"
FORBIDDEN = (
    "aiogram",
    "aiohttp",
    "httpx",
    "sqlalchemy",
    "apscheduler",
    "nextstep.bot.storage",
    "nextstep.crm_client.amocrm",
)
MODULES = sorted([*(ROOT / "engine").glob("*.py"), *(ROOT / "playbook").glob("*.py")])


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_io_imports(path: Path) -> None:
    bad = {n for n in imported(path) for f in FORBIDDEN if n == f or n.startswith(f + ".")}
    assert not bad
