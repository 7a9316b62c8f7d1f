"""Map a validation error's location (`outcomes.reached.move`) back to a line of the YAML file.

The file is composed into PyYAML's node tree (which keeps line marks); a pydantic error location
is walked down that tree. Parts the file did not write (a shorthand expanded by a validator, such
as `names` in `loss_reasons: [..]`) are skipped.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from yaml import MappingNode, Node, ScalarNode, SequenceNode


@dataclass(frozen=True)
class Place:
    line: int  # 1-based
    path: str  # dotted key path as the file wrote it


def _child(node: Node, part: int | str) -> tuple[Node, Node] | None:
    """(node that marks the line, node to descend into) for `part`, or None."""
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if isinstance(key, ScalarNode) and key.value == str(part):
                return key, value
    if isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        item = node.value[part]
        return item, item
    return None


def locate(root: Node | None, loc: Sequence[int | str]) -> Place:
    if root is None:
        return Place(1, ".".join(map(str, loc)))
    node, line, path = root, root.start_mark.line + 1, []
    for i, part in enumerate(loc):
        found = _child(node, part)
        if found is None:
            # A missing required key is named though the file has no line for it.
            if i == len(loc) - 1 and isinstance(node, MappingNode) and isinstance(part, str):
                path.append(part)
            continue
        mark, node = found
        line = mark.start_mark.line + 1
        path.append(str(part))
    return Place(line, ".".join(path))


def duplicate_keys(root: Node | None) -> Iterator[tuple[Place, str]]:
    """Keys written twice in one mapping (PyYAML silently keeps the last)."""
    yield from _duplicates(root, [])


def _duplicates(node: Node | None, path: list[str]) -> Iterator[tuple[Place, str]]:
    if isinstance(node, MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            name = str(key.value)
            line = key.start_mark.line + 1
            if name in seen:
                where = Place(line, ".".join([*path, name]))
                yield where, f"duplicate key (first written at line {seen[name]})"
            else:
                seen[name] = line
            yield from _duplicates(value, [*path, name])
    elif isinstance(node, SequenceNode):
        for i, item in enumerate(node.value):
            yield from _duplicates(item, [*path, str(i)])
