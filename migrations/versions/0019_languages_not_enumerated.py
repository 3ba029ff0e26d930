"""Page languages are data (tracker/ui_languages.py), not constraints: the language CHECKs
of applications and email templates stop naming the languages.

They now only require the shape of a language code (two or three lower-case letters), so a
new language needs no migration; the application checks membership in its list. On SQLite
neither table is recreated: a recreated ``applications`` would be dropped with foreign keys
on, deleting every document, rating and comment (see 0015, whose procedure this repeats:
the CHECK's text is rewritten in the schema, which SQLite's ALTER TABLE page documents for
constraints that existing rows already satisfy). The downgrade refuses while any row holds
a language the old CHECK did not allow.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 06:30:00.000000

"""

from alembic import op
import sqlalchemy as sa

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

OLD_LANGUAGES = "('de', 'en', 'ru')"
# (table, column) of each language CHECK named "<table>_language_valid".
CHECKED = (("applications", "preferred_language"), ("email_templates", "language"))


def old_check(column: str) -> str:
    return f"{column} IN {OLD_LANGUAGES}"


def new_check(column: str) -> str:
    return f"length({column}) BETWEEN 2 AND 3 AND {column} = lower({column})"


def _set_check(table: str, old: str, new: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        version = bind.exec_driver_sql("PRAGMA schema_version").scalar()
        bind.exec_driver_sql("PRAGMA writable_schema = ON")
        bind.execute(
            sa.text(
                "UPDATE sqlite_master SET sql = replace(sql, :old, :new) "
                "WHERE type = 'table' AND name = :table"
            ),
            {"old": old, "new": new, "table": table},
        )
        # A new schema version makes every connection read the changed schema.
        bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
        bind.exec_driver_sql("PRAGMA writable_schema = OFF")
        return
    op.drop_constraint(op.f(f"ck_{table}_language_valid"), table, type_="check")
    op.create_check_constraint(op.f(f"ck_{table}_language_valid"), table, sa.text(new))


def upgrade():
    for table, column in CHECKED:
        _set_check(table, old_check(column), new_check(column))


def downgrade():
    for table, column in CHECKED:
        others = op.get_bind().execute(
            sa.text(f"SELECT COUNT(*) FROM {table} WHERE NOT ({old_check(column)})")
        )
        if others.scalar():
            raise RuntimeError(
                f"{table} holds languages other than {OLD_LANGUAGES}; "
                "erase or change them before downgrading below 0019"
            )
    for table, column in CHECKED:
        _set_check(table, new_check(column), old_check(column))
