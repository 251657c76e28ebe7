"""counts at agency and official level: responses, answers by official, one-stop points

Revision ID: a4c9e2f7b315
Revises: f3b8d1e6a902
Create Date: 2026-11-27 03:30:00

The province's and agencies' numbers, and the comparisons and scores of officials, stop
summing the full-detail tables. A database that already has responses gets those already
counted counted here too.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a4c9e2f7b315"
down_revision = "f3b8d1e6a902"
branch_labels = None
depends_on = None

AGENCY = ("month", "agency_id", "questionnaire_version_id", "is_flagged")
OFFICIAL = ("month", "agency_id", "official_id", "questionnaire_version_id", "is_flagged")
ANSWER = ("item_key", "value", "is_not_applicable")
POINTS = ("index_number", "points")
TYPES = {
    "month": sa.Date(),
    "agency_id": sa.Integer(),
    "official_id": sa.Integer(),
    "questionnaire_version_id": sa.Integer(),
    "is_flagged": sa.Boolean(),
    "item_key": sa.String(length=64),
    "value": sa.SmallInteger(),
    "is_not_applicable": sa.Boolean(),
    "index_number": sa.SmallInteger(),
    "points": sa.SmallInteger(),
}
TABLES = {
    "agency_response_counts": AGENCY,
    "official_response_counts": OFFICIAL,
    "official_answer_counts": OFFICIAL + ANSWER,
    "agency_onestop_point_counts": AGENCY + POINTS,
    "official_onestop_point_counts": OFFICIAL + POINTS,
}


def upgrade():
    for name, key in TABLES.items():
        op.create_table(
            name,
            *(sa.Column(column, TYPES[column], nullable=False) for column in key),
            sa.Column("count", sa.BigInteger(), nullable=False),
            sa.PrimaryKeyConstraint(*key, name=op.f(f"pk_{name}")),
        )
    op.create_index(
        "ix_official_answer_counts_item_month",
        "official_answer_counts",
        ["item_key", "month"],
        unique=False,
        postgresql_include=[
            "agency_id",
            "official_id",
            "questionnaire_version_id",
            "is_flagged",
            "value",
            "is_not_applicable",
            "count",
        ],
    )
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM responses LIMIT 1")).first() is not None:
        # The application's own rows, in this migration's transaction, from the responses
        # already counted (the fold adds the queued ones).
        from sqlalchemy.orm import Session

        from survey.results.counts import fill_new_tables
        from survey.results.models import (
            AgencyOnestopPointCount,
            AgencyResponseCount,
            OfficialAnswerCount,
            OfficialOnestopPointCount,
            OfficialResponseCount,
        )

        with Session(bind=bind) as session:
            fill_new_tables(
                session,
                (
                    AgencyResponseCount,
                    OfficialResponseCount,
                    OfficialAnswerCount,
                    AgencyOnestopPointCount,
                    OfficialOnestopPointCount,
                ),
            )
            session.flush()


def downgrade():
    op.drop_index("ix_official_answer_counts_item_month", table_name="official_answer_counts")
    for name in reversed(TABLES):
        op.drop_table(name)
