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
    # the head's part: /team → a manager → a deal → handed over, with its task, in the CRM
    assert "Ирина нажимает [ 👤 Мария Кузнецова: 1 ]" in out
    assert "🔀 Передана: Алексей Смирнов." in out
    assert '{"responsible_user_id":1012}' in out
    assert "📌 Вам передана сделка «Квартира на Пресне»" in out
