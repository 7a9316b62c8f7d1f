"""`nextstep staff invite | add | list` against a temporary database."""

from __future__ import annotations

from pathlib import Path

import pytest

from nextstep.bot.cli import main


def test_invite_add_and_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'staff.db'}"
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "nextstep_bot")
    assert (
        main(["staff", "invite", "--crm-user", "7", "--role", "manager", "--database-url", url])
        == 0
    )
    link = capsys.readouterr().out.strip()
    assert link.startswith("https://t.me/nextstep_bot?start=")
    assert len(link.rsplit("=", 1)[1]) <= 64
    args = ["staff", "add", "--telegram-id", "5", "--crm-user", "8", "--role", "head"]
    assert main([*args, "--name", "Гера", "--database-url", url]) == 0
    args = ["staff", "add", "--telegram-id", "6", "--crm-user", "9", "--role", "manager"]
    assert main([*args, "--head", "8", "--database-url", url]) == 0
    capsys.readouterr()
    assert main(["staff", "list", "--database-url", url]) == 0
    listing = capsys.readouterr().out
    assert "head      crm=8 telegram=5 lang=ru Гера" in listing
    assert "manager   crm=9 telegram=6 lang=ru head=8" in listing


def test_a_telegram_id_cannot_be_two_people(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'staff.db'}"
    base = ["staff", "add", "--telegram-id", "5", "--role", "manager", "--database-url", url]
    assert main([*base, "--crm-user", "8"]) == 0
    assert main([*base, "--crm-user", "9"]) == 1
