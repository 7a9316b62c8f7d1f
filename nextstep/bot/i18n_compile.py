"""Compile locales/*/LC_MESSAGES/*.po into .mo: aiogram's I18n refuses a .po without its .mo."""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from nextstep.bot.config import REPO_ROOT


def compile_catalogs(locales: Path) -> list[Path]:
    """Write a fresh .mo next to every .po that is newer than it; return what was written."""
    written: list[Path] = []
    for po_path in sorted(locales.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parts[-3])
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        written.append(mo_path)
    return written


def main() -> int:
    for path in compile_catalogs(REPO_ROOT / "locales"):
        print(f"compiled {path.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
