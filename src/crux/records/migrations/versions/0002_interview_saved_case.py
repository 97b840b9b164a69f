"""Interviews remember the case they were saved as (a second save is refused).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 02:18:24.806847
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("interviews", schema=None) as batch_op:
        batch_op.add_column(sa.Column("saved_case_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_interviews_saved_case_id_cases"),
            "cases",
            ["saved_case_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("interviews", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_interviews_saved_case_id_cases"), type_="foreignkey"
        )
        batch_op.drop_column("saved_case_id")
