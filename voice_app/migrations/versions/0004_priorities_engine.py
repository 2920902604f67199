"""Facts the priorities engine aggregates in SQL, and tallies kept after a purge

Revision ID: 0004
Revises: 0003
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "retained_domain_tally",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("framework_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column(
            "audience",
            sa.Enum(
                "child_4_7",
                "child_8_12",
                "young_13_17",
                "parent_carer",
                name="audience",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("domain_id", sa.Integer(), nullable=False),
        sa.Column("first", sa.Integer(), nullable=False),
        sa.Column("second", sa.Integer(), nullable=False),
        sa.Column("third", sa.Integer(), nullable=False),
        sa.Column("scale_people", sa.Integer(), nullable=False),
        sa.Column("scale_answers", sa.Integer(), nullable=False),
        sa.Column("scale_sum", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["area.id"], name=op.f("fk_retained_domain_tally_area_id_area")
        ),
        sa.ForeignKeyConstraint(
            ["domain_id"],
            ["outcome_domain.id"],
            name=op.f("fk_retained_domain_tally_domain_id_outcome_domain"),
        ),
        sa.ForeignKeyConstraint(
            ["framework_id"],
            ["outcome_framework.id"],
            name=op.f("fk_retained_domain_tally_framework_id_outcome_framework"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["group_session.id"],
            name=op.f("fk_retained_domain_tally_session_id_group_session"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retained_domain_tally")),
        sa.UniqueConstraint(
            "framework_id",
            "session_id",
            "area_id",
            "audience",
            "started_on",
            "domain_id",
            name=op.f(
                "uq_retained_domain_tally_framework_id_session_id_area_id_audience_started_on_domain_id"
            ),
        ),
    )
    op.create_table(
        "retained_respondents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("framework_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column(
            "audience",
            sa.Enum(
                "child_4_7",
                "child_8_12",
                "young_13_17",
                "parent_carer",
                name="audience",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["area.id"], name=op.f("fk_retained_respondents_area_id_area")
        ),
        sa.ForeignKeyConstraint(
            ["framework_id"],
            ["outcome_framework.id"],
            name=op.f("fk_retained_respondents_framework_id_outcome_framework"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["group_session.id"],
            name=op.f("fk_retained_respondents_session_id_group_session"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retained_respondents")),
        sa.UniqueConstraint(
            "framework_id",
            "session_id",
            "area_id",
            "audience",
            "started_on",
            name=op.f(
                "uq_retained_respondents_framework_id_session_id_area_id_audience_started_on"
            ),
        ),
    )
    op.create_table(
        "answer_choice",
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("domain_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["answer_id"],
            ["answer.id"],
            name=op.f("fk_answer_choice_answer_id_answer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["domain_id"],
            ["outcome_domain.id"],
            name=op.f("fk_answer_choice_domain_id_outcome_domain"),
        ),
        sa.PrimaryKeyConstraint("answer_id", "rank", name=op.f("pk_answer_choice")),
    )
    op.create_index(op.f("ix_answer_choice_domain_id"), "answer_choice", ["domain_id"])
    # In place on SQLite too: no copy of the answer table.
    op.add_column("answer", sa.Column("score", sa.Double(), nullable=True))
    _derive_existing_answers()


def _derive_existing_answers() -> None:
    """Answers stored before this revision get their score and top-3 rows now."""
    from voice_app.answer_facts import facts_for  # the same rules as new answers

    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT a.id, a.value, v.format, f.framework_id FROM answer a "
            "JOIN question_version v ON v.id = a.version_id "
            "JOIN participant p ON p.id = a.participant_id "
            "JOIN group_session s ON s.id = p.session_id "
            "JOIN flow f ON f.id = s.flow_id "
            "WHERE NOT a.skipped AND a.value IS NOT NULL"
        )
    ).all()
    domain_ids: dict[int, dict[str, int]] = {}
    for answer_id, raw_value, answer_format, framework_id in rows:
        if framework_id not in domain_ids:
            domain_ids[framework_id] = dict(
                bind.execute(
                    sa.text("SELECT key, id FROM outcome_domain WHERE framework_id = :f"),
                    {"f": framework_id},
                ).all()
            )
        value = json.loads(raw_value) if isinstance(raw_value, str) else raw_value
        score, picks = facts_for(answer_format, value, domain_ids[framework_id])
        if score is not None:
            bind.execute(
                sa.text("UPDATE answer SET score = :s WHERE id = :i"), {"s": score, "i": answer_id}
            )
        for rank, domain_id in picks:
            bind.execute(
                sa.text(
                    "INSERT INTO answer_choice (answer_id, rank, domain_id) VALUES (:a, :r, :d)"
                ),
                {"a": answer_id, "r": rank, "d": domain_id},
            )


def downgrade() -> None:
    with op.batch_alter_table("answer") as batch_op:
        batch_op.drop_column("score")
    op.drop_index(op.f("ix_answer_choice_domain_id"), table_name="answer_choice")
    op.drop_table("answer_choice")
    op.drop_table("retained_respondents")
    op.drop_table("retained_domain_tally")
