"""Uploaded photos: identifiers in Telegram's style and dimensions read from the image header."""

from __future__ import annotations

import secrets
import struct

from .errors import bad_request
from .params import Upload
from .state import EmulatorState, Photo

_DEFAULT_SIZE = (1280, 720)


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, GIF or JPEG, or None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                return None
            marker = data[i + 1]
            length = int.from_bytes(data[i + 2 : i + 4], "big")
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return int(width), int(height)
            i += 2 + length
    return None


def store_photo(state: EmulatorState, source: Upload | str) -> Photo:
    """Register an upload (or reuse a known file_id; accept a URL unseen) as a photo."""
    if isinstance(source, str):
        known = state.files.get(source)
        if known is not None:
            return known
        if not source.startswith(("http://", "https://")):
            raise bad_request("wrong file identifier/HTTP URL specified")
        width, height = _DEFAULT_SIZE
        photo = Photo(_file_id(), _unique_id(), 0, width, height, filename=source)
    else:
        if not source.content:
            raise bad_request("file must be non-empty")
        width, height = image_size(source.content) or _DEFAULT_SIZE
        photo = Photo(
            _file_id(),
            _unique_id(),
            len(source.content),
            width,
            height,
            filename=source.filename,
        )
    state.files[photo.file_id] = photo
    return photo


def _file_id() -> str:
    return "AgACAgIAAxkDAAI" + secrets.token_urlsafe(24)


def _unique_id() -> str:
    return "AQAD" + secrets.token_urlsafe(9)
