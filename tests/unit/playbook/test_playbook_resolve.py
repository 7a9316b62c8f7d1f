"""Stage references become CRM ids: by position on the stock pipeline, by name for a studio."""

from __future__ import annotations

import pytest

from nextstep.bot.playbook.calls import OutcomeKind
from nextstep.bot.playbook.loader import load_playbook, parse_playbook
from nextstep.bot.playbook.resolve import PlaybookResolveError, resolve
from nextstep.bot.playbook.resolved import Target, TargetKind
from nextstep.crm_client.models import LossReason
from tests.unit.playbook.playbook_world import (
    DEFAULT_PLAYBOOK,
    DESIGN,
    REASONS,
    STOCK,
    TINY,
    stage_id,
)

DEFAULT = load_playbook(DEFAULT_PLAYBOOK)

STUDIO = """
name: Дизайн-студия
pipelines: [Дизайн]
take_into_work:
  new_stages: [unsorted, {stage: Новая заявка}]
  move_to: {pipeline: Дизайн, stage: Взят в работу}
call_task: {text: Позвонить клиенту, due: 1d}
outcomes:
  reached:
    label: outcome.reached
    task_result: "Итог: {result}"
    move: {stage: Квалификация}
  not_interested:
    label: outcome.not_interested
    task_result: Отказ
no_answer_ladder:
  - {next_task: {due: 2h}}
  - move: lost
    loss_reason: Перестал отвечать
loss_reasons: [Дорого, Купил у конкурентов]
"""


def studio(**replace: str) -> str:
    text = STUDIO
    for old, new in replace.items():
        text = text.replace(old, new)
    return text


def test_default_playbook_on_the_stock_pipeline_by_position() -> None:
    plan = resolve(DEFAULT, [STOCK]).pipelines[STOCK.id]
    assert plan.new_status_ids == {
        stage_id(STOCK, "Неразобранное"),
        stage_id(STOCK, "Первичный контакт"),
    }
    assert plan.take_to == Target.fixed(STOCK.id, stage_id(STOCK, "Переговоры"))
    assert plan.outcome_moves[OutcomeKind.REACHED] == Target(TargetKind.ASK)
    assert plan.outcome_moves[OutcomeKind.NOT_INTERESTED] == Target.fixed(STOCK.id, 143)
    assert plan.ladder_moves == (None, None, Target.fixed(STOCK.id, 143))


@pytest.mark.parametrize(
    ("reasons", "expected"),
    [(REASONS, 502), ((), None)],
    ids=["account has the reason", "fresh account without reasons"],
)
def test_default_ladder_loss_reason_falls_back(
    reasons: tuple[LossReason, ...], expected: int | None
) -> None:
    resolved = resolve(DEFAULT, [STOCK], reasons)
    assert resolved.ladder_loss_reasons == (None, None, expected)
    assert resolved.offered_loss_reasons is None  # `all`


def test_default_playbook_covers_every_fitting_pipeline_and_reports_the_rest() -> None:
    resolved = resolve(DEFAULT, [STOCK, DESIGN, TINY])
    assert set(resolved.pipelines) == {STOCK.id, DESIGN.id}
    assert len(resolved.skipped) == 1
    assert "Партнёры" in resolved.skipped[0]
    assert "second_working" in resolved.skipped[0]


def test_studio_playbook_by_name() -> None:
    resolved = resolve(parse_playbook(STUDIO), [STOCK, DESIGN], REASONS)
    assert set(resolved.pipelines) == {DESIGN.id}
    plan = resolved.pipelines[DESIGN.id]
    assert plan.new_status_ids == {stage_id(DESIGN, "Неразобранное"), 201}
    assert plan.take_to == Target.fixed(DESIGN.id, stage_id(DESIGN, "Взят в работу"))
    reached = plan.outcome_moves[OutcomeKind.REACHED]
    assert reached == Target.fixed(DESIGN.id, stage_id(DESIGN, "Квалификация"))
    assert resolved.offered_loss_reasons == (501, 503)
    assert resolved.ladder_loss_reasons == (None, 502)


def test_names_match_regardless_of_case_and_spaces() -> None:
    text = studio(**{"stage: Взят в работу": "stage: '  взят  в работу '"})
    plan = resolve(parse_playbook(text), [DESIGN], REASONS).pipelines[DESIGN.id]
    assert plan.take_to == Target.fixed(DESIGN.id, stage_id(DESIGN, "Взят в работу"))


@pytest.mark.parametrize(
    ("replace", "names"),
    [
        ({"pipelines: [Дизайн]": "pipelines: [Ремонт]"}, ["'Ремонт'", "'Воронка', 'Дизайн'"]),
        (
            {"stage: Взят в работу": "stage: Взята в работу"},
            ["take_into_work.move_to", "'Взята в работу'", "'Дизайн'", "'Новая заявка'"],
        ),
        (
            {"move_to: {pipeline: Дизайн": "move_to: {pipeline: Ремонт"},
            ["take_into_work.move_to", "no pipeline named 'Ремонт'", "'Дизайн'"],
        ),
        ({"{stage: Квалификация}": "{stage: Замер}"}, ["outcomes.reached.move", "'Замер'"]),
        ({"[Дорого, Купил": "[Дорого, Передумал, Купил"}, ["'Передумал'", "'Дорого'"]),
        (
            {
                "loss_reason: Перестал отвечать": "loss_reason: {names: [Пропал], "
                "if_missing: error}"
            },
            ["'Пропал'", "'Перестал отвечать'"],
        ),
        (
            {"move: {stage: Квалификация}": "move: {position: 9}"},
            ["outcomes.reached.move", "position 9", "'Дизайн' has 7"],
        ),
    ],
    ids=[
        "pipeline",
        "stage",
        "stage's pipeline",
        "outcome stage",
        "offered reason",
        "ladder reason",
        "position",
    ],
)
def test_missing_names_are_named_with_what_exists(
    replace: dict[str, str], names: list[str]
) -> None:
    with pytest.raises(PlaybookResolveError) as caught:
        resolve(parse_playbook(studio(**replace)), [STOCK, DESIGN], REASONS)
    message = str(caught.value)
    for name in names:
        assert name in message


def test_no_fitting_pipeline_is_an_error() -> None:
    with pytest.raises(PlaybookResolveError, match="no pipeline fits"):
        resolve(DEFAULT, [TINY])


def test_main_pipeline_is_the_marked_one() -> None:
    text = "name: x\npipelines: main\ncall_task: {text: a, due: 1d}\noutcomes: {}\n"
    resolved = resolve(parse_playbook(text), [DESIGN, STOCK])
    assert set(resolved.pipelines) == {STOCK.id}
