"""Nextstep: a Telegram operations assistant for sales teams on amoCRM / Kommo."""
