"""freeze published questionnaire versions with a trigger

The application refuses to change a published version; the trigger makes the
database refuse it too, whatever client writes to it.

Revision ID: a7f3c2d91e04
Revises: 31c5bdea644f
Create Date: 2026-11-26 11:00:00

"""
from alembic import op

revision = "a7f3c2d91e04"
down_revision = "31c5bdea644f"
branch_labels = None
depends_on = None

MESSAGE = "published questionnaire versions are immutable"


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION refuse_published_version_change() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '{MESSAGE}';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"""
                CREATE TRIGGER questionnaire_versions_frozen_{event.lower()}
                BEFORE {event} ON questionnaire_versions
                FOR EACH ROW WHEN (OLD.published_dt IS NOT NULL)
                EXECUTE FUNCTION refuse_published_version_change()
                """
            )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"""
                CREATE TRIGGER questionnaire_versions_frozen_{event.lower()}
                BEFORE {event} ON questionnaire_versions
                FOR EACH ROW WHEN OLD.published_dt IS NOT NULL
                BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
                """
            )


def downgrade():
    for event in ("update", "delete"):
        op.execute(f"DROP TRIGGER questionnaire_versions_frozen_{event}" + (
            " ON questionnaire_versions" if op.get_bind().dialect.name == "postgresql" else ""
        ))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION refuse_published_version_change()")
