"""Guest reviewers: the role "guest", each guest's scope (one call, some regions, an end
day), and comments shared with guests.

The users' role CHECK gains 'guest'. On SQLite the table is NOT recreated: a recreated
``users`` would be dropped with foreign keys on, and that DROP would delete or orphan every
rating, recusal and comment of the team (see 0009). Instead the CHECK's text is rewritten in
the schema, the procedure SQLite's ALTER TABLE page documents for changing constraints that
existing rows already satisfy (every stored role is 'editor' or 'admin', both still allowed).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 00:30:00.000000

"""

from alembic import op
import sqlalchemy as sa

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

OLD_CHECK = "role IN ('editor', 'admin')"
NEW_CHECK = "role IN ('editor', 'admin', 'guest')"


def _set_role_check(old: str, new: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        version = bind.exec_driver_sql("PRAGMA schema_version").scalar()
        bind.exec_driver_sql("PRAGMA writable_schema = ON")
        bind.execute(
            sa.text(
                "UPDATE sqlite_master SET sql = replace(sql, :old, :new) "
                "WHERE type = 'table' AND name = 'users'"
            ),
            {"old": old, "new": new},
        )
        # A new schema version makes every connection read the changed schema.
        bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
        bind.exec_driver_sql("PRAGMA writable_schema = OFF")
        return
    op.drop_constraint(op.f("ck_users_role_valid"), "users", type_="check")
    op.create_check_constraint(op.f("ck_users_role_valid"), "users", sa.text(new))


def upgrade():
    _set_role_check(OLD_CHECK, NEW_CHECK)
    op.create_table(
        "guest_scopes",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("regions", sa.JSON(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["calls.id"],
            name=op.f("fk_guest_scopes_call_id_calls"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_guest_scopes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_guest_scopes")),
    )
    with op.batch_alter_table("comments", recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("shared_with_guests", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade():
    guests = op.get_bind().execute(sa.text("SELECT COUNT(*) FROM users WHERE role = 'guest'"))
    if guests.scalar():
        raise RuntimeError("guest accounts exist; remove them before downgrading below 0015")
    with op.batch_alter_table("comments", recreate="never") as batch_op:
        batch_op.drop_column("shared_with_guests")
    op.drop_table("guest_scopes")
    _set_role_check(NEW_CHECK, OLD_CHECK)
