"""The keys a playbook section accepts, for "unknown key" messages (typos are the usual cause)."""

from __future__ import annotations

import types
from collections.abc import Sequence
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """Model classes reachable from an annotation (through Optional, tuple, list, Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = get_origin(annotation)
    if origin is None:
        return []
    if origin in (Union, types.UnionType, tuple, list) or get_args(annotation):
        return [m for arg in get_args(annotation) for m in _models_in(arg)]
    return []


def known_keys(loc: Sequence[int | str], root: type[BaseModel] | None = None) -> list[str]:
    """Field names of the model found at `loc`, or [] when it cannot be told."""
    if root is None:
        from nextstep.bot.playbook.model import Playbook

        root = Playbook
    model: type[BaseModel] | None = root
    for part in loc:
        if model is None:
            return []
        if isinstance(part, int) or part not in model.model_fields:
            continue  # a list index, or a validator's own location step
        found = _models_in(model.model_fields[part].annotation)
        model = found[0] if found else None
    return list(model.model_fields) if model else []
