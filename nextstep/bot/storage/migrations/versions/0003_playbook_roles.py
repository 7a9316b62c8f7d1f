"""staff/invites: any role the playbook names (accountant, trainer, ...), not only the four.

The CHECK that pinned `role` to manager|head|estimator|admin becomes "a role is given", and the
column widens to the playbook's 40-character role names. Going down, people with a playbook role
become managers (the old CHECK would refuse them), so the downgrade never fails on real data.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 02:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("staff", "invites")
BUILTIN = "role IN ('manager', 'head', 'estimator', 'admin')"


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_role"), type_="check")
            batch_op.alter_column(
                "role",
                existing_type=sa.String(length=16),
                type_=sa.String(length=40),
                existing_nullable=False,
            )
            batch_op.create_check_constraint(op.f(f"ck_{table}_role"), "role <> ''")


def downgrade() -> None:
    for table in TABLES:
        op.execute(sa.text(f"UPDATE {table} SET role = 'manager' WHERE NOT ({BUILTIN})"))
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_role"), type_="check")
            batch_op.alter_column(
                "role",
                existing_type=sa.String(length=40),
                type_=sa.String(length=16),
                existing_nullable=False,
            )
            batch_op.create_check_constraint(op.f(f"ck_{table}_role"), BUILTIN)
