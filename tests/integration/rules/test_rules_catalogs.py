"""Every text the rules' runtime renders exists in both catalogs with the same placeholders."""

from __future__ import annotations

import pytest

from nextstep.bot.engine.rules.effects import RuleRejectReason, TellKind
from nextstep.bot.services.rules.keys import RULE_KEYS
from tests.unit.handlers.test_catalogs import catalog, fields

KEYS = (
    set(RULE_KEYS)
    | {k.value for k in TellKind}
    | {r.value for r in RuleRejectReason}
    | {"rules.handoff.sent_note", "rules.handoff.question_note", "rules.handoff.answer_note"}
)


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_every_rules_key_is_translated(lang: str) -> None:
    messages = catalog(lang)
    assert sorted(k for k in KEYS if not messages.get(k)) == []


def test_ru_and_en_take_the_same_placeholders() -> None:
    ru, en = catalog("ru"), catalog("en")
    assert [k for k in sorted(KEYS) if fields(ru[k]) != fields(en[k])] == []
