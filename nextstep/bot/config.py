"""Settings: one typed object built once at start (environment or `.env`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    bot_token: SecretStr = SecretStr("")
    telegram_api_url: str = "https://api.telegram.org"
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    # The bot's @username for invite links; when empty, `staff invite` asks getMe.
    telegram_bot_username: str = ""

    database_url: str = "sqlite+aiosqlite:///nextstep.db"
    redis_url: str | None = None

    crm_kind: str = "amocrm"
    amocrm_base_url: str = ""
    amocrm_long_lived_token: SecretStr | None = None
    amocrm_client_id: str | None = None
    amocrm_client_secret: SecretStr | None = None
    amocrm_redirect_uri: str | None = None
    amocrm_auth_code: SecretStr | None = None
    crm_rate_limit: float = Field(7.0, gt=0)

    webhook_secret: SecretStr = SecretStr("")
    http_host: str = "127.0.0.1"
    http_port: int = 8080

    playbook_path: Path = REPO_ROOT / "playbooks" / "default.yaml"
    locales_path: Path = REPO_ROOT / "locales"
    default_locale: str = "ru"
    timezone: str = "Europe/Moscow"

    sync_interval_seconds: int = 300
    sweep_interval_seconds: int = 30
    telegram_global_rate: float = 25.0
    telegram_chat_interval: float = 1.0
