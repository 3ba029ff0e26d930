"""Applicants at risk: their answers, and the editors named to see them.

``applicant_safety`` holds a row for each applicant who answered yes to "could publishing
under your own name, or being known to work with us, put you at risk?", with what they asked
for (a pseudonymous byline, no mail to a work address, a safe channel and its handle).
``call_need_to_know`` and ``application_need_to_know`` name the editors an admin lets see a
call's or one candidate's applicants at risk. All three count as changes of "applications"
(change_counts, migration 0013), as they change what the inbox shows.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 13:00:00

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

COUNTED = ("applicant_safety", "call_need_to_know", "application_need_to_know")
# As migration 0013 counts the other tables (and tracker/models.py when this was written).
SQLITE_DDL = [
    f"CREATE TRIGGER change_count_{table}_{operation.lower()} AFTER {operation} ON {table} "
    "BEGIN INSERT INTO change_counts (name, value) VALUES ('applications', 1) "
    "ON CONFLICT (name) DO UPDATE SET value = change_counts.value + 1; END"
    for table in COUNTED
    for operation in ("INSERT", "UPDATE", "DELETE")
]
POSTGRES_DDL = [
    f"CREATE CONSTRAINT TRIGGER change_count_{table} "
    f"AFTER INSERT OR UPDATE OR DELETE ON {table} DEFERRABLE INITIALLY DEFERRED "
    "FOR EACH ROW EXECUTE FUNCTION count_change('applications')"
    for table in COUNTED
]


def _need_to_know_table(table, target, target_table):
    op.create_table(
        table,
        sa.Column(target, sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            [target],
            [f"{target_table}.id"],
            name=op.f(f"fk_{table}_{target}_{target_table}"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["added_by_id"],
            ["users.id"],
            name=op.f(f"fk_{table}_added_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint(target, "user_id", name=op.f(f"pk_{table}")),
    )
    op.create_index(op.f(f"ix_{table}_user_id"), table, ["user_id"])


def upgrade():
    op.create_table(
        "applicant_safety",
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("wants_pseudonym", sa.Boolean(), nullable=False),
        sa.Column("avoid_work_address", sa.Boolean(), nullable=False),
        sa.Column("safe_channel", sa.String(length=10), nullable=True),
        sa.Column("safe_channel_handle", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "safe_channel IN ('signal', 'threema', 'proton', 'other')",
            name=op.f("ck_applicant_safety_channel_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_applicant_safety_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["calls.id"],
            name=op.f("fk_applicant_safety_call_id_calls"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("application_id", name=op.f("pk_applicant_safety")),
    )
    _need_to_know_table("call_need_to_know", "call_id", "calls")
    _need_to_know_table("application_need_to_know", "application_id", "applications")
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRES_DDL if postgresql else SQLITE_DDL:
        op.execute(statement)


def downgrade():
    op.drop_table("application_need_to_know")
    op.drop_table("call_need_to_know")
    op.drop_table("applicant_safety")
