"""The training center's chain (story 004), played deal by deal: what each win creates."""

from __future__ import annotations

from dataclasses import replace
from itertools import count

import pytest

from nextstep.bot.engine.rules.effects import CreateLinkedDeal, Remember, ResponsibleChoice
from nextstep.bot.engine.rules.events import StageChanged
from nextstep.bot.engine.rules.facts import DealFacts, RuleState
from nextstep.bot.engine.rules.linked import Budget, budget_of
from nextstep.bot.engine.state import DealView
from nextstep.bot.playbook.sections.linked import BudgetSplit, NewDealSpec
from nextstep.bot.playbook.sections.rule_common import ResponsibleKind
from nextstep.crm_client.models import WON_STATUS_ID
from tests.unit.playbooks.businesses import TRAINING_CENTER as TC
from tests.unit.rules.rules_world import MANAGER, NOW, facts, run

RP = TC.resolved()
NAMES = {p.id: p.name for p in TC.pipelines}
IDS = count(1000)
CLIENT_FIELDS = {
    "ИНН": "7701234567",
    "Программа обучения": "Охрана труда, 40 ч",
    "Количество слушателей": 12,
    "Номер договора": "УЦ-118",
}


def sale(payment: str) -> DealFacts:
    return facts(
        TC,
        "Продажи",
        "Договор",
        fields={"Тип оплаты": payment, **CLIENT_FIELDS},
        price=240_000,
        name="ООО Ромашка",
    )


def win(deal: DealFacts) -> list[CreateLinkedDeal]:
    """Win the deal; return the deals the playbook creates."""
    won = replace(deal, view=replace(deal.view, status_id=WON_STATUS_ID))
    decision = run(StageChanged(deal.view.pipeline_id, deal.view.status_id), won, RP)
    created = decision.of(CreateLinkedDeal)
    assert decision.of(Remember) == [Remember(f"linked:{c.rule}") for c in created]
    return created


def born(effect: CreateLinkedDeal) -> DealFacts:
    """The created deal as the CRM would hold it (what the executor writes)."""
    return DealFacts(
        view=DealView(
            id=next(IDS),
            pipeline_id=effect.pipeline_id,
            status_id=effect.status_id,
            responsible_user_id=effect.responsible.user_id or 40,
            name=f"{effect.name.template}",
            price=effect.price or 0.0,
        ),
        fields=dict(effect.fields),
        contact_ids=effect.contact_ids,
    )


def where(created: list[CreateLinkedDeal]) -> list[tuple[str, object]]:
    return [(NAMES[c.pipeline_id], dict(c.fields).get("Вид платежа")) for c in created]


def test_prepayment_money_then_training_then_a_repeat_sale() -> None:
    first = win(sale("Предоплата"))
    assert where(first) == [("Деньги", "Полная оплата")]
    (money,) = first
    assert money.status_id == TC.stage("Деньги", "Ожидаем оплату")
    assert money.responsible == ResponsibleChoice(ResponsibleKind.ROLE, role="accountant")
    assert money.price == 240_000
    second = win(born(money))
    assert where(second) == [("Обучение", None)]
    (training,) = second
    assert training.price is None  # the training department sees no sums
    assert dict(training.fields)["Программа обучения"] == "Охрана труда, 40 ч"
    third = win(born(training))
    assert where(third) == [("Повторные продажи", None)]
    assert win(born(third[0])) == []


def test_postpayment_money_and_training_at_once() -> None:
    created = win(sale("Постоплата"))
    assert sorted(where(created)) == [("Деньги", "Полная оплата"), ("Обучение", None)]
    money = next(c for c in created if NAMES[c.pipeline_id] == "Деньги")
    training = next(c for c in created if NAMES[c.pipeline_id] == "Обучение")
    assert win(born(money)) == []  # training is already running
    assert where(win(born(training))) == [("Повторные продажи", None)]


def test_advance_money_first_then_the_rest_and_training() -> None:
    (advance,) = win(sale("Аванс"))
    assert where([advance]) == [("Деньги", "Аванс")]
    after = win(born(advance))
    assert sorted(where(after)) == [("Деньги", "Остаток"), ("Обучение", None)]
    rest = next(c for c in after if NAMES[c.pipeline_id] == "Деньги")
    assert rest.responsible == ResponsibleChoice.same(40)  # the same accountant
    assert win(born(rest)) == []


@pytest.mark.parametrize("payment", ["Предоплата", "Постоплата", "Аванс"])
def test_fields_travel_intact(payment: str) -> None:
    for created in win(sale(payment)):
        copied = dict(created.fields)
        assert {k: copied[k] for k in CLIENT_FIELDS} == CLIENT_FIELDS
        assert copied["Тип оплаты"] == payment
        assert created.contact_ids == (900,)
        assert created.key.endswith(":55")


def test_a_deal_creates_its_linked_deals_once() -> None:
    deal = sale("Предоплата")
    again = replace(deal, state=RuleState(done=frozenset({"linked:prepay_money"})))
    assert win(again) == []


def test_no_payment_type_no_chain_and_losing_creates_nothing() -> None:
    assert win(sale("")) == []
    lost = replace(sale("Предоплата"), view=replace(sale("Предоплата").view, status_id=143))
    decision = run(StageChanged(lost.view.pipeline_id, TC.stage("Продажи", "Договор")), lost, RP)
    assert decision.of(CreateLinkedDeal) == []


def test_the_first_task_goes_with_the_new_deal() -> None:
    (money,) = win(sale("Предоплата"))
    assert money.task is not None
    assert money.task.text.template == "Выставить счёт и проконтролировать оплату: {deal}"
    assert money.task.due > NOW
    assert MANAGER not in (money.responsible.user_id,)


def named(effect: CreateLinkedDeal) -> DealFacts:
    """`born`, with the name the executor renders."""
    deal = born(effect)
    name = (effect.name.template or "").format(**effect.name.params_dict())
    return replace(deal, view=replace(deal.view, name=name))


def test_down_the_chain_deals_and_tasks_keep_the_clients_name() -> None:
    (money,) = win(sale("Предоплата"))
    (training,) = win(named(money))
    assert training.name.params_dict()["deal"] == "ООО Ромашка"  # not "Оплата: ООО Ромашка"
    (repeat,) = win(named(training))
    assert repeat.name.params_dict()["deal"] == "ООО Ромашка"
    assert repeat.task is not None
    assert repeat.task.text.params_dict()["deal"] == "ООО Ромашка"
    (advance,) = win(sale("Аванс"))
    rest = [c for c in win(named(advance)) if NAMES[c.pipeline_id] == "Деньги"]
    assert [c.name.params_dict()["deal"] for c in rest] == ["ООО Ромашка"]


def advance_sale(**more: object) -> DealFacts:
    return facts(
        TC,
        "Продажи",
        "Договор",
        fields={"Тип оплаты": "Аванс", **CLIENT_FIELDS, **more},
        price=240_000,
        name="ООО Ромашка",
    )


def test_the_advance_and_the_rest_split_the_contracts_budget() -> None:
    (advance,) = win(advance_sale(**{"Сумма аванса": 90_000}))
    assert advance.price == 90_000
    assert advance.budget_fallback == ()
    carried = dict(advance.fields)
    assert (carried["Сумма аванса"], carried["Сумма договора"]) == (90_000, 240_000)
    after = win(born(advance))
    rest = next(c for c in after if NAMES[c.pipeline_id] == "Деньги")
    training = next(c for c in after if NAMES[c.pipeline_id] == "Обучение")
    assert rest.price == 150_000  # the contract minus the advance
    assert training.price is None
    assert "Сумма договора" not in dict(training.fields)  # no sums in Training


def test_an_empty_advance_falls_back_to_the_full_budget_and_names_the_field() -> None:
    (advance,) = win(advance_sale())
    assert advance.price == 240_000
    assert advance.budget_fallback == ("Сумма аванса",)


def spec(**budget: object) -> BudgetSplit:
    return NewDealSpec.model_validate({"pipeline": "Деньги", "budget": budget}).budget


def money(values: dict[str, object] | None = None, price: float = 100_000) -> DealFacts:
    return facts(TC, "Деньги", "Ожидаем оплату", fields=values or {}, price=price)


@pytest.mark.parametrize(
    ("budget", "values", "expected"),
    [
        ({"field": "Аванс"}, {"Аванс": 30_000}, Budget(30_000)),
        ({"field": "Аванс"}, {"аванс ": "30 000 ₽"}, Budget(30_000)),  # as the CRM spells it
        ({"minus_field": "Аванс"}, {"Аванс": 30_000}, Budget(70_000)),
        ({"minus_field": "Аванс"}, {"Аванс": 130_000}, Budget(0)),  # never below 0
        ({"field": "Договор", "minus_field": "Аванс"}, {"Договор": 50, "Аванс": 20}, Budget(30)),
        ({"field": "Аванс"}, {"Аванс": ""}, Budget(100_000, ("Аванс",))),
        ({"minus_field": "Аванс"}, {"Аванс": "много"}, Budget(100_000, ("Аванс",))),
        ({"field": "Договор", "minus_field": "Аванс"}, {}, Budget(100_000, ("Договор", "Аванс"))),
    ],
)
def test_a_budget_split_is_computed_from_the_source_fields(
    budget: dict[str, object], values: dict[str, object], expected: Budget
) -> None:
    assert budget_of(spec(**budget), money(values)) == expected


def test_true_and_false_still_copy_or_drop_the_budget() -> None:
    deal = money(price=55_000)
    assert budget_of(NewDealSpec(pipeline="X").budget, deal) == Budget(55_000)
    no = NewDealSpec.model_validate({"pipeline": "X", "budget": False}).budget
    assert budget_of(no, deal) == Budget(None)
