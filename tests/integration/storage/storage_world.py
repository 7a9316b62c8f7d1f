"""Fixed clock for the storage tests (the code under test never reads the real one)."""

from __future__ import annotations

from datetime import UTC, datetime

NOW = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)
