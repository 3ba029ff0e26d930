"""The inbox page's model: paging, what each row shows, its labels, a bounded number of queries."""

from __future__ import annotations

import os
import re
from datetime import datetime

from sqlalchemy import select

from tests.inbox.test_query import (  # noqa: F401 - people is a fixture
    SORTED,
    count_statements,
    languages,
    names,
    people,
    topics,
)
from tests.sql_log import statements_sent
from tracker.applications.ratings import CRITERIA
from tracker.enums import Status
from tracker.extensions import db
from tracker.inbox.filter import InboxFilter
from tracker.inbox.query import status_counts
from tracker.models import Document, Rating, Tag, User
from tracker.review.inbox_page import inbox_page
from tracker.search import index_application


def test_120_applications_make_three_pages_of_50(make_application, make_user):
    user = make_user()
    for number in range(120):
        make_application(
            full_name=f"Person {number:03d}",
            created_at=datetime(2026, 1, 1, 0, number // 60, number % 60),
        )
    first = inbox_page(InboxFilter(sort="name"), user=user)
    assert (first.total, first.pages, first.page, len(first.rows)) == (120, 3, 1, 50)
    assert [row.application.full_name for row in first.rows[:2]] == ["Person 000", "Person 001"]
    last = inbox_page(InboxFilter(sort="name", page=3), user=user)
    assert [row.application.full_name for row in last.rows] == [
        f"Person {number:03d}" for number in range(100, 120)
    ]
    beyond = inbox_page(InboxFilter.from_args({"sort": "name", "page": "999999"}), user=user)
    assert (beyond.page, [row.id for row in beyond.rows]) == (3, [row.id for row in last.rows])
    assert (beyond.first_number, beyond.last_number) == (101, 120)
    everything = inbox_page(InboxFilter.from_args({"per_page": "100000"}), user=user)
    assert (everything.filter.per_page, len(everything.rows), everything.pages) == (100, 100, 2)


def test_an_empty_inbox_is_one_empty_page(make_user, call):
    page = inbox_page(InboxFilter.from_args({"page": "5"}), user=make_user())
    assert (page.total, page.pages, page.page, page.rows) == (0, 1, 1, [])
    assert (page.first_number, page.last_number) == (0, 0)


# --- Rows ------------------------------------------------------------------------------


def test_a_row_shows_everything_the_table_needs(people):  # noqa: F811
    document(people["nino"], "cv")
    document(people["nino"], "writing_sample")
    db.session.commit()
    page = inbox_page(InboxFilter.from_args({"sort": "name"}), user=people["ana"], language="en")
    rows = {row.application.full_name: row for row in page.rows}
    nino = rows["Nino Beridze"]
    assert (nino.regions, nino.country) == (["Georgia"], "Georgia")
    assert nino.languages == ["German: B2 (upper intermediate)", "Georgian: native"]
    assert nino.topics == ["Politics"]
    assert nino.status is Status.NEW
    assert (nino.rating_count, nino.rating_mean, nino.rated_by_me) == (2, 3.0, True)
    assert nino.criterion_means == dict.fromkeys(CRITERIA, 3.0)
    assert nino.assignee == "Ana"
    assert nino.received == datetime(2026, 11, 1, 10, 0)
    assert nino.documents == ["cv", "writing_sample"]
    assert nino.tags == ["video"]
    aram = rows["Aram Petrosyan"]
    # Ben rated Aram; Ana has not: the blind first pass hides the mean from her.
    assert (aram.rating_count, aram.rating_mean, aram.rated_by_me) == (1, None, False)
    assert aram.criterion_means is None
    assert aram.topics == ["Culture", "Economy"]
    assert (aram.assignee, aram.documents, aram.tags) == (None, [], [])


def test_german_labels_for_regions_and_topics(people):  # noqa: F811
    page = inbox_page(
        InboxFilter.from_args({"region": "dagestan"}), user=people["ana"], language="de"
    )
    assert (page.rows[0].regions, page.rows[0].topics) == (
        ["Dagestan"],
        ["Konflikte und Sicherheit"],
    )


def document(application, kind):
    db.session.add(
        Document(
            application_id=application.id,
            kind=kind,
            filename=f"{kind}.pdf",
            file_type="pdf",
            content_type="application/pdf",
            size=100,
            sha256="0" * 64,
            storage_key=os.urandom(16).hex(),
        )
    )


def full_rows(make_application, users, count):
    """*count* applications with everything a row shows: languages, topics, tags,
    documents, an assignee and two ratings (written directly: this is about reading)."""
    ana, ben = users
    video = db.session.scalar(select(Tag).where(Tag.name == "video")) or Tag(name="video")
    for number in range(count):
        application = make_application(
            full_name=f"Person {os.urandom(4).hex()}",
            languages=languages(("de", "B2"), ("ru", "C1")),
            topics=topics("politics", "media"),
            assignee_id=users[number % 2].id,
            tags=[video, Tag(name=os.urandom(8).hex())],
            rating_count=2,
            rating_mean=3.5,
        )
        document(application, "cv")
        document(application, "cover_letter")
        for user, score in ((ana, 3), (ben, 4)):
            db.session.add(
                Rating(
                    application_id=application.id,
                    user_id=user.id,
                    recommendation="yes",
                    **dict.fromkeys(CRITERIA, score),
                )
            )
    db.session.commit()


def test_a_page_takes_the_same_few_queries_for_5_rows_and_for_50(make_application, make_user):
    users = (make_user("ana@example.org", name="Ana"), make_user("ben@example.org", name="Ben"))
    inbox_filter = InboxFilter.from_args({"language": "de", "sort": "-rating"})

    def page():
        # A fresh session, as a request has: nothing loaded before the page is read.
        db.session.expunge_all()
        user = db.session.get(User, user_ids[0])
        return count_statements(lambda: show(inbox_page(inbox_filter, user=user, language="en")))

    def show(result):
        # Touch everything the template shows: nothing may load lazily.
        for row in result.rows:
            assert row.assignee in {"Ana", "Ben"}
            assert row.criterion_means is not None
            assert (len(row.tags), len(row.languages), len(row.topics)) == (2, 2, 2)
            assert row.regions == ["Georgia"]
            assert row.documents == ["cv", "cover_letter"]

    user_ids = [user.id for user in users]
    page()  # the calls and accounts are read, and kept while they do not change
    users = [db.session.get(User, user_id) for user_id in user_ids]
    full_rows(make_application, users, 5)
    small = page()
    users = [db.session.get(User, user_id) for user_id in user_ids]
    full_rows(make_application, users, 45)
    large = page()
    assert small == large
    # the change counts, and after a change of the applications the tags, the status
    # counts and whether anyone is hidden from me; the page, the rows' lists (covered
    # regions, languages, topics, tags, documents: one query), my ratings, means, versions
    # ("2nd application")
    assert large == 9


# --- Hostile input ---------------------------------------------------------------------


HOSTILE = ["' OR 1=1 --", "%", "_", '"', ";DROP TABLE applications", "\\", "*", "NEAR(a b)"]
FILTERS = ["region", "status", "language", "topic", "tag", "assignee", "rated", "q"]


def test_sql_metacharacters_match_nothing_unexpected(people):  # noqa: F811
    for name in FILTERS:
        for value in HOSTILE:
            parsed = InboxFilter.from_args({name: value})
            page = inbox_page(parsed, user=people["ana"])
            ignored = name in {"status", "assignee", "rated"} or (
                name == "language" and len(value) > 10
            )
            # An invalid choice (or one longer than any language code) is ignored.
            assert len(page.rows) == (5 if ignored else 0), (name, value)
            assert sum(status_counts(parsed, user=people["ana"]).values()) == len(page.rows)
    assert names(people, {}) == SORTED["-received"]  # nothing was dropped or changed


def test_metacharacters_in_names_are_matched_literally(make_application, make_user):
    user = make_user()
    percent = make_application(full_name="100% Sure", region="armenia")
    make_application(full_name="Someone Else", region="georgia")
    index_application(percent)
    db.session.commit()
    assert [row.id for row in inbox_page(InboxFilter.from_args({"q": "100%"}), user=user).rows] == [
        percent.id
    ]
    assert inbox_page(InboxFilter.from_args({"region": "%"}), user=user).total == 0
    assert inbox_page(InboxFilter.from_args({"region": "_rmenia"}), user=user).total == 0


def test_a_later_application_from_one_address_to_one_call_is_marked(
    make_application, make_user, editor_client
):
    from datetime import timedelta

    from tracker.models import utcnow

    now = utcnow()
    make_application(email="nino@example.org", created_at=now - timedelta(days=2))
    second = make_application(email="nino@example.org", created_at=now - timedelta(days=1))
    third = make_application(email="nino@example.org", created_at=now)
    other = make_application(email="nana@example.org", created_at=now)
    page = inbox_page(InboxFilter(), user=make_user("ana@example.org"), language="en")
    labels = {row.id: row.version_label for row in page.rows}
    assert labels[second.id] == "2nd application"
    assert labels[third.id] == "3rd application"
    assert labels[other.id] is None
    assert sorted(label for label in labels.values() if label) == [
        "2nd application",
        "3rd application",
    ]
    markup = editor_client.get("/review/?lang=en").text
    assert '<span class="badge version-badge">2nd application</span>' in markup


def test_the_inbox_request_reads_each_table_once(make_application, make_user, editor_client):
    users = (make_user("ana@example.org", name="Ana"), make_user("ben@example.org", name="Ben"))
    full_rows(make_application, users, 5)
    db.session.expunge_all()

    def tables_read(statements: list[str]) -> list[str]:
        # The table each SELECT reads first, e.g. "users" for the signed-in account.
        return [
            re.search(r"\bFROM (\w+)", " ".join(statement.split()))[1]
            for statement in statements
            if statement.startswith("SELECT")
        ]

    with statements_sent() as sent:
        page = editor_client.get("/review/?lang=en").text
    tables = tables_read(sent)
    assert page.count('<td class="col-assignee" data-label="Assignee">Ana</td>') == 3
    assert page.count('<td class="col-assignee" data-label="Assignee">Ben</td>') == 2
    # The signed-in account; the change counts; the calls, accounts and tags, for the rows
    # and the filter form (not read yet since they changed); the status counts (likewise);
    # whether any applicant at risk is hidden from this editor (likewise); the page; every
    # list of its rows in one query (it starts with regions); my ratings; versions; the tags
    # hidden from this editor, the team's saved views and start pages (likewise); the
    # header's count of unread notifications.
    assert tables == [
        "users",
        "change_counts",
        "calls",
        "users",
        "tags",
        "applications",
        "applicant_safety",
        "applications",
        "application_regions",
        "ratings",
        "applications",
        "tags",  # only those that only applicants at risk hidden from the editor carry
        "saved_views",
        "start_views",
        "notifications",  # the header's unread count
    ]
    # A second view reads none of what did not change: no calls, accounts or tags.
    with statements_sent() as sent:
        editor_client.get("/review/?lang=en")
    tables = tables_read(sent)
    assert "tags" not in tables
    assert "calls" not in tables
    assert "applicant_safety" not in tables
