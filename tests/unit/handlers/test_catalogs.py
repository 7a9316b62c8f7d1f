"""Every message key the bot renders exists in both catalogs, with the same placeholders."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from nextstep.bot.config import REPO_ROOT
from nextstep.bot.engine.effects import RejectReason
from nextstep.bot.i18n import ENGINE_KEYS

SOURCES = [REPO_ROOT / "nextstep" / "handlers", REPO_ROOT / "nextstep" / "bot" / "services"]
PREFIXES = "card|press|pairing|prompt|button|error|today|lang|invite|calltime|format|role|outcome"
KEY_LITERAL = re.compile(rf"""["']((?:{PREFIXES})(?:\.[a-z_]+)+)["']""")


def used_keys() -> set[str]:
    keys = set(ENGINE_KEYS)
    for folder in SOURCES:
        for path in folder.rglob("*.py"):
            keys |= set(KEY_LITERAL.findall(path.read_text(encoding="utf-8")))
    return keys


def catalog(lang: str) -> dict[str, str]:
    path = REPO_ROOT / "locales" / lang / "LC_MESSAGES" / "messages.po"
    with Path(path).open("rb") as f:
        return {str(m.id): str(m.string) for m in read_po(f, locale=lang) if m.id}


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_the_scan_finds_the_keys() -> None:
    assert {"card.field.client", "press.forbidden", "pairing.welcome"} <= used_keys()
    assert {r.value for r in RejectReason} <= used_keys()


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_every_key_is_translated(lang: str) -> None:
    messages = catalog(lang)
    missing = sorted(k for k in used_keys() if not messages.get(k))
    assert missing == []


def test_ru_and_en_take_the_same_placeholders() -> None:
    ru, en = catalog("ru"), catalog("en")
    differ = [k for k in used_keys() if k in ru and k in en and fields(ru[k]) != fields(en[k])]
    assert differ == []
