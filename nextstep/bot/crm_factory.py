"""Builds the CRM client from Settings: the one place that knows which credentials mean what.

A long-lived token is the simple case (one admin-made token, no refresh). OAuth needs a durable
TokenStore, because amoCRM rotates the refresh token on every refresh; without one the client
keeps the pair in memory (fine for a one-off command, wrong for `nextstep run`).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import SecretStr

from nextstep.bot.config import Settings
from nextstep.crm_client.amocrm import AmoCrmClient, OAuthConfig
from nextstep.crm_client.tokens import TokenStore


class CrmConfigError(ValueError):
    """The settings do not describe a usable CRM connection; the message says what to set."""


def oauth_config(settings: Settings) -> OAuthConfig | None:
    """The OAuth integration credentials, or None when they are not (fully) set."""
    if (
        settings.amocrm_client_id
        and settings.amocrm_client_secret
        and settings.amocrm_redirect_uri
    ):
        return OAuthConfig(
            client_id=settings.amocrm_client_id,
            client_secret=settings.amocrm_client_secret,
            redirect_uri=settings.amocrm_redirect_uri,
        )
    return None


def account_key(settings: Settings) -> str:
    """The name tokens are stored under: the account's host (`example.amocrm.ru`)."""
    return urlsplit(settings.amocrm_base_url).netloc or "default"


def account_subdomain(base_url: str) -> str | None:
    """`example` for https://example.amocrm.ru / .amocrm.com / .kommo.com; None otherwise (the
    sandbox on 127.0.0.1 has no subdomain to check webhooks against)."""
    host = (urlsplit(base_url).hostname or "").lower()
    for suffix in (".amocrm.ru", ".amocrm.com", ".kommo.com"):
        if host.endswith(suffix) and host != suffix[1:]:
            return host[: -len(suffix)].split(".")[-1]
    return None


def build_crm_client(
    settings: Settings,
    token_store: TokenStore | None = None,
    *,
    base_url: str | None = None,
    token: SecretStr | str | None = None,
) -> AmoCrmClient:
    """The AmoCrmClient for these settings; `base_url`/`token` override them (CLI flags).

    Prefers the long-lived token when both kinds of credentials are set.
    """
    if settings.crm_kind != "amocrm":
        raise CrmConfigError(f"CRM_KIND={settings.crm_kind!r} is not supported (only 'amocrm')")
    url = (base_url or settings.amocrm_base_url).strip()
    if not url:
        raise CrmConfigError(
            "set AMOCRM_BASE_URL (e.g. https://example.amocrm.ru) or pass --crm-url"
        )
    if not url.startswith(("http://", "https://")):
        raise CrmConfigError(f"the CRM address must start with https:// (got {url!r})")
    secret = SecretStr(token) if isinstance(token, str) else token
    configured = settings.amocrm_long_lived_token
    if secret is None and configured is not None and configured.get_secret_value():
        secret = configured
    if secret is not None:
        return AmoCrmClient(url, token=secret, rate_limit=settings.crm_rate_limit)
    oauth = oauth_config(settings)
    if oauth is None:
        raise CrmConfigError(
            "no CRM credentials: set AMOCRM_LONG_LIVED_TOKEN, or AMOCRM_CLIENT_ID, "
            "AMOCRM_CLIENT_SECRET and AMOCRM_REDIRECT_URI (OAuth)"
        )
    return AmoCrmClient(
        url, oauth=oauth, token_store=token_store, rate_limit=settings.crm_rate_limit
    )


async def authorize_if_needed(
    client: AmoCrmClient, settings: Settings, token_store: TokenStore | None
) -> bool:
    """With OAuth and no stored tokens yet, trade AMOCRM_AUTH_CODE for the first pair.

    Returns True when a code was exchanged. A code is single-use and lives 20 minutes, so this
    runs once, at the first start after the integration was installed.
    """
    if token_store is None or oauth_config(settings) is None or settings.amocrm_auth_code is None:
        return False
    code = settings.amocrm_auth_code.get_secret_value()
    if not code or await token_store.load() is not None:
        return False
    await client.exchange_code(code)
    return True
