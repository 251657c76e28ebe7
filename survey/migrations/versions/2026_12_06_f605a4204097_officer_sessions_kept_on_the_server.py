"""officer sessions kept on the server

Each signed-in session is a row, so signing out, a password change, a deactivation or an
administrator ends it at once on every process and host. Officers signed in before this
upgrade sign in again.

Revision ID: f605a4204097
Revises: 80f701db3122
Create Date: 2026-12-06 21:42:04.010273

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "f605a4204097"
down_revision = "80f701db3122"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "officer_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("started_dt", sa.DateTime(), nullable=False),
        sa.Column("last_seen_dt", sa.DateTime(), nullable=False),
        sa.Column("browser", sa.String(length=200), nullable=False),
        sa.Column("ended_dt", sa.DateTime(), nullable=True),
        sa.Column("end_reason", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_officer_sessions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_officer_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_officer_sessions_token_hash")),
    )
    with op.batch_alter_table("officer_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_officer_sessions_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("officer_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_officer_sessions_user_id"))

    op.drop_table("officer_sessions")
