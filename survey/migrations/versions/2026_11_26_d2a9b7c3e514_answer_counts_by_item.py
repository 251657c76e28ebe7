"""answer counts indexed by item, covering the comparisons of officials and desks

Revision ID: d2a9b7c3e514
Revises: c8e4f1a6d270
Create Date: 2026-11-26 17:25:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "d2a9b7c3e514"
down_revision = "c8e4f1a6d270"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("answer_counts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_answer_counts_item_month",
            ["item_key", "month"],
            unique=False,
            postgresql_include=[
                "agency_id",
                "service_point_id",
                "official_id",
                "questionnaire_version_id",
                "channel",
                "respondent_type",
                "is_flagged",
                "value",
                "is_not_applicable",
                "count",
            ],
        )


def downgrade():
    with op.batch_alter_table("answer_counts", schema=None) as batch_op:
        batch_op.drop_index("ix_answer_counts_item_month")
