"""amoCRM / Kommo REST v4 adapter: the client, OAuth2 and webhook parsing."""

from nextstep.crm_client.amocrm.auth import OAuthConfig
from nextstep.crm_client.amocrm.client import AmoCrmClient
from nextstep.crm_client.amocrm.filters import detect_lead_filters
from nextstep.crm_client.amocrm.ratelimit import RateLimiter
from nextstep.crm_client.amocrm.retry import RetryPolicy
from nextstep.crm_client.amocrm.stats import ClientStats
from nextstep.crm_client.amocrm.webhooks import parse_webhook

__all__ = [
    "AmoCrmClient",
    "ClientStats",
    "OAuthConfig",
    "RateLimiter",
    "RetryPolicy",
    "detect_lead_filters",
    "parse_webhook",
]
