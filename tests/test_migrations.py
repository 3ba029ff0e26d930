"""The hand-reviewed migrations must build exactly the schema the models declare."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from tracker.extensions import db
from tracker.models import UNMODELLED_PREFIXES


def _drop_everything():
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def test_upgrade_head_on_empty_database_gives_models_schema(app):
    _drop_everything()
    upgrade()
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "include_name": lambda name, *_: not (name or "").startswith(UNMODELLED_PREFIXES)
            },
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []

    inspector = inspect(db.engine)
    for table in db.metadata.sorted_tables:
        declared = {c.name for c in table.constraints if c.__class__.__name__ == "CheckConstraint"}
        found = {c["name"] for c in inspector.get_check_constraints(table.name)}
        assert found == declared, table.name
    _drop_everything()


def test_downgrade_base_removes_every_table(app):
    _drop_everything()
    upgrade()
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    _drop_everything()
