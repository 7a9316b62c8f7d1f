"""Sandbox accounts shaped like the stories' playbooks, for the rules (hand-offs, linked deals,
date rules, NPS): the field names are the ones the shipped playbooks name.

`seed_design_studio_rules`: the design studio account (no generated deals) plus the hand-off's
fields. `seed_training_center`: Продажи → Деньги → Обучение → Повторные продажи with the fields
every linked deal carries. `seed_online_school`: Продажи, Вебинар and Сопровождение with the
installment and course-end dates and NPS. `seed_quest_rooms`: Бронирования with the booking's
fields and the two Salesbots. `seed_courses_kommo`: Sales and Reactivation with the loss reasons
the recycling rules name.
"""

from __future__ import annotations

from .seed import (
    ADMIN_ID,
    DAY,
    FIELD_PROJECT_URL_ID,
    SeedInfo,
    _pipeline,
    _reset,
    seed_design_studio,
)
from .state import Account, CrmState, CustomField, Enum, Group, LossReason, Salesbot, User

DESIGN_RULE_FIELDS = (
    ("Площадь, м²", "numeric"),
    ("Адрес объекта", "text"),
    ("Ссылка на дизайн-проект", "url"),
    ("Комментарий менеджера", "textarea"),
    ("Интерес к комплектации", "checkbox"),
)


def _fields(
    state: CrmState, info: SeedInfo, start: int, specs: tuple[tuple[str, str], ...]
) -> None:
    for i, (name, kind) in enumerate(specs):
        state.custom_fields[start + i] = CustomField(start + i, name, kind, sort=100 + i)
        info.fields[name] = start + i


def _select(
    state: CrmState, info: SeedInfo, field_id: int, name: str, values: tuple[str, ...]
) -> None:
    enums = [Enum(field_id * 10 + i, v, i * 10) for i, v in enumerate(values, start=1)]
    state.custom_fields[field_id] = CustomField(field_id, name, "select", sort=50, enums=enums)
    info.fields[name] = field_id


def add_design_rule_fields(state: CrmState, info: SeedInfo) -> None:
    """The design studio playbook's hand-off fields on a seeded studio account."""
    # The bot holds the stage until the hand-off's fields are filled (the CRM need not).
    state.custom_fields[FIELD_PROJECT_URL_ID].required_statuses = []
    _fields(state, info, 900_101, DESIGN_RULE_FIELDS)


def seed_design_studio_rules(state: CrmState, *, now: int | None = None) -> SeedInfo:
    info = seed_design_studio(state, deals=0, now=now)
    add_design_rule_fields(state, info)
    return info


def _account(
    state: CrmState,
    name: str,
    pipelines: dict[int, tuple[str, tuple[str, ...]]],
    users: tuple[tuple[int, str], ...],
    reasons: tuple[str, ...],
    now: int | None,
) -> SeedInfo:
    now = state.now() if now is None else int(now)
    _reset(state)
    state.account = Account(
        id=31_000_100 + len(name), name=name, subdomain="story-sandbox", created_at=now - 300 * DAY
    )
    state.groups[0] = Group(0, "Отдел продаж")
    state.users[ADMIN_ID] = User(ADMIN_ID, "Администратор", "owner@story.example", is_admin=True)
    for user_id, user_name in users:
        state.users[user_id] = User(user_id, user_name, f"u{user_id}@story.example")
    info = SeedInfo(account_id=state.account.id, admin_id=ADMIN_ID)
    for sort, (pipeline_id, (title, stages)) in enumerate(pipelines.items(), start=1):
        pipeline = _pipeline(pipeline_id, title, sort, stages, is_main=sort == 1)
        state.pipelines[pipeline_id] = pipeline
        info.pipelines[title] = pipeline_id
        for status in pipeline.statuses:
            info.stages[(title, status.name)] = status.id
    for i, reason in enumerate(reasons, start=1):
        state.loss_reasons[800 + i] = LossReason(800 + i, reason, i * 10, now - DAY, now - DAY)
        info.loss_reasons[reason] = 800 + i
    return info


def seed_training_center(state: CrmState, *, now: int | None = None) -> SeedInfo:
    """Story 004: a manager (1011), accountants (1031, 1032), a trainer (1041)."""
    info = _account(
        state,
        "Учебный центр по охране труда (песочница)",
        {
            7501: ("Продажи", ("Новая заявка", "Квалификация", "КП отправлено", "Договор")),
            7502: ("Деньги", ("Счёт выставлен", "Ожидаем оплату")),
            7503: (
                "Обучение",
                ("Группа формируется", "Доступы выданы", "Обучение идёт", "Обмен оригиналами"),
            ),
            7504: ("Повторные продажи", ("Новая", "Контакт", "КП отправлено")),
        },
        (
            (1011, "Ольга Менеджер"),
            (1031, "Бухгалтер Нина"),
            (1032, "Бухгалтер Вера"),
            (1041, "Тренер Игорь"),
        ),
        ("Дорого", "Перестал отвечать", "Выбрали другой центр"),
        now,
    )
    info.manager_ids = (1011,)
    _select(state, info, 900_201, "Тип оплаты", ("Предоплата", "Постоплата", "Аванс"))
    _select(state, info, 900_202, "Вид платежа", ("Полная оплата", "Аванс", "Остаток"))
    _fields(
        state,
        info,
        900_210,
        (
            ("ИНН", "text"),
            ("Программа обучения", "text"),
            ("Количество слушателей", "numeric"),
            ("Список слушателей", "textarea"),
            ("Номер договора", "text"),
            ("Сумма аванса", "numeric"),
            ("Сумма договора", "numeric"),
        ),
    )
    return info


def seed_online_school(state: CrmState, *, now: int | None = None) -> SeedInfo:
    """Story 000: a manager (1011) whose head is 1002, an account manager (1051)."""
    info = _account(
        state,
        "Онлайн бизнес-школа (песочница)",
        {
            7601: (
                "Продажи",
                ("Лид распределён", "Взят в работу", "Квалификация", "Выставлен счёт"),
            ),
            7602: ("Вебинар", ("Лид распределён", "Взят в работу", "Дожим", "Выставлен счёт")),
            7603: (
                "Сопровождение",
                ("Новый студент", "Доступы выданы", "Обучение", "Рассрочка: ждём платёж"),
            ),
        },
        ((1002, "Руководитель Гера"), (1011, "Мария Менеджер"), (1051, "Аккаунт Лена")),
        ("Дорого", "Недозвон", "Не подходит курс"),
        now,
    )
    info.manager_ids, info.head_ids = (1011,), (1002,)
    _fields(
        state,
        info,
        900_301,
        (
            ("Курс", "text"),
            ("Рассрочка", "checkbox"),
            ("Дата следующего платежа", "date"),
            ("Дата окончания курса", "date"),
            ("utm_source", "text"),
            ("NPS", "numeric"),
        ),
    )
    return info


def seed_quest_rooms(state: CrmState, *, now: int | None = None) -> SeedInfo:
    """Story 003: managers 1011 and 1012 (head 1002), location admins 1061 (Лофт), 1062 (Центр)."""
    info = _account(
        state,
        "Квесты (песочница)",
        {
            7701: (
                "Бронирования",
                (
                    "Новая заявка",
                    "В работе",
                    "Бронь получена",
                    "Прозвон1",
                    "Игра подтверждена",
                    "Игра проведена",
                ),
            ),
        },
        (
            (1002, "Руководитель Гера"),
            (1011, "Менеджер Даша"),
            (1012, "Менеджер Рома"),
            (1061, "Админ Лофта Кира"),
            (1062, "Админ Центра Олег"),
        ),
        ("Дорого", "Перестал отвечать", "Не выходит на связь", "Не подошла дата"),
        now,
    )
    info.manager_ids, info.head_ids = (1011, 1012), (1002,)
    _select(state, info, 900_401, "Локация", ("Лофт", "Центр"))
    _fields(
        state,
        info,
        900_410,
        (
            ("Дата игры", "date"),
            ("Время игры", "text"),
            ("Программа", "text"),
            ("Количество игроков", "numeric"),
            ("Комментарий менеджера", "textarea"),
            ("NPS", "numeric"),
        ),
    )
    for bot_id, name in ((201, "Написать в мессенджер"), (202, "Приглашение на повторную игру")):
        state.salesbots[bot_id] = Salesbot(bot_id, name)
        info.salesbots[name] = bot_id
    return info


def seed_courses_kommo(state: CrmState, *, now: int | None = None) -> SeedInfo:
    """Story 001: managers 1011, 1012 and 1013 (head 1002)."""
    info = _account(
        state,
        "Online courses (sandbox)",
        {
            7801: (
                "Sales",
                ("New lead", "Contacted", "Consultation", "Offer sent", "Payment pending"),
            ),
            7802: ("Reactivation", ("To contact", "Contacted", "Offer sent")),
        },
        (
            (1002, "Head Vera"),
            (1011, "Manager Anna"),
            (1012, "Manager Boris"),
            (1013, "Manager Clara"),
        ),
        ("Not now", "Need to think", "Too expensive", "No budget this year", "Stopped responding"),
        now,
    )
    info.manager_ids, info.head_ids = (1011, 1012, 1013), (1002,)
    _fields(state, info, 900_501, (("Course", "text"), ("Recycled", "checkbox")))
    return info
