"""The account audit: what needs attention right now, per manager, with the money at stake."""

from nextstep.bot.audit.compute import (
    AuditFigures,
    AuditReport,
    DealRef,
    ManagerAudit,
    OverdueTask,
    ReopenedDeal,
    StuckDeal,
    compute_audit,
)
from nextstep.bot.audit.reader import AuditData, read_audit_data

__all__ = [
    "AuditData",
    "AuditFigures",
    "AuditReport",
    "DealRef",
    "ManagerAudit",
    "OverdueTask",
    "ReopenedDeal",
    "StuckDeal",
    "compute_audit",
    "read_audit_data",
]
