"""answer vectors: each SIPAS-style response's criteria in one row, for respondent-level statistics

Revision ID: f3b8d1e6a902
Revises: d2a9b7c3e514
Create Date: 2026-11-27 03:20:00

A database that already has responses gets the vectors of those already counted here.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f3b8d1e6a902"
down_revision = "d2a9b7c3e514"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "answer_vectors",
        sa.Column(
            "response_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column("submitted_dt", sa.DateTime(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("service_point_id", sa.Integer(), nullable=False),
        sa.Column("official_id", sa.Integer(), nullable=False),
        sa.Column("questionnaire_version_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("respondent_type", sa.String(length=32), nullable=False),
        sa.Column("is_flagged", sa.Boolean(), nullable=False),
        sa.Column("procedure_id", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_answer_vectors_response_id_responses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("response_id", name=op.f("pk_answer_vectors")),
    )
    op.create_index(
        "ix_answer_vectors_version_submitted",
        "answer_vectors",
        ["questionnaire_version_id", "submitted_dt"],
        unique=False,
    )
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM responses LIMIT 1")).first() is not None:
        # The application's own rows, in this migration's transaction, for the responses
        # already counted (the fold adds the queued ones).
        from sqlalchemy.orm import Session

        from survey.results.counts import fill_new_tables
        from survey.results.models import AnswerVector

        with Session(bind=bind) as session:
            fill_new_tables(session, (AnswerVector,))
            session.flush()


def downgrade():
    op.drop_index("ix_answer_vectors_version_submitted", table_name="answer_vectors")
    op.drop_table("answer_vectors")
