"""`nextstep demo --playbook design-studio` plays story 002's hand-off to the end."""

from __future__ import annotations

from pathlib import Path

from nextstep.bot.demo.harness import open_world
from nextstep.bot.demo.script import script_for


async def test_the_design_studio_story_ends_with_the_estimate(tmp_path: Path) -> None:
    lines: list[str] = []
    async with open_world("design-studio", out=lines.append, db_dir=tmp_path) as world:
        summary = await script_for("design-studio")(world)
        (deal,) = summary.deals
        lead = world.state.leads[deal]
        assert lead.status_id == world.info.stage("Дизайн", "Смета")
        texts = [t.text for t in world.state.open_tasks_of(deal)]
        assert texts == ["Позвонить клиенту: смета по «Квартира на Пресне» готова"]
    shown = "\n".join(lines)
    assert "заполните поля" in shown
    assert "Какая высота потолков?" in shown
