"""Jobs: one durable table of background work (email delivery, text extraction, purges).

Every email still waiting in the outbox gets its delivery job, so nothing queued before
the upgrade is left unsent: a queued email a queued job with its attempts and next try, an
email being sent a running job with its claim, which the worker resets once it is stale.
The downgrade drops the table; the outbox rows keep their status.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 13:50:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed')", name=op.f("ck_jobs_status_valid")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    op.create_index("ix_jobs_status_next_attempt", "jobs", ["status", "next_attempt_at"])
    op.create_index("ix_jobs_kind_created", "jobs", ["kind", "created_at"])
    jobs = sa.table(
        "jobs",
        sa.column("kind", sa.String),
        sa.column("payload", sa.JSON),
        sa.column("status", sa.String),
        sa.column("attempts", sa.Integer),
        sa.column("next_attempt_at", sa.DateTime),
        sa.column("claimed_at", sa.DateTime),
        sa.column("created_at", sa.DateTime),
    )
    emails = sa.table(
        "outbox_emails",
        sa.column("id", sa.Integer),
        sa.column("status", sa.String),
        sa.column("attempts", sa.Integer),
        sa.column("next_attempt_at", sa.DateTime),
        sa.column("claimed_at", sa.DateTime),
        sa.column("created_at", sa.DateTime),
    )
    waiting = (
        op.get_bind()
        .execute(
            sa.select(emails)
            .where(emails.c.status.in_(["queued", "sending"]))
            .order_by(emails.c.id)
        )
        .all()
    )
    if waiting:
        op.bulk_insert(
            jobs,
            [
                {
                    "kind": "deliver_email",
                    "payload": {"email_id": row.id},
                    "status": "queued" if row.status == "queued" else "running",
                    "attempts": row.attempts,
                    "next_attempt_at": row.next_attempt_at,
                    "claimed_at": row.claimed_at,
                    "created_at": row.created_at,
                }
                for row in waiting
            ],
        )


def downgrade():
    op.drop_index("ix_jobs_kind_created", table_name="jobs")
    op.drop_index("ix_jobs_status_next_attempt", table_name="jobs")
    op.drop_table("jobs")
