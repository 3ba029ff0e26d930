"""The `flask --app tracker …` commands that set up a fresh installation."""

from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from tracker.extensions import db
from tracker.migrating import MIGRATIONS_FOLDER
from tracker.models import Call, User


def test_seed_default_creates_the_call_once(runner):
    first = runner.invoke(args=["calls", "seed-default"])
    second = runner.invoke(args=["calls", "seed-default"])
    assert first.output == "Created call 'local-experts'.\n"
    assert second.output == "Kept existing call 'local-experts'.\n"
    call = db.session.scalar(select(Call))
    assert call.title["en"] == "Local experts wanted"
    assert [region["key"] for region in call.regions][:3] == ["georgia", "abkhazia", "tskhinvali"]
    assert db.session.scalar(select(func.count()).select_from(Call)) == 1


def test_bootstrap_admin_creates_one_admin_and_prints_its_password_once(runner):
    first = runner.invoke(args=["users", "bootstrap-admin", "--email", "Chief@Example.org"])
    second = runner.invoke(args=["users", "bootstrap-admin"])
    lines = first.output.splitlines()
    assert lines[0].startswith("Created the first admin chief@example.org. One-time password: ")
    password = lines[0].rsplit(" ", 1)[1]
    user = db.session.scalar(select(User))
    assert (user.role, user.password_change_required) == ("admin", True)
    assert check_password_hash(user.password_hash, password)
    assert second.output == "An admin account exists already; nothing to do.\n"
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_users_create_refuses_a_duplicate_and_a_bad_address(runner):
    created = runner.invoke(args=["users", "create", "editor@example.org", "--name", "Ana"])
    duplicate = runner.invoke(args=["users", "create", "EDITOR@example.org"])
    invalid = runner.invoke(args=["users", "create", "not-an-address"])
    assert created.output.startswith("Created editor editor@example.org. One-time password: ")
    assert duplicate.exit_code == 1
    assert "An account for editor@example.org exists already." in duplicate.output
    assert invalid.exit_code == 1
    assert "Error:" in invalid.output
    assert [u.email for u in db.session.scalars(select(User))] == ["editor@example.org"]


def test_flask_db_hands_over_to_flask_migrate(app, runner):
    """`flask db` is listed without loading Flask-Migrate, and runs its commands."""
    assert "migrate" not in app.extensions
    listed = runner.invoke(args=["--help"])
    assert "  db " in listed.output
    heads = runner.invoke(args=["db", "heads"])
    assert heads.exit_code == 0, heads.output
    # (Alembic prints to the standard output it found on import, past the runner's.)
    attached = app.extensions["migrate"]
    assert (attached.db, attached.directory) == (db, str(MIGRATIONS_FOLDER))
