"""Keep the words that raised a safeguarding flag with the flag

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("safeguarding_flag", sa.Column("flagged_text", sa.Text(), nullable=True))
    # Flags raised before this kept their words only on the answer: copy them across.
    op.execute(
        "UPDATE safeguarding_flag SET flagged_text = "
        "(SELECT free_text FROM answer WHERE answer.id = safeguarding_flag.answer_id) "
        "WHERE kind = 'screened_text' AND answer_id IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("safeguarding_flag") as batch_op:
        batch_op.drop_column("flagged_text")
