"""Every shipped customer playbook loads, passes `playbook check`, has a README and resolves
against pipelines shaped like its business; names the CRM lacks are reported plainly."""

from __future__ import annotations

from pathlib import Path

import pytest

from nextstep.bot.cli import main
from nextstep.bot.playbook.loader import PlaybookError, load_playbook, parse_playbook
from nextstep.bot.playbook.resolve import PlaybookResolveError, resolve
from nextstep.bot.playbook.resolved import StagePlace, Target, TargetKind
from tests.unit.playbooks.businesses import (
    ALL,
    COURSES_KOMMO,
    DESIGN_STUDIO,
    PLAYBOOKS,
    QUEST_ROOMS,
    TRAINING_CENTER,
    Business,
)


@pytest.mark.parametrize("biz", ALL, ids=lambda b: b.playbook)
def test_shipped_playbook_checks_and_resolves(
    biz: Business, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["playbook", "check", str(biz.path)]) == 0
    assert capsys.readouterr().out.startswith("OK: ")
    rp = biz.resolved()
    assert rp.rules is not None
    assert not rp.rules.empty
    assert rp.skipped == ()


@pytest.mark.parametrize("biz", ALL, ids=lambda b: b.playbook)
def test_each_playbook_has_a_readme_naming_its_story(biz: Business) -> None:
    readme = (PLAYBOOKS / f"{biz.playbook}.md").read_text(encoding="utf-8")
    assert load_playbook(biz.path).name in readme
    assert biz.playbook in (PLAYBOOKS / "README.md").read_text(encoding="utf-8")


def test_design_studio_estimator_hand_off_is_bound_to_its_stage() -> None:
    rules = DESIGN_STUDIO.resolved().rules
    assert rules is not None
    design = DESIGN_STUDIO.pipe("Дизайн").id
    estimate = rules.handoff("estimate_design")
    assert estimate is not None
    assert estimate.stages == {
        StagePlace(design, DESIGN_STUDIO.stage("Дизайн", "Дизайн-проект готов"))
    }
    assert estimate.ready_moves[design] == Target.fixed(
        design, DESIGN_STUDIO.stage("Дизайн", "Смета")
    )
    renovation = rules.handoff("estimate_renovation")
    assert renovation is not None
    assert renovation.stages == frozenset()
    assert len(renovation.pipeline_ids) == 3


def test_training_center_chain_is_bound_across_the_four_pipelines() -> None:
    rules = TRAINING_CENTER.resolved().rules
    assert rules is not None
    pairs = {r.rule.name: (r.trigger.pipeline_id, r.create_at.pipeline_id) for r in rules.linked}
    ids = {p.name: p.id for p in TRAINING_CENTER.pipelines}
    assert pairs["prepay_money"] == (ids["Продажи"], ids["Деньги"])
    assert pairs["prepay_training"] == (ids["Деньги"], ids["Обучение"])
    assert pairs["repeat_sale"] == (ids["Обучение"], ids["Повторные продажи"])
    assert all(r.trigger.status_id == 142 for r in rules.linked)


def test_courses_recycling_binds_reasons_and_targets() -> None:
    rules = COURSES_KOMMO.resolved().rules
    assert rules is not None
    short, long = rules.recycling
    sales = COURSES_KOMMO.pipe("Sales").id
    assert short.reason_ids == {
        COURSES_KOMMO.reason("Not now"),
        COURSES_KOMMO.reason("Need to think"),
    }
    assert short.targets[sales] == StagePlace(sales, COURSES_KOMMO.stage("Sales", "New lead"))
    react = COURSES_KOMMO.pipe("Reactivation")
    assert long.targets[sales] == StagePlace(react.id, COURSES_KOMMO.stage("Reactivation", "New"))


def test_a_missing_hand_off_stage_names_what_the_pipeline_has() -> None:
    stages = tuple(
        s for s in DESIGN_STUDIO.pipe("Дизайн").stages if s.name != "Дизайн-проект готов"
    )
    broken = (
        DESIGN_STUDIO.pipe("Дизайн").model_copy(update={"stages": stages}),
        *DESIGN_STUDIO.pipelines[1:],
    )
    with pytest.raises(PlaybookResolveError) as caught:
        resolve(load_playbook(DESIGN_STUDIO.path), broken, DESIGN_STUDIO.reasons)
    (problem,) = [p for p in caught.value.problems if "handoffs" in p]
    assert problem.startswith(
        "handoffs.estimate_design.when.stage: no stage named 'Дизайн-проект готов'"
    )
    assert "'Встреча/замер'" in problem


def test_a_missing_pipeline_or_loss_reason_is_named_with_what_exists() -> None:
    pipelines = tuple(p for p in TRAINING_CENTER.pipelines if p.name != "Обучение")
    with pytest.raises(PlaybookResolveError) as caught:
        resolve(load_playbook(TRAINING_CENTER.path), pipelines, TRAINING_CENTER.reasons)
    assert (
        "linked_deals.prepay_training: no pipeline named 'Обучение'; the CRM has: "
        "'Продажи', 'Деньги', 'Повторные продажи'"
    ) in caught.value.problems
    reasons = tuple(r for r in COURSES_KOMMO.reasons if r.name != "Need to think")
    with pytest.raises(PlaybookResolveError) as caught:
        resolve(load_playbook(COURSES_KOMMO.path), COURSES_KOMMO.pipelines, reasons)
    (problem,) = caught.value.problems
    assert problem.startswith("recycling.short_term.reasons: no loss reason named 'Need to think'")


def test_a_hand_off_stage_without_pipeline_is_looked_up_in_every_pipeline() -> None:
    text = QUEST_ROOMS.path.read_text(encoding="utf-8").replace("Бронь получена}", "Нет такого}")
    with pytest.raises(PlaybookResolveError) as caught:
        resolve(parse_playbook(text), QUEST_ROOMS.pipelines, QUEST_ROOMS.reasons)
    assert "no stage named 'Нет такого' in pipeline 'Бронирования'" in caught.value.problems[0]


@pytest.mark.parametrize(
    ("snippet", "message"),
    [
        (
            "date_rules:\n  - {name: x, date: {field: D}, offsets: [3 days], task: {due: 1h}}\n",
            "expected an offset like -3d",
        ),
        (
            "date_rules:\n  - {name: x, date: {field: D}, offsets: [1d], notify: none}\n",
            "does nothing",
        ),
        (
            "handoffs:\n  - {name: a, title: T, when: {stage: next}, to: estimator}\n",
            "name the stage",
        ),
        (
            "recycling:\n  - {name: r, reasons: [X], action: reassign, pipeline: Other}\n",
            "`reassign` reopens the deal",
        ),
        (
            "linked_deals:\n  - {name: l, from: A, when: won, "
            "create: {pipeline: B, stage: won}}\n",
            "a new deal starts on a working stage",
        ),
        ("nps: {promoter_from: 11}\n", "less than or equal to 10"),
        (
            "linked_deals:\n  - {name: l, from: A, when: won, "
            "create: {pipeline: B, budget: {field: budget}}}\n",
            "budget.field: 'budget' is a built-in; name a numeric custom field",
        ),
        (
            "linked_deals:\n  - {name: l, from: A, when: won, "
            "create: {pipeline: B, budget: {field: X, minus_field: X}}}\n",
            "name the same field",
        ),
        (
            "linked_deals:\n  - {name: l, from: A, when: won, "
            "create: {pipeline: B, copy_budget_to: budget}}\n",
            "copy_budget_to: name a numeric custom field",
        ),
    ],
)
def test_rule_sections_explain_mistakes(snippet: str, message: str) -> None:
    base = DESIGN_STUDIO.path.read_text(encoding="utf-8").split("# Передача сметчику")[0]
    with pytest.raises(PlaybookError) as caught:
        parse_playbook(base + snippet)
    assert message in str(caught.value)


def test_targets_resolve_next_for_the_quest_ready_step() -> None:
    rules = QUEST_ROOMS.resolved().rules
    assert rules is not None
    bound = rules.handoff("location_admin")
    assert bound is not None
    pid = QUEST_ROOMS.pipe("Бронирования").id
    assert bound.ready_moves[pid] == Target(
        TargetKind.FIXED,
        StagePlace(pid, QUEST_ROOMS.stage("Бронирования", "Игра подтверждена")),
    )


def test_a_mistyped_budget_split_is_located_with_the_keys_it_takes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = TRAINING_CENTER.path.read_text(encoding="utf-8")
    broken = text.replace('budget: {field: "Сумма аванса"}', 'budget: {fieldd: "Сумма аванса"}')
    assert broken != text
    path = tmp_path / "training.yaml"
    path.write_text(broken, encoding="utf-8")
    line = broken.splitlines().index(next(x for x in broken.splitlines() if "fieldd" in x)) + 1
    assert main(["playbook", "check", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"training.yaml:{line}: linked_deals" in err
    assert "create.budget.fieldd: unknown key; known keys here: enabled, field, minus_field" in err
