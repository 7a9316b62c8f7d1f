"""Decoding PHP-style bracket form bodies (`a[b][0][c]=1`) into nested dicts.

amoCRM webhooks are `application/x-www-form-urlencoded` with PHP bracket keys. The result keeps
every value a string and every level a dict (list indexes stay string keys: "0", "1"), since the
caller decides what is a list. Sizes are capped: this parses bodies from the internet.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

MAX_BODY_BYTES = 1_000_000
MAX_FIELDS = 5_000
MAX_DEPTH = 8

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_PART = re.compile(r"\[([^\[\]]*)\]")

Form = dict[str, Any]


class PhpFormError(ValueError):
    """The body is not a PHP-style form; the message says why."""


def parse_php_form(
    body: str,
    *,
    max_fields: int = MAX_FIELDS,
    max_depth: int = MAX_DEPTH,
    max_length: int = MAX_BODY_BYTES,
) -> Form:
    if len(body) > max_length:
        raise PhpFormError(f"body too large ({len(body)} characters, at most {max_length})")
    body = body.strip()
    if not body:
        raise PhpFormError("empty body")
    if body[0] in "{[" or "=" not in body:
        raise PhpFormError("not a form-encoded body (expected key=value pairs joined by '&')")
    try:
        pairs = parse_qsl(
            body,
            keep_blank_values=True,
            strict_parsing=True,
            max_num_fields=max_fields,
            errors="strict",
        )
    except UnicodeDecodeError as exc:
        raise PhpFormError("a value is not valid percent-encoded UTF-8") from exc
    except ValueError as exc:
        if "Max number of fields" in str(exc):
            raise PhpFormError(f"too many fields (at most {max_fields})") from exc
        raise PhpFormError(f"not a form-encoded body ({exc})") from exc
    root: Form = {}
    for key, value in pairs:
        _insert(root, _split_key(key, max_depth), value)
    return root


def _split_key(key: str, max_depth: int) -> list[str]:
    match = _KEY.match(key)
    if not match:
        raise PhpFormError(f"malformed field name {key[:80]!r}")
    parts = [match.group(1), *_PART.findall(match.group(2))]
    if len(parts) > max_depth:
        raise PhpFormError(f"field {key[:80]!r} is nested too deep (at most {max_depth} levels)")
    return parts


def _insert(node: Form, parts: list[str], value: str) -> None:
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part == "":  # `a[]`: append at the next free numeric index
            part = str(sum(1 for k in node if k.isdigit()))
        if last:
            if isinstance(node.get(part), dict):
                raise PhpFormError(f"field {'.'.join(parts)!r} is both a value and a group")
            node[part] = value
            return
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise PhpFormError(f"field {'.'.join(parts)!r} is both a value and a group")
        node = child
