"""one-stop point counts at agency and official level, for the province's and officials' scores

Revision ID: a4c9e2f7b315
Revises: f3b8d1e6a902
Create Date: 2026-11-27 03:30:00

A database that already has responses gets those already counted counted here too.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a4c9e2f7b315"
down_revision = "f3b8d1e6a902"
branch_labels = None
depends_on = None

POINT_KEY = ("index_number", "points")


def _create(name, dimensions):
    op.create_table(
        name,
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        *([sa.Column("official_id", sa.Integer(), nullable=False)] if "official_id" in dimensions else []),
        sa.Column("questionnaire_version_id", sa.Integer(), nullable=False),
        sa.Column("is_flagged", sa.Boolean(), nullable=False),
        sa.Column("index_number", sa.SmallInteger(), nullable=False),
        sa.Column("points", sa.SmallInteger(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(*dimensions, *POINT_KEY, name=op.f(f"pk_{name}")),
    )


def upgrade():
    _create(
        "agency_onestop_point_counts",
        ("month", "agency_id", "questionnaire_version_id", "is_flagged"),
    )
    _create(
        "official_onestop_point_counts",
        ("month", "agency_id", "official_id", "questionnaire_version_id", "is_flagged"),
    )
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM responses LIMIT 1")).first() is not None:
        # The application's own rows, in this migration's transaction, from the responses
        # already counted (the fold adds the queued ones).
        from sqlalchemy.orm import Session

        from survey.results.counts import fill_new_tables
        from survey.results.models import AgencyOnestopPointCount, OfficialOnestopPointCount

        with Session(bind=bind) as session:
            fill_new_tables(session, (AgencyOnestopPointCount, OfficialOnestopPointCount))
            session.flush()


def downgrade():
    op.drop_table("official_onestop_point_counts")
    op.drop_table("agency_onestop_point_counts")
