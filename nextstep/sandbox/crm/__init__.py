"""The sandbox CRM: an amoCRM API v4 emulator (docs/crm-wire-subset.md) for the demo and tests.

state = CrmState()
info = seed_design_studio(state, deals=500)
async with run_crm_sandbox(state, webhook_url=url) as sb:
    ...  # talk HTTP to sb.base_url with sb.headers; read sb.state to check what arrived
"""

from .app import create_crm_app
from .auth import DEFAULT_TOKEN, OAuthConfig, issue_auth_code
from .runner import CrmSandbox, run_crm_sandbox
from .seed import SeedInfo, seed_design_studio, seed_empty_stock
from .state import (
    LOST_STATUS_ID,
    WON_STATUS_ID,
    Account,
    Contact,
    CrmState,
    CustomField,
    Event,
    Fault,
    Group,
    Lead,
    LossReason,
    Note,
    Pipeline,
    Salesbot,
    Status,
    Task,
    User,
    WebhookDelivery,
    WriteRecord,
)

__all__ = [
    "DEFAULT_TOKEN",
    "LOST_STATUS_ID",
    "WON_STATUS_ID",
    "Account",
    "Contact",
    "CrmSandbox",
    "CrmState",
    "CustomField",
    "Event",
    "Fault",
    "Group",
    "Lead",
    "LossReason",
    "Note",
    "OAuthConfig",
    "Pipeline",
    "Salesbot",
    "SeedInfo",
    "Status",
    "Task",
    "User",
    "WebhookDelivery",
    "WriteRecord",
    "create_crm_app",
    "issue_auth_code",
    "run_crm_sandbox",
    "seed_design_studio",
    "seed_empty_stock",
]
