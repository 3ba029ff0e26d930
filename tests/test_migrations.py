"""The hand-reviewed migrations must build exactly the schema the models declare."""

import json
import re

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from tracker.calls import seed_default_call
from tracker.extensions import db
from tracker.migrating import attach_migrations
from tracker.models import UNMODELLED_PREFIXES

# Every test here migrates the database up and down: the app fixture rebuilds it after.
pytestmark = pytest.mark.changes_schema


@pytest.fixture(autouse=True)
def _migrations(app):
    """Flask-Migrate, as `flask db` attaches it."""
    attach_migrations(app)


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


OLD_REGIONS = [
    {"key": "georgia", "country": "georgia", "label": {"de": "Georgien", "en": "Georgia"}},
    {"key": "chechnya", "country": "north_caucasus", "label": {"de": "Tschetschenien"}},
    {"key": "elsewhere", "country": "elsewhere", "label": {"de": "Anderswo / Diaspora"}},
]


def _json(value):
    """Return a JSON column's value: SQLite gives the text, PostgreSQL the decoded value."""
    return json.loads(value) if isinstance(value, str) else value


def _insert_old_application(connection, number: int, country: str, region: str, other=None):
    connection.execute(
        text(
            "INSERT INTO applications (id, call_id, reference, form_token, full_name, name_key, "
            "email, country, region, region_other, city, links, preferred_language, consent_at, "
            "privacy_version, status, created_at, access_key, rating_count, version_id) VALUES "
            "(:id, 1, :ref, :token, 'Old Applicant', 'applicant old', 'old@example.org', "
            ":country, :region, :other, 'Kutaisi', '[]', 'de', '2026-01-01 10:00:00', 'v1', "
            "'new', '2026-01-01 10:00:00', :key, 0, 1)"
        ),
        {
            "id": number,
            "ref": f"CW-OLD{number}-AA",
            "token": f"token-{number}",
            "country": country,
            "region": region,
            "other": other,
            "key": f"key-{number}",
        },
    )


def test_0006_moves_each_old_region_to_home_country_and_covered_regions(app):
    """A region becomes the covered region and its country the home country; "elsewhere"
    becomes the home country with its text as the country's name; nothing else is lost."""
    _drop_everything()
    upgrade(revision="0005")
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO calls (id, slug, title, description, regions, topics, targets, "
                "privacy_notice, is_open, created_at) VALUES (1, 'local-experts', '{}', '{}', "
                ":regions, '[]', '{}', '{}', TRUE, '2026-01-01 00:00:00')"
            ),
            {"regions": json.dumps(OLD_REGIONS)},
        )
        _insert_old_application(connection, 1, "georgia", "georgia")
        _insert_old_application(connection, 2, "north_caucasus", "chechnya")
        _insert_old_application(connection, 3, "elsewhere", "elsewhere", "Berlin, Germany")
        connection.execute(
            text(
                "INSERT INTO application_languages (application_id, language, level, position) "
                "VALUES (2, 'ru', 'native', 0)"
            )
        )
    upgrade()
    with db.engine.connect() as connection:
        applications = connection.execute(
            text("SELECT id, country, country_other, city FROM applications ORDER BY id")
        ).all()
        covered = connection.execute(
            text("SELECT application_id, region, position FROM application_regions ORDER BY 1")
        ).all()
        languages = connection.execute(
            text("SELECT application_id, language FROM application_languages")
        ).all()
        regions = _json(connection.execute(text("SELECT regions FROM calls")).scalar())
    assert [tuple(row) for row in applications] == [
        (1, "georgia", None, "Kutaisi"),
        (2, "russia", None, "Kutaisi"),
        (3, "elsewhere", "Berlin, Germany", "Kutaisi"),
    ]
    assert [tuple(row) for row in covered] == [(1, "georgia", 0), (2, "chechnya", 0)]
    # The old columns go without recreating the table: its children are all still there.
    assert [tuple(row) for row in languages] == [(2, "ru")]
    assert regions[:2] == [
        {**OLD_REGIONS[0], "group": "south_caucasus"},
        {**OLD_REGIONS[1], "country": "russia", "group": "north_caucasus"},
    ]
    # The standing call gains the neighbouring regions.
    assert [(r["key"], r["country"], r["group"]) for r in regions[2:]] == [
        ("stavropol", "russia", "neighbouring"),
        ("krasnodar", "russia", "neighbouring"),
        ("black_sea_coast", "russia", "neighbouring"),
    ]
    columns = {column["name"] for column in inspect(db.engine).get_columns("applications")}
    assert {"region", "region_other"}.isdisjoint(columns)

    downgrade(revision="0005")
    with db.engine.connect() as connection:
        restored = connection.execute(
            text("SELECT id, region, region_other FROM applications ORDER BY id")
        ).all()
        regions = _json(connection.execute(text("SELECT regions FROM calls")).scalar())
    assert [tuple(row) for row in restored] == [
        (1, "georgia", None),
        (2, "chechnya", None),
        (3, "elsewhere", "Berlin, Germany"),
    ]
    assert [region["key"] for region in regions] == [
        "georgia",
        "chechnya",
        "stavropol",
        "krasnodar",
        "black_sea_coast",
        "elsewhere",
    ]
    _drop_everything()


RATING_COLUMNS = ("regional_expertise", "german_writing", "sourcing", "story_ideas", "reliability")


def _insert_old_user(connection, number: int = 1) -> int:
    """Insert a staff account with the columns every revision has (no ORM: the model may
    have columns a revision lacks); return its id."""
    connection.execute(
        text(
            "INSERT INTO users (id, email, name, role, active, password_hash, session_version, "
            "password_change_required, created_at) VALUES (:id, :email, 'Old Editor', 'editor', "
            "TRUE, 'x', 1, FALSE, '2026-01-01 10:00:00')"
        ),
        {"id": number, "email": f"old{number}@example.org"},
    )
    return number


def test_0008_keeps_every_rating_and_lets_a_criterion_be_null(app, make_application):
    """Ratings from before 0008 survive the table's recreation whole; afterwards a
    criterion may be NULL ("can't judge yet"), and a downgrade refuses to invent a score."""
    _drop_everything()
    upgrade(revision="0007")
    db.session.expunge_all()  # the call the fixtures made went with the old tables
    call, _ = seed_default_call()
    application = make_application(call=call)
    with db.engine.begin() as connection:
        editor_id = _insert_old_user(connection)
        connection.execute(
            text(
                "INSERT INTO ratings (id, application_id, user_id, regional_expertise, "
                "german_writing, sourcing, story_ideas, reliability, comments, recommendation, "
                "summary, created_at, updated_at) VALUES (1, :application, :user, 5, 3, 4, 2, 1, "
                "'{\"sourcing\": \"Good contacts\"}', 'yes', 'Old', '2026-01-01 10:00:00', "
                "'2026-01-01 10:00:00')"
            ),
            {"application": application.id, "user": editor_id},
        )
    db.session.remove()
    upgrade(revision="0008")
    columns = {c["name"]: c["nullable"] for c in inspect(db.engine).get_columns("ratings")}
    assert [columns[name] for name in RATING_COLUMNS] == [True] * 5
    with db.engine.begin() as connection:
        row = connection.execute(
            text(f"SELECT {', '.join(RATING_COLUMNS)}, comments, recommendation FROM ratings")  # noqa: S608 – fixed column names
        ).one()
        *scores, comments, recommendation = row
        assert (scores, _json(comments), recommendation) == (
            [5, 3, 4, 2, 1],
            {"sourcing": "Good contacts"},
            "yes",
        )
        connection.execute(text("UPDATE ratings SET sourcing = NULL"))
    # The 1-to-5 range still holds for a score that is given (its own transaction: on
    # PostgreSQL the failed statement aborts the transaction it runs in).
    with pytest.raises(IntegrityError), db.engine.begin() as connection:
        connection.execute(text("UPDATE ratings SET reliability = 6"))
    # Flask-Migrate logs the migration's refusal and exits.
    with pytest.raises(SystemExit):
        downgrade(revision="0007")
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == (
            "0008"
        )
        assert connection.execute(text("SELECT sourcing FROM ratings")).scalar() is None
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE ratings SET sourcing = 4"))
    downgrade(revision="0007")
    columns = {c["name"]: c["nullable"] for c in inspect(db.engine).get_columns("ratings")}
    assert [columns[name] for name in RATING_COLUMNS] == [False] * 5
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM ratings")).scalar() == 1
    _drop_everything()


def test_0009_adds_inbox_columns_and_the_recusals_index_and_takes_them_back(app, make_application):
    """Accounts from before 0009 get no choice (NULL: the default columns); a choice is
    kept as JSON; the downgrade drops the column and the index and keeps every account,
    recusal and rating (the users table is altered, never recreated)."""
    _drop_everything()
    upgrade(revision="0008")
    db.session.expunge_all()
    call, _ = seed_default_call()
    application = make_application(call=call)
    with db.engine.begin() as connection:
        editor_id = _insert_old_user(connection)
        connection.execute(
            text(
                "INSERT INTO recusals (application_id, user_id, reason, created_at) "
                "VALUES (:application, :user, 'My cousin', '2026-01-01 10:00:00')"
            ),
            {"application": application.id, "user": editor_id},
        )
    db.session.remove()
    upgrade(revision="0009")
    indexes = {
        index["name"]: index["column_names"] for index in inspect(db.engine).get_indexes("recusals")
    }
    assert indexes["ix_recusals_user_id"] == ["user_id"]
    with db.engine.begin() as connection:
        assert connection.execute(text("SELECT inbox_columns FROM users")).scalar() is None
        connection.execute(
            text("UPDATE users SET inbox_columns = :columns"),
            {"columns": json.dumps(["regions", "status"])},
        )
        stored = connection.execute(text("SELECT inbox_columns FROM users")).scalar()
    assert _json(stored) == ["regions", "status"]
    downgrade(revision="0008")
    assert "inbox_columns" not in {c["name"] for c in inspect(db.engine).get_columns("users")}
    assert "ix_recusals_user_id" not in {
        index["name"] for index in inspect(db.engine).get_indexes("recusals")
    }
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT id, name FROM users")).all() == [
            (editor_id, "Old Editor")
        ]
        assert connection.execute(text("SELECT user_id, reason FROM recusals")).all() == [
            (editor_id, "My cousin")
        ]
    _drop_everything()


def test_0010_gives_every_waiting_email_its_delivery_job_and_takes_the_table_back(app):
    """Emails queued before 0010 get a queued job (with their attempts and next try), an
    email being sent a running job (reset by the worker once stale), sent and draft
    emails none; the downgrade drops the table and leaves the outbox as it was."""
    _drop_everything()
    upgrade(revision="0009")
    emails = [
        (1, "queued", 0, None, None),
        (2, "queued", 2, "2026-01-02 10:00:00", None),
        (3, "sending", 1, None, "2026-01-01 11:00:00"),
        (4, "sent", 1, None, "2026-01-01 11:00:00"),
        (5, "draft", 0, None, None),
    ]
    with db.engine.begin() as connection:
        for number, status, attempts, next_attempt_at, claimed_at in emails:
            connection.execute(
                text(
                    "INSERT INTO outbox_emails (id, template, language, to_address, subject, "
                    "body_text, message_id, status, attempts, next_attempt_at, claimed_at, "
                    "created_at) VALUES (:id, 'custom', 'de', 'a@example.org', 'S', 'B', "
                    ":message_id, :status, :attempts, :next_attempt_at, :claimed_at, "
                    "'2026-01-01 10:00:00')"
                ),
                {
                    "id": number,
                    "message_id": f"<m{number}@example.org>",
                    "status": status,
                    "attempts": attempts,
                    "next_attempt_at": next_attempt_at,
                    "claimed_at": claimed_at,
                },
            )
    upgrade(revision="0010")
    with db.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT kind, payload, status, attempts, next_attempt_at, claimed_at "
                "FROM jobs ORDER BY id"
            )
        ).all()
    assert [
        (kind, _json(payload), status, attempts) for kind, payload, status, attempts, *_ in rows
    ] == [
        ("deliver_email", {"email_id": 1}, "queued", 0),
        ("deliver_email", {"email_id": 2}, "queued", 2),
        ("deliver_email", {"email_id": 3}, "running", 1),
    ]
    assert [str(row.next_attempt_at)[:19] if row.next_attempt_at else None for row in rows] == [
        None,
        "2026-01-02 10:00:00",
        None,
    ]
    assert str(rows[2].claimed_at)[:19] == "2026-01-01 11:00:00"
    indexes = {
        index["name"]: index["column_names"] for index in inspect(db.engine).get_indexes("jobs")
    }
    assert indexes["ix_jobs_status_next_attempt"] == ["status", "next_attempt_at"]
    downgrade(revision="0009")
    assert "jobs" not in inspect(db.engine).get_table_names()
    with db.engine.connect() as connection:
        statuses = connection.execute(
            text("SELECT status FROM outbox_emails ORDER BY id")
        ).scalars()
        assert list(statuses) == ["queued", "queued", "sending", "sent", "draft"]
    _drop_everything()


def _insert_old_document(connection, number: int, application_id: int, kind: str, file_type: str):
    connection.execute(
        text(
            "INSERT INTO documents (id, application_id, kind, filename, file_type, content_type, "
            "size, sha256, storage_key, flags, created_at) VALUES (:id, :application, :kind, "
            "'file', :type, 'application/octet-stream', 10, :sha, :key, '[]', "
            "'2026-01-01 10:00:00')"
        ),
        {
            "id": number,
            "application": application_id,
            "kind": kind,
            "type": file_type,
            "sha": "0" * 64,
            "key": f"{number:032d}",
        },
    )


def test_0011_adds_the_page_count_and_queues_the_counting_of_stored_pdfs(app, make_application):
    """Documents from before 0011 have no count (NULL: not counted yet); each application
    with a PDF gets one extract_text job that counts it, one without a PDF none; the
    downgrade drops the column and keeps every document."""
    _drop_everything()
    upgrade(revision="0010")
    db.session.expunge_all()
    call, _ = seed_default_call()
    with_pdfs, without_pdf = make_application(call=call), make_application(call=call)
    with db.engine.begin() as connection:
        _insert_old_document(connection, 1, with_pdfs.id, "cv", "pdf")
        _insert_old_document(connection, 2, with_pdfs.id, "writing_sample", "pdf")
        _insert_old_document(connection, 3, without_pdf.id, "cv", "docx")
    application_ids = (with_pdfs.id, without_pdf.id)
    db.session.remove()
    upgrade(revision="0011")
    with db.engine.begin() as connection:
        documents = connection.execute(
            text("SELECT id, page_count FROM documents ORDER BY id")
        ).all()
        jobs = connection.execute(text("SELECT kind, payload, status, attempts FROM jobs")).all()
        connection.execute(text("UPDATE documents SET page_count = 3 WHERE id = 1"))
    assert [tuple(row) for row in documents] == [(1, None), (2, None), (3, None)]
    assert [
        (kind, _json(payload), status, attempts) for kind, payload, status, attempts in jobs
    ] == [("extract_text", {"application_id": application_ids[0]}, "queued", 0)]
    downgrade(revision="0010")
    assert "page_count" not in {c["name"] for c in inspect(db.engine).get_columns("documents")}
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT id FROM documents ORDER BY id")).scalars().all() == [
            1,
            2,
            3,
        ]
    _drop_everything()


def test_0012_and_0013_index_the_default_order_and_count_changes_and_take_both_back(
    app, make_application
):
    """0012 swaps the index of created_at for (created_at, id); 0013 adds change_counts
    and the triggers that count every change to what the inbox's filters read."""
    _drop_everything()
    upgrade(revision="0011")
    db.session.expunge_all()
    call, _ = seed_default_call()
    make_application(call=call)
    db.session.remove()
    upgrade(revision="0013")

    def indexes() -> set[str]:
        return {index["name"] for index in inspect(db.engine).get_indexes("applications")}

    def counted_changes() -> list[tuple[str, int]]:
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE applications SET city = 'Batumi'"))
            connection.execute(text("UPDATE application_regions SET position = 0"))
        with db.engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text("SELECT * FROM change_counts"))]

    assert "ix_applications_created_id" in indexes()
    assert "ix_applications_created_at" not in indexes()
    # One transaction of two statements: counted once on PostgreSQL, per row on SQLite.
    assert counted_changes() == [
        ("applications", 1 if db.engine.dialect.name == "postgresql" else 2)
    ]
    downgrade(revision="0011")
    assert "change_counts" not in inspect(db.engine).get_table_names()
    assert "ix_applications_created_at" in indexes()
    assert "ix_applications_created_id" not in indexes()
    with db.engine.begin() as connection:  # no trigger is left to fail on the missing table
        connection.execute(text("UPDATE applications SET city = 'Kutaisi'"))
    _drop_everything()


def test_0017_adds_saved_views_counted_as_changes_of_the_staff_and_takes_them_back(app, make_user):
    """0017 adds saved_views and start_views; every change to them counts as "staff"."""
    _drop_everything()
    upgrade(revision="0017")
    db.session.expunge_all()
    user_id = make_user("ana@example.org").id
    db.session.remove()

    def staff_count() -> int:
        with db.engine.connect() as connection:
            return connection.execute(
                text("SELECT value FROM change_counts WHERE name = 'staff'")
            ).scalar_one()

    before = staff_count()
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO saved_views (id, owner_id, name, query, shared, created_at) "
                "VALUES (1, :user, 'Georgien', 'region=georgia', false, CURRENT_TIMESTAMP)"
            ),
            {"user": user_id},
        )
    with db.engine.begin() as connection:
        connection.execute(
            text("INSERT INTO start_views (user_id, view_id) VALUES (:user, 1)"),
            {"user": user_id},
        )
    assert staff_count() == before + 2
    with db.engine.begin() as connection:  # deleting the view takes the start page with it
        connection.execute(text("DELETE FROM saved_views"))
        assert connection.execute(text("SELECT count(*) FROM start_views")).scalar_one() == 0
    downgrade(revision="0013")
    tables = inspect(db.engine).get_table_names()
    assert "saved_views" not in tables
    assert "start_views" not in tables
    _drop_everything()


def test_0016_gives_every_application_a_reply_token_and_lets_an_email_bounce(app, make_application):
    """Applications from before 0016 get a random reply token each; an email may be
    "bounced" afterwards, and the downgrade turns it back into "sent"."""
    _drop_everything()
    upgrade(revision="0013")
    db.session.expunge_all()
    call, _ = seed_default_call()
    first, second = make_application(call=call).id, make_application(call=call).id
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO outbox_emails (id, application_id, template, language, to_address, "
                "subject, body_text, message_id, status, attempts, created_at) VALUES (1, :id, "
                "'custom', 'de', 'a@example.org', 'S', 'B', '<m@example.org>', 'sent', 1, "
                "'2026-12-01 10:00:00')"
            ),
            {"id": first},
        )
    db.session.remove()
    upgrade(revision="0016")

    with db.engine.begin() as connection:
        tokens = dict(
            connection.execute(text("SELECT application_id, token FROM reply_addresses")).all()
        )
        connection.execute(text("UPDATE outbox_emails SET status = 'bounced'"))
    assert sorted(tokens) == [first, second]
    assert all(re.fullmatch(r"[0-9a-f]{32}", token) for token in tokens.values())
    assert len(set(tokens.values())) == 2
    downgrade(revision="0013")
    tables = set(inspect(db.engine).get_table_names())
    assert not tables & {"reply_addresses", "applicant_replies", "reply_attachments"}
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT status FROM outbox_emails")).scalar() == "sent"
    with pytest.raises(IntegrityError), db.engine.begin() as connection:
        connection.execute(text("UPDATE outbox_emails SET status = 'bounced'"))
    _drop_everything()


def test_0019_lets_any_language_code_in_and_keeps_every_row(app, make_application):
    """0019 turns the language CHECKs into a code's shape: Georgian is stored, the rows
    around an application survive (SQLite's table is not recreated), "Ka" and "kart" are
    still refused, and the downgrade waits until no row holds a new language."""
    _drop_everything()
    upgrade(revision="0018")
    db.session.expunge_all()
    call, _ = seed_default_call()
    application_id = make_application(call=call).id
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO comments (application_id, body, created_at, shared_with_guests) "
                "VALUES (:id, 'Stark', '2026-12-01 10:00:00', false)"
            ),
            {"id": application_id},
        )
        connection.execute(
            text(
                "INSERT INTO email_templates (key, language, subject, body_text, updated_at) "
                "VALUES ('rejection', 'de', 'S', 'B', '2026-12-01 10:00:00')"
            )
        )
    db.session.remove()
    upgrade(revision="0019")

    def set_language(table: str, column: str, code: str) -> None:
        with db.engine.begin() as connection:
            # Table and column names are this test's own constants.
            statement = text(f"UPDATE {table} SET {column} = :code")  # noqa: S608
            connection.execute(statement, {"code": code})

    set_language("applications", "preferred_language", "ka")
    set_language("email_templates", "language", "hy")
    for table, column in (("applications", "preferred_language"), ("email_templates", "language")):
        for code in ("Ka", "kart", "k"):
            with pytest.raises(IntegrityError):
                set_language(table, column, code)
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT body FROM comments")).scalars().all() == ["Stark"]
        assert connection.execute(text("SELECT preferred_language FROM applications")).all() == [
            ("ka",)
        ]
    with pytest.raises(SystemExit):  # Flask-Migrate exits on the RuntimeError
        downgrade(revision="0018")
    set_language("applications", "preferred_language", "ru")
    set_language("email_templates", "language", "en")
    downgrade(revision="0018")
    with pytest.raises(IntegrityError):
        set_language("applications", "preferred_language", "ka")
    with pytest.raises(IntegrityError):
        set_language("email_templates", "language", "hy")
    _drop_everything()


def test_0020_adds_the_sample_facts_tables_and_queues_every_stored_sample(app, make_application):
    """Each application with a writing sample gets one sample_facts job, one without none;
    a sample's facts count as a change of the applications (the inbox filters by them); the
    downgrade drops the three tables and the jobs of the kind it removes."""
    _drop_everything()
    upgrade(revision="0019")
    db.session.expunge_all()
    call, _ = seed_default_call()
    with_sample, without_sample = make_application(call=call), make_application(call=call)
    with db.engine.begin() as connection:
        _insert_old_document(connection, 1, with_sample.id, "writing_sample", "odt")
        _insert_old_document(connection, 2, without_sample.id, "cv", "pdf")
    sample_owner = with_sample.id
    db.session.remove()
    upgrade(revision="0020")
    with db.engine.begin() as connection:
        jobs = connection.execute(text("SELECT kind, payload, status FROM jobs")).all()
        before = connection.execute(
            text("SELECT value FROM change_counts WHERE name = 'applications'")
        ).scalar()
        connection.execute(
            text(
                "INSERT INTO sample_facts (document_id, application_id, word_count, has_text, "
                "language, language_confidence, computed_at) "
                "VALUES (1, :id, 12, true, 'ka', 0.9, '2026-12-05 06:00:00')"
            ),
            {"id": sample_owner},
        )
    with db.engine.connect() as connection:
        after = connection.execute(
            text("SELECT value FROM change_counts WHERE name = 'applications'")
        ).scalar()
    assert [(kind, _json(payload), status) for kind, payload, status in jobs] == [
        ("sample_facts", {"application_id": sample_owner}, "queued")
    ]
    assert after == (before or 0) + 1
    downgrade(revision="0019")
    tables = set(inspect(db.engine).get_table_names())
    assert not tables & {"sample_facts", "sample_bands", "sample_matches"}
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM jobs")).scalar() == 0
    _drop_everything()
