"""`nextstep demo` itself: the scripted morning plays to the end and exits 0."""

from __future__ import annotations

import pytest

from nextstep.bot.demo.cli import play


async def test_the_demo_plays_its_morning(capsys: pytest.CaptureFixture[str]) -> None:
    assert await play("default") == 0
    out = capsys.readouterr().out
    assert "Мария нажимает [ 🚀 Взять в работу ]" in out
    assert "CRM ← PATCH /api/v4/leads/" in out
    assert "Закрыто и не реализовано (Перестал отвечать)" in out
    assert "Квартира на Пресне: Квалификация" in out
