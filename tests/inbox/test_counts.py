"""What the inbox keeps until it changes: the status tabs, the calls, accounts and tags."""

from __future__ import annotations

import pytest
from sqlalchemy import text, update

from tests.sql_log import statements_sent
from tracker.app_cache import KeptValues
from tracker.applications.pipeline import set_status
from tracker.applications.ratings import CRITERIA, add_rating, recuse
from tracker.applications.teamwork import add_comment, add_tag, assign
from tracker.enums import Status
from tracker.extensions import db
from tracker.inbox.counts import cached_status_counts, change_counts
from tracker.inbox.filter import InboxFilter
from tracker.models import Application, ApplicationRegion, Call, Tag
from tracker.review.inbox_page import Directory
from tracker.search import index_application


@pytest.fixture
def two(make_application, make_user):
    """Two applicants in Georgia (one in review) and two editors."""
    ana = make_user("ana@example.org", name="Ana")
    ben = make_user("ben@example.org", name="Ben")
    nino = make_application(full_name="Nino Beridze", region="georgia")
    levan = make_application(
        full_name="Levan Kapanadze",
        email="levan@example.org",
        region="georgia",
        status=Status.IN_REVIEW.value,
    )
    db.session.commit()
    return {"ana": ana, "ben": ben, "nino": nino, "levan": levan}


def statements_of(action) -> tuple[object, list[str]]:
    """Return what *action* returned and the tables its SELECTs read first."""
    with statements_sent() as sent:
        result = action()
    tables = [
        " ".join(s.split()).split(" FROM ")[1].split()[0] for s in sent if s.startswith("SELECT")
    ]
    return result, tables


def applications_change_count() -> int:
    return change_counts().get("applications", 0)


def tabs(counts) -> dict[str, int]:
    return {status.value: count for status, count in counts.items() if count}


CHANGES = {
    "a status": lambda p: set_status(p["nino"], Status.IN_REVIEW, by=p["ana"]),
    "an assignee": lambda p: assign(p["nino"], p["ben"], by=p["ana"]),
    "a tag on an application": lambda p: add_tag(p["nino"], "trial", by=p["ana"]),
    "a rating": lambda p: add_rating(
        p["nino"], by=p["ana"], scores=dict.fromkeys(CRITERIA, 4), recommendation="yes"
    ),
    "a recusal": lambda p: recuse(p["levan"], by=p["ben"]),
    "a covered region": lambda p: db.session.add(
        ApplicationRegion(application_id=p["nino"].id, region="armenia", position=1)
    ),
    "the search index": lambda p: index_application(p["levan"]),
    "a statement outside the ORM": lambda p: db.session.execute(
        update(Application).values(city="Batumi")
    ),
}


@pytest.mark.parametrize("change", CHANGES)
def test_each_change_to_what_the_filters_read_is_counted(two, change):
    before = applications_change_count()
    CHANGES[change](two)
    db.session.commit()
    assert applications_change_count() > before


def test_a_renamed_tag_is_counted(two):
    add_tag(two["nino"], "trial", by=two["ana"])
    before = applications_change_count()
    db.session.execute(update(Tag).values(name="trial-2"))
    db.session.commit()
    assert applications_change_count() > before


def test_a_comment_is_not_a_change_of_the_filters(two):
    before = applications_change_count()
    add_comment(two["nino"], "Strong sample.", by=two["ana"])
    assert applications_change_count() == before


def test_postgresql_counts_a_transaction_once_and_sqlite_each_row(two):
    before = applications_change_count()
    db.session.execute(update(Application).values(city="Batumi"))  # two rows
    db.session.execute(update(ApplicationRegion).values(position=0))  # two rows
    db.session.commit()
    once_per_transaction = db.engine.dialect.name == "postgresql"
    assert applications_change_count() - before == (1 if once_per_transaction else 4)


def test_the_tabs_are_counted_once_per_change(two):
    ana = two["ana"]

    def counted(args):
        assert ana.id  # loaded first: a commit expired the account
        f = InboxFilter.from_args(args)
        return statements_of(lambda: cached_status_counts(f, user=ana, changes=change_counts()))

    first, read = counted({"region": "georgia"})
    assert (tabs(first), read) == ({"new": 1, "in_review": 1}, ["change_counts", "applications"])
    # Another status, page or order of the same filter: the same tabs, not counted again.
    again, read = counted({"region": "georgia", "status": "new", "page": "2", "sort": "name"})
    assert (tabs(again), read) == ({"new": 1, "in_review": 1}, ["change_counts"])

    set_status(two["levan"], Status.SHORTLISTED, by=ana)
    after, read = counted({"region": "georgia"})
    assert tabs(after) == {"new": 1, "shortlisted": 1}
    assert read == ["change_counts", "applications"]


def test_the_tabs_of_rated_by_me_are_each_users_own(two):
    add_rating(two["nino"], by=two["ana"], scores=dict.fromkeys(CRITERIA, 4), recommendation="yes")
    mine = InboxFilter.from_args({"rated": "me"})
    changes = change_counts()
    assert tabs(cached_status_counts(mine, user=two["ana"], changes=changes)) == {"new": 1}
    assert tabs(cached_status_counts(mine, user=two["ben"], changes=changes)) == {}


def test_a_database_without_any_change_yet_counts_from_zero(make_user):
    ana = make_user("ana@example.org", name="Ana")
    db.session.execute(text("DELETE FROM change_counts"))
    db.session.commit()
    assert change_counts() == {}
    assert tabs(cached_status_counts(InboxFilter(), user=ana, changes={})) == {}


def test_the_calls_accounts_and_tags_are_read_once_per_change_of_them(two, call):
    first, read = statements_of(Directory.load)
    assert read == ["change_counts", "calls", "users", "tags"]
    assert [user.name for user in first.users.values()] == ["Ana", "Ben"]
    assert (first.calls[call.id].title["en"], first.tags) == (call.title["en"], [])
    again, read = statements_of(Directory.load)
    assert (again.users, again.calls, again.tags, read) == (
        first.users,
        first.calls,
        [],
        ["change_counts"],
    )

    two["ben"].name = "Ben Editor"
    db.session.commit()
    add_tag(two["nino"], "trial", by=two["ana"])
    renamed, read = statements_of(Directory.load)
    assert read == ["change_counts", "users", "tags"]
    assert ([user.name for user in renamed.users.values()], renamed.tags) == (
        ["Ana", "Ben Editor"],
        ["trial"],
    )

    db.session.execute(update(Call).values(title={**call.title, "en": "Experts wanted"}))
    db.session.commit()
    retitled, read = statements_of(Directory.load)
    assert (retitled.calls[call.id].title["en"], read) == (
        "Experts wanted",
        ["change_counts", "calls"],
    )


def test_a_process_keeps_the_most_recently_used_entries_of_each_kind(monkeypatch):
    monkeypatch.setattr("tracker.app_cache.KEPT", 2)
    values, reads = KeptValues(), []

    def read(key):
        return lambda: reads.append(key) or key * 10

    for key in (1, 2, 1, 3, 1, 2):  # 3 drops 2 (1 was used since), then 2 is read again
        assert values.get_or_read((key,), read(key)) == key * 10
    assert reads == [1, 2, 3, 2]
