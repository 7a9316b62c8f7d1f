"""amoCRM's 400 answer: `validation-errors` grouped by the request item they belong to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldError:
    request_id: str
    code: str
    path: str
    detail: str


class ValidationFailed(Exception):
    """Raised by a write with bad input; nothing of the request has been applied."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.path}: {e.detail}" for e in errors))
        self.errors = errors

    def body(self) -> dict[str, Any]:
        grouped: dict[str, list[dict[str, str]]] = {}
        for error in self.errors:
            grouped.setdefault(error.request_id, []).append(
                {"code": error.code, "path": error.path, "detail": error.detail}
            )
        return {
            "validation-errors": [
                {"request_id": request_id, "errors": errors}
                for request_id, errors in grouped.items()
            ],
            "title": "Bad Request",
            "type": "https://httpstatus.es/400",
            "status": 400,
            "detail": "Request validation failed",
        }


class Collector:
    """Gathers the errors of one request item, so every problem is reported at once."""

    def __init__(self, request_id: str) -> None:
        self.request_id = request_id
        self.errors: list[FieldError] = []

    def add(self, code: str, path: str, detail: str) -> None:
        self.errors.append(FieldError(self.request_id, code, path, detail))


def raise_if_any(collectors: list[Collector]) -> None:
    errors = [e for c in collectors for e in c.errors]
    if errors:
        raise ValidationFailed(errors)


def as_int(value: Any) -> int | None:
    """An int from JSON (int, integral float, digit string); None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None
