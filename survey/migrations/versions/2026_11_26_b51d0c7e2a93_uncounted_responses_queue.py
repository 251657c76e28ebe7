"""uncounted responses: the queue the count tables are folded from

Revision ID: b51d0c7e2a93
Revises: e6c28cea46a7
Create Date: 2026-11-26 17:30:00

The count tables were kept current inside each submission's transaction; they are now
folded from this queue. Responses stored before this revision are already counted, so the
queue starts empty.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b51d0c7e2a93"
down_revision = "e6c28cea46a7"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "uncounted_responses",
        sa.Column(
            "response_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_uncounted_responses_response_id_responses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("response_id", name=op.f("pk_uncounted_responses")),
    )


def downgrade():
    op.drop_table("uncounted_responses")
