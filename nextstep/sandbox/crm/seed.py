"""Deterministic sandbox accounts: the interior design studio, and a fresh stock account.

`seed_design_studio` builds the account of customer story 002 (three pipelines, two sales
groups with their heads, estimators, an admin) with `deals` leads whose history carries every
problem the audit looks for: open deals without an open task, overdue tasks, deals stuck on
their stage for weeks, deals moved back from a closed stage. The same `rng_seed` and `now` give
the same data; everything is dated relative to `now`. 10 000 deals build in about a second.

`seed_empty_stock` is a just-registered account (the stock "Воронка", two users), used to prove
the default playbook works unedited.
"""

from __future__ import annotations

import gc
import random
from dataclasses import dataclass, field
from typing import Any

from . import changes
from .seed_names import (
    FEMALE_FIRST,
    LOST_COLOR,
    MALE_FIRST,
    STAGE_COLORS,
    STREETS,
    SURNAMES,
    UNSORTED_COLOR,
    WON_COLOR,
)
from .state import (
    LOST_STATUS_ID,
    STATUS_TYPE_UNSORTED,
    WON_STATUS_ID,
    Account,
    Contact,
    CrmState,
    CustomField,
    Enum,
    Group,
    Lead,
    LossReason,
    Pipeline,
    Role,
    Salesbot,
    Status,
    Task,
    User,
)

DAY = 86_400
HOUR = 3_600

# --- fixed ids (tests and the demo refer to them) --------------------------------------------

ACCOUNT_ID = 31_000_001
ADMIN_ID = 1001
HEAD_IDS = (1002, 1003)  # heads of group 1 and group 2
MANAGER_IDS = (1011, 1012, 1013, 1014, 1015, 1016, 1017, 1018)  # 4 per group
ESTIMATOR_IDS = (1021, 1022)
GROUP_IDS = (1, 2)
ROLE_HEAD, ROLE_MANAGER, ROLE_ESTIMATOR = 1, 2, 3

DESIGN_PIPELINE_ID, RENOVATION_PIPELINE_ID, FURNISHING_PIPELINE_ID = 7001, 7002, 7003
SALESBOT_NO_ANSWER_ID = 101
SALESBOT_MEETING_REMINDER_ID = 102

FIELD_SOURCE_ID = 900_001
FIELD_AREA_ID = 900_002
FIELD_ADDRESS_ID = 900_003
FIELD_PROJECT_URL_ID = 900_004

LOSS_REASONS = ("Перестал отвечать", "Дорого", "Не актуально", "Выбрали других", "Не целевой")
LOSS_WEIGHTS = (40, 20, 15, 15, 10)
SOURCES = ("Сайт", "Instagram", "Рекомендация", "Вебинар")
SOURCE_WEIGHTS = (40, 25, 20, 15)

PIPELINE_STAGES: dict[int, tuple[str, tuple[str, ...]]] = {
    DESIGN_PIPELINE_ID: (
        "Дизайн",
        (
            "Новая заявка",
            "Взят в работу",
            "Квалификация",
            "Встреча/замер",
            "Дизайн-проект готов",
            "Смета",
            "Договор",
        ),
    ),
    RENOVATION_PIPELINE_ID: (
        "Ремонт",
        ("Новая заявка", "Взят в работу", "Квалификация", "Встреча/замер", "Смета", "Договор"),
    ),
    FURNISHING_PIPELINE_ID: (
        "Комплектация",
        ("Новая заявка", "Взят в работу", "Квалификация", "Подбор", "Смета", "Договор"),
    ),
}
PIPELINE_WEIGHTS = (50, 30, 20)
#: Price per m² (roubles) by pipeline: design project, renovation, furnishing.
PRICE_PER_M2 = {DESIGN_PIPELINE_ID: 3_500, RENOVATION_PIPELINE_ID: 18_000,
                FURNISHING_PIPELINE_ID: 9_000}  # fmt: skip
PIPELINE_TITLES = {DESIGN_PIPELINE_ID: "Дизайн-проект", RENOVATION_PIPELINE_ID: "Ремонт",
                   FURNISHING_PIPELINE_ID: "Комплектация"}  # fmt: skip
CALL_TASK_TEXTS = ("Перезвонить клиенту", "Связаться с клиентом", "Уточнить детали проекта",
                   "Договориться о замере", "Обсудить смету", "Напомнить о договоре")  # fmt: skip
CALL_RESULTS = ("Не дозвонился", "Клиент думает", "Договорились о встрече",
                "Отправил КП на почту", "Перезвонить на следующей неделе")  # fmt: skip


def status_id_of(pipeline_id: int, index: int) -> int:
    """Stage ids are readable: pipeline 7001's unsorted stage is 700100, its 1st working 700101."""
    return pipeline_id * 100 + index


@dataclass
class SeedInfo:
    """The ids a test or the demo needs, and what the generator planted on purpose."""

    account_id: int
    admin_id: int
    head_ids: tuple[int, ...] = ()
    manager_ids: tuple[int, ...] = ()
    estimator_ids: tuple[int, ...] = ()
    head_of_group: dict[int, int] = field(default_factory=dict)
    managers_by_group: dict[int, tuple[int, ...]] = field(default_factory=dict)
    pipelines: dict[str, int] = field(default_factory=dict)
    stages: dict[tuple[str, str], int] = field(default_factory=dict)
    loss_reasons: dict[str, int] = field(default_factory=dict)
    fields: dict[str, int] = field(default_factory=dict)
    salesbots: dict[str, int] = field(default_factory=dict)
    # users of a role a story's playbook names (accountant, account_manager, trainer, ...)
    staff_roles: dict[int, str] = field(default_factory=dict)
    # what the generator planted (the audit must find at least these)
    stuck_lead_ids: list[int] = field(default_factory=list)
    moved_back_lead_ids: list[int] = field(default_factory=list)
    no_task_lead_ids: list[int] = field(default_factory=list)
    overdue_lead_ids: list[int] = field(default_factory=list)

    def stage(self, pipeline: str, name: str) -> int:
        """Stage id by pipeline name ("Дизайн") and stage name ("Смета")."""
        return self.stages[(pipeline, name)]


def _reset(state: CrmState) -> None:
    state.groups.clear()
    state.roles.clear()
    state.users.clear()
    state.pipelines.clear()
    state.loss_reasons.clear()
    state.custom_fields.clear()
    state.contacts.clear()
    state.leads.clear()
    state.tasks.clear()
    state.notes.clear()
    state.events.clear()
    state.salesbots.clear()


def _pipeline(
    pipeline_id: int, name: str, sort: int, stages: tuple[str, ...], *, is_main: bool
) -> Pipeline:
    pipeline = Pipeline(id=pipeline_id, name=name, sort=sort, is_main=is_main)
    pipeline.statuses.append(
        Status(
            id=status_id_of(pipeline_id, 0),
            name="Неразобранное",
            sort=10,
            pipeline_id=pipeline_id,
            type=STATUS_TYPE_UNSORTED,
            color=UNSORTED_COLOR,
            is_editable=False,
        )
    )
    for i, stage in enumerate(stages, start=1):
        pipeline.statuses.append(
            Status(
                id=status_id_of(pipeline_id, i),
                name=stage,
                sort=10 + i * 10,
                pipeline_id=pipeline_id,
                color=STAGE_COLORS[(i - 1) % len(STAGE_COLORS)],
            )
        )
    pipeline.statuses.append(
        Status(WON_STATUS_ID, "Успешно реализовано", 10_000, pipeline_id, 0, WON_COLOR, False)
    )
    pipeline.statuses.append(
        Status(
            LOST_STATUS_ID, "Закрыто и не реализовано", 11_000, pipeline_id, 0, LOST_COLOR, False
        )
    )
    return pipeline


def _studio_structure(state: CrmState, now: int) -> SeedInfo:
    state.account = Account(
        id=ACCOUNT_ID,
        name="Rerooms — студия дизайна интерьеров (песочница)",
        subdomain="rerooms-sandbox",
        currency="RUB",
        timezone="Europe/Moscow",
        created_at=now - 400 * DAY,
    )
    state.groups.update(
        {
            0: Group(0, "Отдел продаж"),
            1: Group(1, "Продажи — группа 1"),
            2: Group(2, "Продажи — группа 2"),
        }
    )
    state.roles.update(
        {
            ROLE_HEAD: Role(ROLE_HEAD, "Руководитель группы"),
            ROLE_MANAGER: Role(ROLE_MANAGER, "Менеджер"),
            ROLE_ESTIMATOR: Role(ROLE_ESTIMATOR, "Сметчик"),
        }
    )
    people = [
        (ADMIN_ID, "Анна Соколова", "admin", 0, None, True),
        (1002, "Ирина Волкова", "i.volkova", 1, ROLE_HEAD, False),
        (1003, "Дмитрий Орлов", "d.orlov", 2, ROLE_HEAD, False),
        (1011, "Мария Кузнецова", "m.kuznetsova", 1, ROLE_MANAGER, False),
        (1012, "Алексей Смирнов", "a.smirnov", 1, ROLE_MANAGER, False),
        (1013, "Екатерина Попова", "e.popova", 1, ROLE_MANAGER, False),
        (1014, "Игорь Лебедев", "i.lebedev", 1, ROLE_MANAGER, False),
        (1015, "Ольга Морозова", "o.morozova", 2, ROLE_MANAGER, False),
        (1016, "Павел Новиков", "p.novikov", 2, ROLE_MANAGER, False),
        (1017, "Светлана Егорова", "s.egorova", 2, ROLE_MANAGER, False),
        (1018, "Никита Фролов", "n.frolov", 2, ROLE_MANAGER, False),
        (1021, "Сергей Медведев", "s.medvedev", 0, ROLE_ESTIMATOR, False),
        (1022, "Татьяна Белова", "t.belova", 0, ROLE_ESTIMATOR, False),
    ]
    for user_id, name, login, group_id, role_id, is_admin in people:
        state.users[user_id] = User(
            id=user_id,
            name=name,
            email=f"{login}@rerooms.example",
            group_id=group_id,
            role_id=role_id,
            is_admin=is_admin,
        )
    for sort, (pipeline_id, (name, stages)) in enumerate(PIPELINE_STAGES.items(), start=1):
        state.pipelines[pipeline_id] = _pipeline(
            pipeline_id, name, sort, stages, is_main=pipeline_id == DESIGN_PIPELINE_ID
        )
    for i, reason in enumerate(LOSS_REASONS, start=1):
        state.loss_reasons[800 + i] = LossReason(
            800 + i, reason, i * 10, now - 300 * DAY, now - 300 * DAY
        )
    state.custom_fields[FIELD_SOURCE_ID] = CustomField(
        id=FIELD_SOURCE_ID,
        name="Источник",
        type="select",
        code="SOURCE",
        sort=1,
        enums=[Enum(910 + i, value, i * 10) for i, value in enumerate(SOURCES, start=1)],
    )
    state.custom_fields[FIELD_AREA_ID] = CustomField(
        id=FIELD_AREA_ID, name="Площадь", type="numeric", code="AREA", sort=2
    )
    state.custom_fields[FIELD_ADDRESS_ID] = CustomField(
        id=FIELD_ADDRESS_ID, name="Адрес", type="text", code="ADDRESS", sort=3
    )
    state.custom_fields[FIELD_PROJECT_URL_ID] = CustomField(
        id=FIELD_PROJECT_URL_ID,
        name="Ссылка на проект",
        type="url",
        code="PROJECT_URL",
        sort=4,
        # The estimator hand-off: a design project is "ready" only with its link.
        required_statuses=[(DESIGN_PIPELINE_ID, status_id_of(DESIGN_PIPELINE_ID, 5))],
    )
    state.salesbots[SALESBOT_NO_ANSWER_ID] = Salesbot(SALESBOT_NO_ANSWER_ID, "Не дозвонились")
    state.salesbots[SALESBOT_MEETING_REMINDER_ID] = Salesbot(
        SALESBOT_MEETING_REMINDER_ID, "Напоминание о встрече"
    )
    info = SeedInfo(
        account_id=ACCOUNT_ID,
        admin_id=ADMIN_ID,
        head_ids=HEAD_IDS,
        manager_ids=MANAGER_IDS,
        estimator_ids=ESTIMATOR_IDS,
        head_of_group={1: HEAD_IDS[0], 2: HEAD_IDS[1]},
        managers_by_group={1: MANAGER_IDS[:4], 2: MANAGER_IDS[4:]},
        pipelines={
            "Дизайн": DESIGN_PIPELINE_ID,
            "Ремонт": RENOVATION_PIPELINE_ID,
            "Комплектация": FURNISHING_PIPELINE_ID,
        },
        loss_reasons={r.name: r.id for r in state.loss_reasons.values()},
        fields={
            "SOURCE": FIELD_SOURCE_ID,
            "AREA": FIELD_AREA_ID,
            "ADDRESS": FIELD_ADDRESS_ID,
            "PROJECT_URL": FIELD_PROJECT_URL_ID,
        },
        salesbots={
            "Не дозвонились": SALESBOT_NO_ANSWER_ID,
            "Напоминание о встрече": SALESBOT_MEETING_REMINDER_ID,
        },
    )
    for pipeline in state.pipelines.values():
        for status in pipeline.statuses:
            info.stages[(pipeline.name, status.name)] = status.id
    return info


class _DealFactory:
    """Builds one deal with its contact, status history, tasks and events."""

    def __init__(self, state: CrmState, info: SeedInfo, rng: random.Random, now: int) -> None:
        self.state = state
        self.info = info
        self.rng = rng
        self.now = now
        self.next_lead = changes.LEAD_ID_START
        self.next_task = changes.TASK_ID_START
        self.next_contact = changes.CONTACT_ID_START
        self.min_moved_back = 0

    def contact(self, responsible: int, at: int) -> Contact:
        rng = self.rng
        female = rng.random() < 0.6
        first = rng.choice(FEMALE_FIRST if female else MALE_FIRST)
        surname = rng.choice(SURNAMES) + ("а" if female else "")
        phone = f"+7 9{rng.randint(10, 99)} {rng.randint(100, 999)}-{rng.randint(10, 99)}-" + (
            f"{rng.randint(10, 99)}"
        )
        contact = Contact(
            id=self.next_contact,
            name=f"{first} {surname}",
            first_name=first,
            last_name=surname,
            responsible_user_id=responsible,
            phones=[phone],
            emails=[f"client{self.next_contact - changes.CONTACT_ID_START + 1}@mail.example"]
            if rng.random() < 0.5
            else [],
            created_at=at,
            updated_at=at,
        )
        self.next_contact += 1
        self.state.contacts[contact.id] = contact
        return contact

    def task(
        self,
        lead: Lead,
        *,
        created_at: int,
        complete_till: int,
        completed_at: int | None,
        task_type: int = 1,
    ) -> Task:
        rng = self.rng
        text = "Встреча/замер на объекте" if task_type == 2 else rng.choice(CALL_TASK_TEXTS)
        task = Task(
            id=self.next_task,
            text=text,
            complete_till=complete_till,
            responsible_user_id=lead.responsible_user_id,
            entity_id=lead.id,
            entity_type="leads",
            task_type_id=task_type,
            is_completed=completed_at is not None,
            result_text=rng.choice(CALL_RESULTS) if completed_at is not None else None,
            group_id=lead.group_id,
            created_by=lead.responsible_user_id,
            updated_by=lead.responsible_user_id,
            created_at=created_at,
            updated_at=completed_at if completed_at is not None else created_at,
        )
        self.next_task += 1
        self.state.tasks[task.id] = task
        by = lead.responsible_user_id
        changes.record_event(
            self.state, "task_added", "task", task.id, by=by, at=created_at,
            after=[{"task": {"id": task.id}}],
        )  # fmt: skip
        if completed_at is not None:
            changes.record_event(
                self.state, "task_completed", "task", task.id, by=by, at=completed_at,
                after=[{"task_completion_status": True}],
                before=[{"task_completion_status": False}],
            )  # fmt: skip
        return task

    def deal(self) -> Lead:
        rng, state, now = self.rng, self.state, self.now
        pipeline_id = rng.choices(list(PIPELINE_STAGES), PIPELINE_WEIGHTS)[0]
        _, stages = PIPELINE_STAGES[pipeline_id]
        responsible = rng.choice(MANAGER_IDS)
        roll = rng.random()
        outcome = "won" if roll < 0.12 else "lost" if roll < 0.30 else "open"
        if outcome == "open" and rng.random() < 0.02:
            stage_index = 0  # still in Неразобранное
        elif outcome == "open":
            weights = [max(1, 8 - i) for i in range(len(stages))]
            stage_index = rng.choices(range(1, len(stages) + 1), weights)[0]
        else:
            stage_index = rng.randint(1, len(stages))  # the last working stage reached
        stuck = outcome == "open" and stage_index > 0 and rng.random() < 0.15
        wanted_back = len(self.info.moved_back_lead_ids) < self.min_moved_back
        moved_back = (
            outcome == "open"
            and not stuck
            and stage_index > 1
            and rng.random() < (0.2 if wanted_back else 0.012)
        )
        # When the deal last changed stage: recent for live deals, weeks ago for stuck ones.
        if stuck:
            last_change = now - rng.randint(21 * DAY, 70 * DAY)
        elif outcome == "open":
            last_change = now - rng.randint(HOUR, 12 * DAY)
        else:
            last_change = now - rng.randint(HOUR, 60 * DAY)
        moves = stage_index >= 2 or outcome != "open" or moved_back
        created_at = last_change - (rng.randint(DAY, 60 * DAY) if moves else rng.randint(0, HOUR))

        area = rng.randint(35, 250)
        contact = self.contact(responsible, created_at)
        source = rng.choices(SOURCES, SOURCE_WEIGHTS)[0]
        source_enum = state.custom_fields[FIELD_SOURCE_ID].enum_by_value(source)
        assert source_enum is not None
        fields: dict[int, list[dict[str, Any]]] = {
            FIELD_SOURCE_ID: [{"value": source, "enum_id": source_enum.id, "enum_code": None}],
            FIELD_AREA_ID: [{"value": str(area)}],
        }
        if rng.random() < 0.7:
            fields[FIELD_ADDRESS_ID] = [
                {"value": f"Москва, {rng.choice(STREETS)}, д. {rng.randint(1, 120)}"}
            ]
        if pipeline_id == DESIGN_PIPELINE_ID and (stage_index >= 5 or outcome == "won"):
            link = f"https://disk.rerooms.example/projects/{self.next_lead}"
            fields[FIELD_PROJECT_URL_ID] = [{"value": link}]
        lead = Lead(
            id=self.next_lead,
            name=f"{PIPELINE_TITLES[pipeline_id]}: {contact.last_name}, {area} м²",
            price=int(round(area * PRICE_PER_M2[pipeline_id] * rng.uniform(0.8, 1.3), -3)),
            status_id=status_id_of(pipeline_id, 0 if stage_index == 0 else 1),
            pipeline_id=pipeline_id,
            responsible_user_id=responsible,
            group_id=state.users[responsible].group_id,
            created_by=0 if source in ("Сайт", "Вебинар") else responsible,
            updated_by=responsible,
            created_at=created_at,
            updated_at=last_change,
            custom_fields=fields,
            contact_ids=[contact.id],
        )
        self.next_lead += 1
        state.leads[lead.id] = lead
        self._history(lead, stage_index, outcome, last_change, moved_back=moved_back)
        if outcome == "lost":
            reason = rng.choices(range(1, len(LOSS_REASONS) + 1), LOSS_WEIGHTS)[0]
            lead.loss_reason_id = 800 + reason
        if moved_back:
            self.info.moved_back_lead_ids.append(lead.id)
        if stuck:
            self.info.stuck_lead_ids.append(lead.id)
        self._tasks(lead, outcome, last_change, stuck)
        return lead

    def _history(
        self, lead: Lead, stage_index: int, outcome: str, last_change: int, *, moved_back: bool
    ) -> None:
        """`lead_added`, then one `lead_status_changed` per step up to the current stage, the
        last one at `last_change` (a moved-back deal passes through 142/143 on the way)."""
        rng, state = self.rng, self.state
        pipeline_id = lead.pipeline_id
        changes.record_event(
            state, "lead_added", "lead", lead.id, by=lead.created_by, at=lead.created_at,
            after=changes.status_value(lead.status_id, pipeline_id),
        )  # fmt: skip
        targets = [status_id_of(pipeline_id, i) for i in range(2, stage_index + 1)]
        if outcome == "won":
            targets.append(WON_STATUS_ID)
        elif outcome == "lost":
            targets.append(LOST_STATUS_ID)
        if moved_back:
            # Closed (mostly as lost), then dragged back to a working stage by the manager.
            closed = rng.choice((LOST_STATUS_ID, LOST_STATUS_ID, WON_STATUS_ID))
            targets = [*targets, closed, status_id_of(pipeline_id, stage_index)]
        span = last_change - lead.created_at
        for step, status_id in enumerate(targets, start=1):
            changes.record_event(
                state, "lead_status_changed", "lead", lead.id,
                by=lead.responsible_user_id,
                at=lead.created_at + span * step // len(targets),
                after=changes.status_value(status_id, pipeline_id),
                before=changes.status_value(lead.status_id, pipeline_id),
            )  # fmt: skip
            lead.status_id = status_id
        if outcome != "open":
            lead.closed_at = last_change

    def _tasks(self, lead: Lead, outcome: str, last_change: int, stuck: bool) -> None:
        rng, now = self.rng, self.now
        history_end = last_change if outcome != "open" else now - HOUR
        for _ in range(rng.randint(0, 3)):
            created = rng.randint(lead.created_at, max(lead.created_at, history_end - HOUR))
            till = created + rng.randint(2 * HOUR, 3 * DAY)
            done = min(history_end, till + rng.randint(-HOUR, DAY))
            self.task(lead, created_at=created, complete_till=till,
                      completed_at=max(created + 60, done))  # fmt: skip
        if outcome != "open":
            return
        roll = rng.random()
        if roll < 0.12 or (stuck and roll < 0.35):
            self.info.no_task_lead_ids.append(lead.id)
            return
        if roll < 0.32 or stuck:
            till = now - rng.randint(HOUR, 20 * DAY)
            created = max(lead.created_at, till - rng.randint(HOUR, 3 * DAY))
            self.info.overdue_lead_ids.append(lead.id)
        else:
            till = now + rng.randint(HOUR, 10 * DAY)
            created = max(lead.created_at, now - rng.randint(HOUR, 3 * DAY))
        meeting = self.state.status_of(lead.pipeline_id, lead.status_id)
        task_type = 2 if meeting is not None and meeting.name == "Встреча/замер" else 1
        self.task(lead, created_at=created, complete_till=till, completed_at=None,
                  task_type=task_type)  # fmt: skip


def seed_design_studio(
    state: CrmState, *, deals: int = 500, now: int | None = None, rng_seed: int = 1
) -> SeedInfo:
    """Fill `state` with the design studio account and `deals` deals dated before `now`.

    Replaces whatever the state held. Returns the ids tests need (`SeedInfo`).
    """
    now = state.now() if now is None else int(now)
    _reset(state)
    info = _studio_structure(state, now)
    rng = random.Random(rng_seed)
    factory = _DealFactory(state, info, rng, now)
    # a few deals moved back from a closed stage even in a small seed
    factory.min_moved_back = 3 if deals >= 50 else 0
    # Tens of thousands of small objects, none cyclic: the cycle collector only slows this down.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for _ in range(deals):
            factory.deal()
    finally:
        if collecting:
            gc.enable()
    return info


def seed_empty_stock(state: CrmState, *, now: int | None = None) -> SeedInfo:
    """A just-registered account: the stock pipeline "Воронка" and two users, nothing else."""
    now = state.now() if now is None else int(now)
    _reset(state)
    state.account = Account(
        id=ACCOUNT_ID + 1,
        name="Новая компания (песочница)",
        subdomain="stock-sandbox",
        created_at=now - DAY,
    )
    state.groups[0] = Group(0, "Отдел продаж")
    state.users[ADMIN_ID] = User(ADMIN_ID, "Администратор", "owner@stock.example", is_admin=True)
    state.users[1002] = User(1002, "Менеджер", "manager@stock.example")
    stages = ("Первичный контакт", "Переговоры", "Принимают решение", "Согласование договора")
    pipeline = _pipeline(7101, "Воронка", 1, stages, is_main=True)
    state.pipelines[pipeline.id] = pipeline
    info = SeedInfo(
        account_id=state.account.id,
        admin_id=ADMIN_ID,
        manager_ids=(1002,),
        pipelines={"Воронка": pipeline.id},
    )
    for status in pipeline.statuses:
        info.stages[(pipeline.name, status.name)] = status.id
    return info
