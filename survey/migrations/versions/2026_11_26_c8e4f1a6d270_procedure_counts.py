"""count tables by procedure, for reports by procedure field

Revision ID: c8e4f1a6d270
Revises: b51d0c7e2a93
Create Date: 2026-11-26 17:10:00

Reports filtered or grouped by procedure field read the raw answers; these agency-level
tables keyed by procedure answer them instead. A database that already has responses gets
them counted in the new tables here, so the new tables agree with the others.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c8e4f1a6d270"
down_revision = "b51d0c7e2a93"
branch_labels = None
depends_on = None

DIMENSIONS = ("month", "agency_id", "procedure_id", "questionnaire_version_id", "is_flagged")


def _dimension_columns():
    return [
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("procedure_id", sa.Integer(), nullable=False),
        sa.Column("questionnaire_version_id", sa.Integer(), nullable=False),
        sa.Column("is_flagged", sa.Boolean(), nullable=False),
    ]


def upgrade():
    op.create_table(
        "procedure_response_counts",
        *_dimension_columns(),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(*DIMENSIONS, name=op.f("pk_procedure_response_counts")),
    )
    op.create_table(
        "procedure_answer_counts",
        *_dimension_columns(),
        sa.Column("item_key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.SmallInteger(), nullable=False),
        sa.Column("is_not_applicable", sa.Boolean(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            *DIMENSIONS,
            "item_key",
            "value",
            "is_not_applicable",
            name=op.f("pk_procedure_answer_counts"),
        ),
    )
    op.create_table(
        "procedure_onestop_point_counts",
        *_dimension_columns(),
        sa.Column("index_number", sa.SmallInteger(), nullable=False),
        sa.Column("points", sa.SmallInteger(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            *DIMENSIONS, "index_number", "points", name=op.f("pk_procedure_onestop_point_counts")
        ),
    )
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM responses LIMIT 1")).first() is not None:
        # The application's own rows, in this migration's transaction, from the responses
        # already counted (the fold adds the queued ones).
        from sqlalchemy.orm import Session

        from survey.results.counts import fill_new_tables
        from survey.results.models import (
            ProcedureAnswerCount,
            ProcedureOnestopPointCount,
            ProcedureResponseCount,
        )

        with Session(bind=bind) as session:
            fill_new_tables(
                session, (ProcedureResponseCount, ProcedureAnswerCount, ProcedureOnestopPointCount)
            )
            session.flush()


def downgrade():
    op.drop_table("procedure_onestop_point_counts")
    op.drop_table("procedure_answer_counts")
    op.drop_table("procedure_response_counts")
