"""Experts and assignments: the pool across calls, commissioned pieces, invitations.

``experts`` (with ``expert_regions``, ``expert_languages``, ``expert_topics``) holds the
newsroom's pool, made from accepted applications or imported; ``assignments`` the pieces
commissioned from a candidate or an expert, with fee, deadline and state;
``expert_invitations`` which expert was invited to which call. An outbox email may now be
addressed to an expert, a notification may be about an assignment (two new events), and
two new email templates exist (the brief, the invitation to a call).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 03:00:11.202695

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

OLD_KEYS = (
    "acknowledgement",
    "request_info",
    "trial_invitation",
    "acceptance",
    "rejection",
    "withdrawal_confirmation",
)
NEW_KEYS = OLD_KEYS + ("assignment_brief", "expert_invitation")
OLD_EVENTS = (
    "new_application",
    "assigned",
    "mentioned",
    "status_changed",
    "withdrew",
    "replied",
    "bounced",
)
NEW_EVENTS = OLD_EVENTS + ("deadline_near", "edit_waiting")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def _checks(keys: tuple[str, ...], events: tuple[str, ...]) -> None:
    # SQLite changes a CHECK only by copying the table (batch mode); none of these tables
    # has triggers that a copy would lose.
    with op.batch_alter_table("email_templates", recreate="always") as batch_op:
        batch_op.drop_constraint(op.f("ck_email_templates_key_valid"), type_="check")
        batch_op.create_check_constraint("key_valid", _in("key", keys))
    for table in ("notifications", "notification_choices"):
        with op.batch_alter_table(table, recreate="always") as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_event_valid"), type_="check")
            batch_op.create_check_constraint("event_valid", _in("event", events))


def upgrade():
    op.create_table(
        "experts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("country", sa.String(length=40), nullable=True),
        sa.Column("city", sa.String(length=120), nullable=True),
        sa.Column("timezone", sa.String(length=40), nullable=False),
        sa.Column("preferred_language", sa.String(length=5), nullable=False),
        sa.Column("availability", sa.String(length=10), nullable=False),
        sa.Column("busy_until", sa.Date(), nullable=True),
        sa.Column("rate_minor", sa.Integer(), nullable=True),
        sa.Column("rate_currency", sa.String(length=3), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("consent_at", sa.DateTime(), nullable=True),
        sa.Column("privacy_version", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "availability IN ('available', 'busy', 'paused')",
            name=op.f("ck_experts_availability_valid"),
        ),
        sa.CheckConstraint(
            "rate_currency IN ('EUR', 'USD', 'GEL', 'AMD', 'AZN', 'RUB')",
            name=op.f("ck_experts_rate_currency_valid"),
        ),
        sa.CheckConstraint(
            "source IN ('application', 'import')", name=op.f("ck_experts_source_valid")
        ),
        sa.CheckConstraint(
            "rate_minor IS NULL OR rate_minor >= 0", name=op.f("ck_experts_rate_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_experts_application_id_applications"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experts")),
        sa.UniqueConstraint("email", name=op.f("uq_experts_email")),
    )
    with op.batch_alter_table("experts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_experts_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_experts_name_key"), ["name_key"], unique=False)

    op.create_table(
        "assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("expert_id", sa.Integer(), nullable=True),
        sa.Column("editor_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("brief", sa.Text(), nullable=True),
        sa.Column("fee_minor", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("deadline_at", sa.DateTime(), nullable=True),
        sa.Column("timezone", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("published_url", sa.String(length=2000), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("remind_expert", sa.Boolean(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("deadline_reminded_at", sa.DateTime(), nullable=True),
        sa.Column("expert_reminded_at", sa.DateTime(), nullable=True),
        sa.Column("edit_reminded_at", sa.DateTime(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "currency IN ('EUR', 'USD', 'GEL', 'AMD', 'AZN', 'RUB')",
            name=op.f("ck_assignments_currency_valid"),
        ),
        sa.CheckConstraint(
            "state IN ('offered', 'accepted', 'delivered', 'edited', 'published', 'paid', 'cancelled')",
            name=op.f("ck_assignments_state_valid"),
        ),
        sa.CheckConstraint("fee_minor >= 0", name=op.f("ck_assignments_fee_not_negative")),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_assignments_application_id_applications"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_assignments_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["editor_id"],
            ["users.id"],
            name=op.f("fk_assignments_editor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["expert_id"],
            ["experts.id"],
            name=op.f("fk_assignments_expert_id_experts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignments")),
        sa.UniqueConstraint("reference", name=op.f("uq_assignments_reference")),
    )
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assignments_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_assignments_editor_id"), ["editor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assignments_expert_id"), ["expert_id"], unique=False)
        batch_op.create_index("ix_assignments_paid_on", ["paid_on"], unique=False)
        batch_op.create_index("ix_assignments_published_on", ["published_on"], unique=False)
        batch_op.create_index(
            "ix_assignments_state_deadline", ["state", "deadline_at"], unique=False
        )

    op.create_table(
        "expert_invitations",
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["calls.id"],
            name=op.f("fk_expert_invitations_call_id_calls"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["expert_id"],
            ["experts.id"],
            name=op.f("fk_expert_invitations_expert_id_experts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_id"],
            ["users.id"],
            name=op.f("fk_expert_invitations_invited_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("expert_id", "call_id", name=op.f("pk_expert_invitations")),
    )
    op.create_table(
        "expert_languages",
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["expert_id"],
            ["experts.id"],
            name=op.f("fk_expert_languages_expert_id_experts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("expert_id", "language", name=op.f("pk_expert_languages")),
    )
    with op.batch_alter_table("expert_languages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_expert_languages_language", ["language", "expert_id"], unique=False
        )

    op.create_table(
        "expert_regions",
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=60), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["expert_id"],
            ["experts.id"],
            name=op.f("fk_expert_regions_expert_id_experts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("expert_id", "region", name=op.f("pk_expert_regions")),
    )
    with op.batch_alter_table("expert_regions", schema=None) as batch_op:
        batch_op.create_index("ix_expert_regions_region", ["region", "expert_id"], unique=False)

    op.create_table(
        "expert_topics",
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(
            ["expert_id"],
            ["experts.id"],
            name=op.f("fk_expert_topics_expert_id_experts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("expert_id", "topic", name=op.f("pk_expert_topics")),
    )
    with op.batch_alter_table("expert_topics", schema=None) as batch_op:
        batch_op.create_index("ix_expert_topics_topic", ["topic", "expert_id"], unique=False)

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assignment_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_notifications_assignment_id"), ["assignment_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_notifications_assignment_id_assignments"),
            "assignments",
            ["assignment_id"],
            ["id"],
            ondelete="CASCADE",
        )

    with op.batch_alter_table("outbox_emails", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expert_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_emails_expert_id"), ["expert_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_emails_expert_id_experts"),
            "experts",
            ["expert_id"],
            ["id"],
            ondelete="CASCADE",
        )

    _checks(NEW_KEYS, NEW_EVENTS)


def downgrade():
    op.execute("DELETE FROM email_templates WHERE key IN ('assignment_brief', 'expert_invitation')")
    op.execute("DELETE FROM notifications WHERE event IN ('deadline_near', 'edit_waiting')")
    op.execute("DELETE FROM notification_choices WHERE event IN ('deadline_near', 'edit_waiting')")
    _checks(OLD_KEYS, OLD_EVENTS)
    with op.batch_alter_table("outbox_emails", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_outbox_emails_expert_id_experts"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_outbox_emails_expert_id"))
        batch_op.drop_column("expert_id")

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_notifications_assignment_id_assignments"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_notifications_assignment_id"))
        batch_op.drop_column("assignment_id")

    with op.batch_alter_table("expert_topics", schema=None) as batch_op:
        batch_op.drop_index("ix_expert_topics_topic")

    op.drop_table("expert_topics")
    with op.batch_alter_table("expert_regions", schema=None) as batch_op:
        batch_op.drop_index("ix_expert_regions_region")

    op.drop_table("expert_regions")
    with op.batch_alter_table("expert_languages", schema=None) as batch_op:
        batch_op.drop_index("ix_expert_languages_language")

    op.drop_table("expert_languages")
    op.drop_table("expert_invitations")
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_index("ix_assignments_state_deadline")
        batch_op.drop_index("ix_assignments_published_on")
        batch_op.drop_index("ix_assignments_paid_on")
        batch_op.drop_index(batch_op.f("ix_assignments_expert_id"))
        batch_op.drop_index(batch_op.f("ix_assignments_editor_id"))
        batch_op.drop_index(batch_op.f("ix_assignments_application_id"))

    op.drop_table("assignments")
    with op.batch_alter_table("experts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_experts_name_key"))
        batch_op.drop_index(batch_op.f("ix_experts_application_id"))

    op.drop_table("experts")
