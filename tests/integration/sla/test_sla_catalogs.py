"""Every SLA message key is translated in both catalogs, with the same placeholders."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from nextstep.bot.config import REPO_ROOT
from nextstep.bot.services.sla.keys import ALL_KEYS


def catalog(lang: str) -> dict[str, str]:
    path = REPO_ROOT / "locales" / lang / "LC_MESSAGES" / "messages.po"
    with Path(path).open("rb") as f:
        return {str(m.id): str(m.string) for m in read_po(f, locale=lang) if m.id}


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_every_sla_key_is_translated(lang: str) -> None:
    messages = catalog(lang)
    assert sorted(k for k in ALL_KEYS if not messages.get(k)) == []


def test_ru_and_en_take_the_same_placeholders() -> None:
    ru, en = catalog("ru"), catalog("en")
    assert [k for k in ALL_KEYS if fields(ru[k]) != fields(en[k])] == []
