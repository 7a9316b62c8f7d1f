"""Reading method parameters the way the Bot API does: query string, form, multipart or JSON.

aiogram posts ``application/x-www-form-urlencoded`` (multipart when a file is attached) with every
non-string value JSON-encoded (``chat_id=7``, ``reply_markup={"inline_keyboard": ...}``), and
uploads files as ``attach://<key>`` pointing at another multipart field. Other clients send JSON
bodies or query strings; all are accepted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .errors import bad_request


@dataclass(frozen=True)
class Upload:
    """A file sent in a multipart request."""

    filename: str
    content: bytes
    content_type: str


class Params:
    """Typed access to one call's parameters, raising the API's own 400 texts on bad values."""

    def __init__(
        self, values: Mapping[str, Any], files: Mapping[str, Upload] | None = None
    ) -> None:
        self.values = dict(values)
        self.files = dict(files or {})

    def raw(self, name: str) -> Any:
        return self.values.get(name)

    def get_str(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None:
            return None
        if isinstance(value, str):
            return value
        if isinstance(value, bool | int | float):
            return json.dumps(value)
        raise bad_request(f'field "{name}" must be of type String')

    def get_int(self, name: str) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                pass
        raise bad_request(f'field "{name}" must be of type Integer')

    def get_bool(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return value != 0
        if isinstance(value, str):
            return value.strip().lower() in {"true", "1", "yes", "on"}
        raise bad_request(f'field "{name}" must be of type Boolean')

    def get_json(self, name: str) -> Any:
        """A structured value, JSON-decoded when it came as a string (form or query)."""
        value = self.values.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError as exc:
                raise bad_request(f"can't parse {name} JSON object") from exc
        return value

    def get_input_file(self, name: str) -> Upload | str | None:
        """A file field: an upload (direct or ``attach://key``), or a file_id / URL string."""
        if name in self.files:
            return self.files[name]
        value = self.get_str(name)
        if value is None:
            return None
        if value.startswith("attach://"):
            key = value.removeprefix("attach://")
            upload = self.files.get(key)
            if upload is None:
                raise bad_request(f'file "{key}" is not attached')
            return upload
        return value

    def loggable(self) -> dict[str, Any]:
        """The values with uploads summarised, for the call log."""
        logged: dict[str, Any] = dict(self.values)
        for key, upload in self.files.items():
            logged[key] = f"<upload {upload.filename!r} {len(upload.content)} bytes>"
        return logged


async def read_params(request: web.Request) -> Params:
    values: dict[str, Any] = dict(request.query)
    files: dict[str, Upload] = {}
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError as exc:
                raise bad_request("can't parse JSON body") from exc
            if not isinstance(body, dict):
                raise bad_request("JSON body must be an object")
            values.update(body)
        elif request.content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = Upload(
                        filename=value.filename,
                        content=value.file.read(),
                        content_type=value.content_type,
                    )
                else:
                    values[key] = value
    return Params(values, files)
