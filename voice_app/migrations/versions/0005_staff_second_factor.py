"""Staff second factor: when TOTP was confirmed, the last step used, recovery codes

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

import voice_app.models

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_user") as batch_op:
        batch_op.add_column(
            sa.Column("totp_enrolled_at", voice_app.models.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
    op.create_table(
        "staff_recovery_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", voice_app.models.UTCDateTime(), nullable=False),
        sa.Column("used_at", voice_app.models.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["staff_user.id"],
            name=op.f("fk_staff_recovery_code_user_id_staff_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_recovery_code")),
        sa.UniqueConstraint(
            "user_id", "code_sha256", name=op.f("uq_staff_recovery_code_user_id_code_sha256")
        ),
    )


def downgrade() -> None:
    op.drop_table("staff_recovery_code")
    with op.batch_alter_table("staff_user") as batch_op:
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_enrolled_at")
