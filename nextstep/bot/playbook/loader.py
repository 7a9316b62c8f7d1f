"""Read a playbook file: YAML → validated `Playbook`, or one error listing every problem.

Each problem reads `FILE:LINE: key.path: message`, so a head of sales can fix the file without
reading a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from nextstep.bot.playbook.locate import Place, duplicate_keys, locate
from nextstep.bot.playbook.model import Playbook
from nextstep.bot.playbook.suggest import known_keys


@dataclass(frozen=True)
class Problem:
    source: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{self.source}:{self.line}: {where}{self.message}"


class PlaybookError(Exception):
    """The playbook file is not valid; `problems` holds each located problem."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(map(str, problems)))


def load_playbook(path: str | Path) -> Playbook:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PlaybookError([Problem(str(path), 1, "", f"cannot read the file: {exc}")]) from exc
    return parse_playbook(text, source=str(path))


def parse_playbook(text: str, source: str = "<playbook>") -> Playbook:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        raise PlaybookError([_syntax_problem(source, exc)]) from exc
    except yaml.YAMLError as exc:
        raise PlaybookError([Problem(source, 1, "", f"YAML: {exc}")]) from exc
    problems = [Problem(source, p.line, p.path, msg) for p, msg in duplicate_keys(root)]
    if not isinstance(data, dict):
        problems.append(Problem(source, 1, "", "expected a mapping of sections (name: ..., ...)"))
        raise PlaybookError(problems)
    try:
        playbook = Playbook.model_validate(data)
    except ValidationError as exc:
        problems += [_problem(source, root, err) for err in exc.errors()]
    if problems:
        raise PlaybookError(sorted(problems, key=lambda p: p.line))
    return playbook


def _syntax_problem(source: str, exc: yaml.MarkedYAMLError) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    what = exc.problem or "cannot parse"
    context = exc.context_mark
    if exc.context and context is not None and context.line + 1 != line:
        what += f" ({exc.context} opened at line {context.line + 1})"
    elif exc.context:
        what += f" ({exc.context})"
    return Problem(source, line, "", f"YAML syntax error at column {column}: {what}")


def _problem(source: str, root: Any, err: ErrorDetails) -> Problem:
    place: Place = locate(root, err["loc"])
    return Problem(source, place.line, place.path, _message(err))


def _message(err: ErrorDetails) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        known = known_keys(err["loc"][:-1])
        return f"unknown key; known keys here: {', '.join(known)}" if known else "unknown key"
    if kind == "missing":
        return "required key is missing"
    if kind in ("model_type", "dict_type"):
        return f"expected a mapping (key: value), got {err['input']!r}"
    return err["msg"].removeprefix("Value error, ")
