"""Reading amoCRM's PHP-style query parameters: `filter[x]`, `filter[x][]`, `filter[x][0]`,
`filter[x][from]`/`[to]`, comma lists, and `filter[statuses][i][pipeline_id|status_id]`."""

from __future__ import annotations

import re
from collections.abc import Mapping

from multidict import MultiMapping

_STATUS_KEY = re.compile(r"^filter\[statuses\]\[(\d+)\]\[(pipeline_id|status_id)\]$")


def values(query: MultiMapping[str], name: str) -> list[str]:
    """Every value given for `name` as `name`, `name[]` or `name[i]`, commas split."""
    out: list[str] = []
    prefix = name + "["
    for key, value in query.items():
        if (
            key == name
            or key == name + "[]"
            or (key.startswith(prefix) and key[len(prefix) : -1].isdigit() and key.endswith("]"))
        ):
            out.extend(part.strip() for part in value.split(",") if part.strip())
    return out


def ints(query: MultiMapping[str], name: str) -> list[int] | None:
    """`values` as ints; None when the parameter is absent (so "no filter")."""
    raw = values(query, name)
    if not raw:
        return None
    return [int(v) for v in raw if v.lstrip("-").isdigit()]


def time_range(
    query: MultiMapping[str], name: str, *, bare_means_after: bool = True
) -> tuple[int | None, int | None]:
    """(from, to) from `name[from]`/`name[to]`; a bare `name=ts` means "after ts" (tasks,
    events) when `bare_means_after`."""
    low = query.get(f"{name}[from]")
    high = query.get(f"{name}[to]")
    bare = query.get(name)
    start = int(low) if low and low.isdigit() else None
    end = int(high) if high and high.isdigit() else None
    if bare_means_after and start is None and bare and bare.isdigit():
        start = int(bare)
    return start, end


def in_range(value: int | None, bounds: tuple[int | None, int | None]) -> bool:
    start, end = bounds
    if start is None and end is None:
        return True
    if value is None:
        return False
    if start is not None and value < start:
        return False
    return end is None or value <= end


def status_pairs(query: MultiMapping[str]) -> list[tuple[int | None, int | None]] | None:
    """`filter[statuses][i][pipeline_id|status_id]` → [(pipeline_id, status_id)]."""
    found: dict[int, dict[str, int]] = {}
    for key, value in query.items():
        match = _STATUS_KEY.match(key)
        if match and value.isdigit():
            found.setdefault(int(match.group(1)), {})[match.group(2)] = int(value)
    if not found:
        return None
    return [(d.get("pipeline_id"), d.get("status_id")) for _, d in sorted(found.items())]


def order(query: Mapping[str, str], allowed: tuple[str, ...]) -> tuple[str, bool] | None:
    """(field, descending) from `order[field]=asc|desc`, the first allowed one given."""
    for field in allowed:
        direction = query.get(f"order[{field}]")
        if direction is not None:
            return field, direction.lower() == "desc"
    return None


def withs(query: MultiMapping[str]) -> set[str]:
    return {part.strip() for value in query.getall("with", []) for part in value.split(",")}
