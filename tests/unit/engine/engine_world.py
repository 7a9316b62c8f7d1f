"""Plain data for engine tests: the default playbook resolved on the stock pipeline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from nextstep.bot.engine.state import Context, DealView, OpenTask
from nextstep.bot.engine.texts import ParamValue, Text
from nextstep.bot.playbook.loader import load_playbook
from nextstep.bot.playbook.resolve import resolve
from nextstep.bot.playbook.resolved import ResolvedPlaybook
from nextstep.crm_client.models import LossReason, Pipeline, Stage, StageKind

DEFAULT_PLAYBOOK = Path(__file__).resolve().parents[3] / "playbooks" / "default.yaml"

UNSORTED, FIRST, SECOND, THIRD, FOURTH = 100, 101, 102, 103, 104
WON, LOST = 142, 143
MANAGER = 7
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MORNING = datetime(2026, 3, 3, 7, 0, tzinfo=UTC)  # 10:00 Moscow
CTX = Context(now=NOW, next_working_morning=MORNING)
TAKE_TASK, CALL_TASK = 9001, 9002
STOPPED_ANSWERING, EXPENSIVE = 502, 501
DEAL_NAME = "Квартира на Пресне"

_NAMES = ["Первичный контакт", "Переговоры", "Принимают решение", "Согласование договора"]
STOCK = Pipeline(
    id=1,
    name="Воронка",
    is_main=True,
    stages=(
        Stage(id=UNSORTED, pipeline_id=1, name="Неразобранное", sort=10, kind=StageKind.UNSORTED),
        *(
            Stage(id=FIRST + i, pipeline_id=1, name=n, sort=20 + 10 * i)
            for i, n in enumerate(_NAMES)
        ),
        Stage(id=WON, pipeline_id=1, name="Успешно", sort=10000, kind=StageKind.WON),
        Stage(id=LOST, pipeline_id=1, name="Не реализовано", sort=11000, kind=StageKind.LOST),
    ),
)
REASONS = (
    LossReason(id=EXPENSIVE, name="Дорого"),
    LossReason(id=STOPPED_ANSWERING, name="Перестал отвечать"),
)


def default_resolved() -> ResolvedPlaybook:
    return resolve(load_playbook(DEFAULT_PLAYBOOK), [STOCK], REASONS)


RP = default_resolved()


def new_deal(status_id: int = FIRST, **changes: object) -> DealView:
    """A deal just assigned: on a new stage, with its take task open."""
    fields: dict[str, object] = {
        "id": 55,
        "pipeline_id": 1,
        "status_id": status_id,
        "responsible_user_id": MANAGER,
        "name": DEAL_NAME,
        "open_tasks": (OpenTask(TAKE_TASK, NOW + timedelta(minutes=10)),),
        "take_task_id": TAKE_TASK,
    }
    fields.update(changes)
    return DealView(**fields)  # type: ignore[arg-type]


def working_deal(status_id: int = SECOND, attempts: int = 0, **changes: object) -> DealView:
    """A deal in work with an open call task."""
    fields: dict[str, object] = {
        "taken": True,
        "take_task_id": None,
        "open_tasks": (OpenTask(CALL_TASK, NOW),),
        "no_answer_attempts": attempts,
    }
    return new_deal(status_id, **{**fields, **changes})


def text(template: str, **params: ParamValue) -> Text:
    """A playbook text as the engine emits it (the deal's name is always a parameter)."""
    return Text(template=template, params=tuple(sorted({"deal": DEAL_NAME, **params}.items())))
