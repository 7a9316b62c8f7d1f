"""`nextstep staff invite | add | list` against a temporary database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from nextstep.bot.cli import main
from nextstep.bot.config import REPO_ROOT


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


def test_a_playbook_role_can_be_paired_under_that_playbook_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'staff.db'}"
    base = ["staff", "add", "--telegram-id", "5", "--crm-user", "8", "--database-url", url]
    assert main([*base, "--role", "accountant"]) == 1  # the default playbook has none
    assert "unknown role 'accountant'" in capsys.readouterr().out
    center = str(REPO_ROOT / "playbooks" / "training-center.yaml")
    assert main([*base, "--role", "accountant", "--playbook", center]) == 0
    capsys.readouterr()
    assert main(["staff", "list", "--database-url", url]) == 0
    assert "accountant crm=8 telegram=5" in capsys.readouterr().out


def test_check_warns_about_playbook_roles_nobody_has(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'staff.db'}"
    center = str(REPO_ROOT / "playbooks" / "training-center.yaml")
    add = ["staff", "add", "--database-url", url, "--playbook", center]
    assert main([*add, "--telegram-id", "5", "--crm-user", "8", "--role", "accountant"]) == 0
    assert main([*add, "--telegram-id", "6", "--crm-user", "9", "--role", "manager"]) == 0
    capsys.readouterr()

    assert main(["playbook", "check", center, "--database-url", url]) == 0  # a warning only
    out = capsys.readouterr().out
    assert out.startswith("OK: Учебный центр")
    assert "warning: nobody is paired as 'trainer'" in out
    assert "--role trainer" in out
    assert "'accountant'" not in out
    assert "'manager'" not in out

    missing = f"sqlite+aiosqlite:///{tmp_path / 'none.db'}"
    assert main(["playbook", "check", center, "--database-url", missing]) == 0
    assert "note: staff roles not checked" in capsys.readouterr().out
    assert not (tmp_path / "none.db").exists()


def test_invite_puts_a_manager_in_a_heads_team(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "staff.db"
    url = f"sqlite+aiosqlite:///{db}"
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "nextstep_bot")
    invite = ["staff", "invite", "--crm-user", "9", "--role", "manager", "--database-url", url]
    assert main([*invite, "--head", "8"]) == 0
    token = capsys.readouterr().out.strip().rsplit("=", 1)[1]
    with sqlite3.connect(db) as conn:
        row = conn.execute(
            "SELECT crm_user_id, role, head_crm_user_id FROM invites WHERE token = ?", (token,)
        ).fetchone()
    assert row == (9, "manager", 8)
