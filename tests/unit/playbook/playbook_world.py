"""Plain CRM data for playbook tests: the stock amoCRM pipeline and a design studio's one."""

from __future__ import annotations

from pathlib import Path

from nextstep.crm_client.models import LossReason, Pipeline, Stage, StageKind

DEFAULT_PLAYBOOK = Path(__file__).resolve().parents[3] / "playbooks" / "default.yaml"


def pipeline(pid: int, name: str, working: list[str], *, is_main: bool = False) -> Pipeline:
    """A pipeline as amoCRM builds it: unsorted first, working stages, then 142 and 143."""
    stages = [
        Stage(
            id=pid * 100, pipeline_id=pid, name="Неразобранное", sort=10, kind=StageKind.UNSORTED
        )
    ]
    stages += [
        Stage(id=pid * 100 + i, pipeline_id=pid, name=n, sort=10 * (i + 1))
        for i, n in enumerate(working, start=1)
    ]
    stages += [
        Stage(id=142, pipeline_id=pid, name="Успешно реализовано", sort=10000, kind=StageKind.WON),
        Stage(
            id=143,
            pipeline_id=pid,
            name="Закрыто и не реализовано",
            sort=11000,
            kind=StageKind.LOST,
        ),
    ]
    return Pipeline(id=pid, name=name, is_main=is_main, stages=tuple(stages), sort=pid)


STOCK = pipeline(
    1,
    "Воронка",
    ["Первичный контакт", "Переговоры", "Принимают решение", "Согласование договора"],
    is_main=True,
)
DESIGN = pipeline(
    2,
    "Дизайн",
    [
        "Новая заявка",
        "Взят в работу",
        "Квалификация",
        "Встреча/замер",
        "Дизайн-проект готов",
        "Смета",
        "Договор",
    ],
)
TINY = pipeline(3, "Партнёры", ["Обсуждение"])

REASONS = (
    LossReason(id=501, name="Дорого"),
    LossReason(id=502, name="Перестал отвечать"),
    LossReason(id=503, name="Купил у конкурентов"),
)


def stage_id(p: Pipeline, name: str) -> int:
    return next(s.id for s in p.stages if s.name == name)
