"""The five customer accounts as plain CRM data: pipelines and loss reasons shaped like each
business of the stories, and their shipped playbooks resolved against them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nextstep.bot.playbook.loader import load_playbook
from nextstep.bot.playbook.resolve import resolve
from nextstep.bot.playbook.resolved import ResolvedPlaybook
from nextstep.crm_client.models import LossReason, Pipeline
from tests.unit.playbook.playbook_world import pipeline

PLAYBOOKS = Path(__file__).resolve().parents[3] / "playbooks"

STUDIO_STAGES = [
    "Новая заявка",
    "Взят в работу",
    "Квалификация",
    "Встреча/замер",
    "Дизайн-проект готов",
    "Смета",
    "Договор",
]


@dataclass(frozen=True)
class Business:
    playbook: str  # file name without .yaml
    pipelines: tuple[Pipeline, ...]
    reasons: tuple[LossReason, ...]

    @property
    def path(self) -> Path:
        return PLAYBOOKS / f"{self.playbook}.yaml"

    def resolved(self) -> ResolvedPlaybook:
        return resolve(load_playbook(self.path), self.pipelines, self.reasons)

    def pipe(self, name: str) -> Pipeline:
        return next(p for p in self.pipelines if p.name == name)

    def stage(self, pipeline_name: str, stage_name: str) -> int:
        return next(s.id for s in self.pipe(pipeline_name).stages if s.name == stage_name)

    def reason(self, name: str) -> int:
        return next(r.id for r in self.reasons if r.name == name)


def _reasons(*names: str) -> tuple[LossReason, ...]:
    return tuple(LossReason(id=500 + i, name=n, sort=i) for i, n in enumerate(names, 1))


DESIGN_STUDIO = Business(
    "design-studio",
    (
        pipeline(10, "Дизайн", STUDIO_STAGES, is_main=True),
        pipeline(11, "Ремонт", STUDIO_STAGES),
        pipeline(12, "Комплектация", STUDIO_STAGES),
    ),
    _reasons("Дорого", "Перестал выходить на связь", "Выбрал другую студию", "Не целевой"),
)

ONLINE_SCHOOL = Business(
    "online-school",
    (
        pipeline(
            20,
            "Продажи",
            ["Лид распределён", "Взят в работу", "Квалификация", "Выставлен счёт"],
            is_main=True,
        ),
        pipeline(21, "Вебинар", ["Лид распределён", "Взят в работу", "Дожим", "Выставлен счёт"]),
        pipeline(
            22,
            "Сопровождение",
            ["Новый студент", "Доступы выданы", "Обучение", "Рассрочка: ждём платёж"],
        ),
    ),
    _reasons("Дорого", "Недозвон", "Не подходит курс"),
)

COURSES_KOMMO = Business(
    "courses-kommo",
    (
        pipeline(
            30,
            "Sales",
            ["New lead", "Contacted", "Consultation", "Offer sent", "Payment pending"],
            is_main=True,
        ),
        pipeline(31, "Reactivation", ["New", "Contacted", "Offer", "Payment pending"]),
    ),
    _reasons(
        "Not now",
        "Need to think",
        "Too expensive",
        "No budget this year",
        "Not interested",
        "Stopped responding",
    ),
)

QUEST_ROOMS = Business(
    "quest-rooms",
    (
        pipeline(
            40,
            "Бронирования",
            [
                "Новая заявка",
                "В работе",
                "Бронь получена",
                "Прозвон1",
                "Игра подтверждена",
                "Игра проведена",
            ],
            is_main=True,
        ),
    ),
    _reasons("Дорого", "Перестал отвечать", "Не подошла дата"),
)

TRAINING_CENTER = Business(
    "training-center",
    (
        pipeline(
            50,
            "Продажи",
            ["Новая заявка", "Квалификация", "КП отправлено", "Договор"],
            is_main=True,
        ),
        pipeline(51, "Деньги", ["Счёт выставлен", "Ожидаем оплату"]),
        pipeline(
            52,
            "Обучение",
            ["Группа формируется", "Доступы выданы", "Обучение идёт", "Обмен оригиналами"],
        ),
        pipeline(53, "Повторные продажи", ["Новая", "Контакт", "КП отправлено"]),
    ),
    _reasons("Дорого", "Перестал отвечать", "Выбрали другой центр"),
)

ALL = (DESIGN_STUDIO, ONLINE_SCHOOL, COURSES_KOMMO, QUEST_ROOMS, TRAINING_CENTER)
