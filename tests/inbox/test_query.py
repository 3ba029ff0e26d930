"""The inbox's queries: each filter, counts per status, sorting, paging, neighbours, N+1."""

from __future__ import annotations

import os
from datetime import date, datetime

import pytest
from sqlalchemy import event, select

from tracker.applications.pipeline import bulk_set_status
from tracker.applications.ratings import CRITERIA, add_rating
from tracker.applications.teamwork import set_tags
from tracker.enums import Status
from tracker.extensions import db
from tracker.inbox.query import (
    DEFAULT_SORT,
    InboxFilter,
    inbox_page,
    inbox_query,
    iter_filtered,
    neighbours,
    selected_applications,
    status_counts,
)
from tracker.models import ApplicationLanguage, ApplicationTopic, Document, Rating, Tag, User
from tracker.search import index_application


def languages(*pairs):
    return [
        ApplicationLanguage(language=code, level=level, position=position)
        for position, (code, level) in enumerate(pairs)
    ]


def topics(*keys):
    return [ApplicationTopic(topic=key) for key in keys]


def rate(application, user, score):
    add_rating(
        application,
        by=user,
        scores=dict.fromkeys(CRITERIA, score),
        recommendation="yes",
    )


@pytest.fixture
def people(make_application, make_user):
    """Five applicants and two editors, Ana (the user of every query) and Ben."""
    ana = make_user("ana@example.org", name="Ana")
    ben = make_user("ben@example.org", name="Ben")
    rows = {
        "nino": make_application(
            full_name="Nino Beridze",
            region="georgia",
            status=Status.NEW.value,
            languages=languages(("de", "B2"), ("ka", "native")),
            topics=topics("politics"),
            created_at=datetime(2026, 11, 1, 10, 0),
            assignee_id=ana.id,
        ),
        "aram": make_application(
            full_name="Aram Petrosyan",
            email="aram@example.org",
            country="armenia",
            region="armenia",
            city="Gyumri",
            status=Status.IN_REVIEW.value,
            languages=languages(("de", "C1"), ("hy", "native")),
            topics=topics("culture", "economy"),
            created_at=datetime(2026, 11, 2, 9, 0),
        ),
        "leyla": make_application(
            full_name="Leyla Aliyeva",
            email="leyla@example.org",
            country="azerbaijan",
            region="azerbaijan",
            city="Ganja",
            status=Status.SHORTLISTED.value,
            languages=languages(("de", "B1"), ("az", "native"), ("ru", "C2")),
            topics=topics("human_rights"),
            created_at=datetime(2026, 11, 3, 12, 0),
            assignee_id=ben.id,
        ),
        "zaur": make_application(
            full_name="Zaur Magomedov",
            email="zaur@example.org",
            country="russia",
            region="dagestan",
            city="Derbent",
            status=Status.REJECTED.value,
            languages=languages(("de", "A2"), ("ru", "native")),
            topics=topics("security"),
            created_at=datetime(2026, 11, 4, 23, 59),
            assignee_id=ana.id,
        ),
        "elena": make_application(
            full_name="Elena Kokoeva",
            email="elena@example.org",
            country="russia",
            region="north_ossetia",
            city="Vladikavkaz",
            status=Status.NEW.value,
            languages=languages(("de", "C2")),
            topics=topics("media"),
            created_at=datetime(2026, 11, 5, 8, 0),
        ),
    }
    set_tags(rows["nino"], ["video"], by=ana)
    set_tags(rows["leyla"], ["photo", "video"], by=ana)
    rate(rows["nino"], ana, 4)
    rate(rows["nino"], ben, 2)
    rate(rows["leyla"], ana, 5)
    rate(rows["aram"], ben, 5)
    for application in rows.values():
        index_application(application)
    db.session.commit()
    return {"ana": ana, "ben": ben, **rows}


def names(people, args) -> list[str]:
    """Return the names (first word, lower case) the inbox lists for *args*, in order."""
    by_id = {value.id: key for key, value in people.items() if key not in {"ana", "ben"}}
    query = inbox_query(InboxFilter.from_args(args), user=people["ana"])
    return [by_id[application.id] for application in db.session.scalars(query)]


# --- Filters ---------------------------------------------------------------------------


FILTERED = [
    ({}, ["elena", "zaur", "leyla", "aram", "nino"]),
    ({"region": "dagestan"}, ["zaur"]),
    ({"region": "nowhere"}, []),
    ({"status": "new"}, ["elena", "nino"]),
    ({"status": ["new", "rejected"]}, ["elena", "zaur", "nino"]),
    ({"status": "new,rejected"}, ["elena", "zaur", "nino"]),
    ({"status": "bogus"}, ["elena", "zaur", "leyla", "aram", "nino"]),
    ({"status": ["bogus", "in_review"]}, ["aram"]),
    ({"language": "ru"}, ["zaur", "leyla"]),
    ({"language": "ka"}, ["nino"]),
    ({"topic": "culture"}, ["aram"]),
    ({"topic": "economy"}, ["aram"]),
    ({"tag": "video"}, ["leyla", "nino"]),
    ({"tag": "photo"}, ["leyla"]),
    ({"tag": "unknown"}, []),
    ({"assignee": "me"}, ["zaur", "nino"]),
    ({"assignee": "nobody"}, ["elena", "aram"]),
    ({"assignee": "someone"}, ["zaur", "leyla", "nino"]),
    ({"assignee": "99999"}, []),
    ({"assignee": "everyone"}, ["elena", "zaur", "leyla", "aram", "nino"]),
    ({"rated": "me"}, ["leyla", "nino"]),
    ({"rated": "not_me"}, ["elena", "zaur", "aram"]),
    ({"rated": "maybe"}, ["elena", "zaur", "leyla", "aram", "nino"]),
    ({"received_from": "2026-11-02"}, ["elena", "zaur", "leyla", "aram"]),
    ({"received_to": "2026-11-04"}, ["zaur", "leyla", "aram", "nino"]),
    (
        {"received_from": "2026-11-02", "received_to": "2026-11-04"},
        ["zaur", "leyla", "aram"],
    ),
    ({"received_from": "2026-11-05", "received_to": "2026-11-01"}, []),
    ({"received_from": "notadate"}, ["elena", "zaur", "leyla", "aram", "nino"]),
    ({"received_to": "9999-12-31"}, ["elena", "zaur", "leyla", "aram", "nino"]),
    ({"q": "Beridze"}, ["nino"]),
    ({"q": "gyumri"}, ["aram"]),
    ({"q": "Vladi"}, ["elena"]),
    ({"q": "nobody-has-this-word"}, []),
]


def mismatches(people, cases) -> dict[str, list[str]]:
    """Return {args: names listed} for every case whose listing is not the expected one."""
    found = {repr(args): names(people, args) for args, _ in cases}
    return {
        repr(args): found[repr(args)] for args, expected in cases if found[repr(args)] != expected
    }


def test_each_filter_alone_returns_exactly_its_applications(people):
    assert mismatches(people, FILTERED) == {}


def test_the_call_filter_keeps_the_calls_applications(people, call):
    assert names(people, {"call": str(call.id)}) == ["elena", "zaur", "leyla", "aram", "nino"]
    assert names(people, {"call": "99999"}) == []
    assert names(people, {"call": "x"}) == ["elena", "zaur", "leyla", "aram", "nino"]


def test_the_assignee_filter_takes_a_user_id(people):
    assert names(people, {"assignee": str(people["ben"].id)}) == ["leyla"]


COMBINED = [
    ({"language": "ru", "status": "rejected"}, ["zaur"]),
    ({"region": "georgia", "assignee": "me", "tag": "video"}, ["nino"]),
    ({"language": "de", "rated": "not_me", "status": "new"}, ["elena"]),
    ({"tag": "video", "rated": "me", "status": "shortlisted"}, ["leyla"]),
    ({"tag": "video", "status": "rejected"}, []),
    ({"q": "berichte", "language": "ru", "sort": "name"}, ["leyla", "zaur"]),
    (
        {"received_from": "2026-11-01", "received_to": "2026-11-03", "assignee": "someone"},
        ["leyla", "nino"],
    ),
]


def test_filters_combine(people):
    assert mismatches(people, COMBINED) == {}


def test_status_counts_follow_the_filter_but_not_its_own_status(people):
    user = people["ana"]
    everything = dict.fromkeys(Status, 0) | {
        Status.NEW: 2,
        Status.IN_REVIEW: 1,
        Status.SHORTLISTED: 1,
        Status.REJECTED: 1,
    }
    assert status_counts(InboxFilter(), user=user) == everything
    russian = dict.fromkeys(Status, 0) | {Status.SHORTLISTED: 1, Status.REJECTED: 1}
    assert status_counts(InboxFilter.from_args({"language": "ru"}), user=user) == russian
    assert (
        status_counts(InboxFilter.from_args({"language": "ru", "status": "new"}), user=user)
        == russian
    )


# --- Sorting ---------------------------------------------------------------------------


SORTED = {
    "name": ["aram", "elena", "leyla", "nino", "zaur"],
    "-name": ["zaur", "nino", "leyla", "elena", "aram"],
    "region": ["aram", "leyla", "zaur", "nino", "elena"],
    "-region": ["elena", "nino", "zaur", "leyla", "aram"],
    # pipeline order: new, in review, shortlisted … rejected; ties by id in the same direction
    "status": ["nino", "elena", "aram", "leyla", "zaur"],
    "-status": ["zaur", "leyla", "aram", "elena", "nino"],
    "received": ["nino", "aram", "leyla", "zaur", "elena"],
    "-received": ["elena", "zaur", "leyla", "aram", "nino"],
    "ratings": ["zaur", "elena", "aram", "leyla", "nino"],
    "-ratings": ["nino", "leyla", "aram", "elena", "zaur"],
    # Blind first pass: Ana rated Nino (mean 3.0) and Leyla (5.0). Aram's 5.0 is Ben's
    # alone, so for Ana he sorts among the unrated, by id, after the rated.
    "rating": ["nino", "leyla", "aram", "zaur", "elena"],
    "-rating": ["leyla", "nino", "elena", "zaur", "aram"],
    # Ana: Nino, Zaur; Ben: Leyla; nobody (last either way): Aram, Elena
    "assignee": ["nino", "zaur", "leyla", "aram", "elena"],
    "-assignee": ["leyla", "zaur", "nino", "elena", "aram"],
}


def test_every_column_sorts_both_ways(people):
    assert mismatches(people, [({"sort": sort}, order) for sort, order in SORTED.items()]) == {}


def test_an_unknown_sort_falls_back_to_newest_first(people):
    for sort in ["bogus", "-", "--name", "name;DROP TABLE applications", ""]:
        assert InboxFilter.from_args({"sort": sort}).sort == DEFAULT_SORT
        assert names(people, {"sort": sort}) == SORTED["-received"], sort


def test_neighbours_walk_the_filter_in_its_order(people):
    wrong = {}
    for sort, keys in SORTED.items():
        order = [people[key].id for key in keys]
        inbox_filter = InboxFilter.from_args({"sort": sort})
        for position, application_id in enumerate(order):
            expected = (
                order[position - 1] if position else None,
                order[position + 1] if position + 1 < len(order) else None,
            )
            found = neighbours(inbox_filter, application_id, user=people["ana"])
            if found != expected:
                wrong[(sort, keys[position])] = (found, expected)
    assert wrong == {}


def test_neighbours_stay_in_the_filter_and_survive_leaving_it(people):
    ana = people["ana"]
    new = InboxFilter.from_args({"status": "new", "sort": "name"})
    assert neighbours(new, people["elena"].id, user=ana) == (None, people["nino"].id)
    # Aram is not new, but his place in the name order still leads to the neighbours.
    assert neighbours(new, people["aram"].id, user=ana) == (None, people["elena"].id)
    assert neighbours(new, 99999, user=ana) == (None, None)


def test_neighbours_read_three_rows_at_most(people, app):
    leyla_id, ana = people["leyla"].id, people["ana"]
    ana.id  # noqa: B018 - load the user now, not while counting
    statements = count_statements(lambda: neighbours(InboxFilter(), leyla_id, user=ana))
    assert statements == 3


# --- Parsing and paging ----------------------------------------------------------------


def test_invalid_values_are_dropped_not_raised():
    parsed = InboxFilter.from_args(
        {
            "call": "one",
            "region": "x" * 61,
            "status": "bogus",
            "language": "de\x00",
            "assignee": "-3",
            "rated": "yes",
            "received_from": "notadate",
            "received_to": "2026-02-30",
            "q": "  ",
            "sort": "password",
            "page": "-1",
            "per_page": "abc",
        }
    )
    assert parsed == InboxFilter()
    assert parsed.to_args() == {}


@pytest.mark.parametrize(
    ("args", "page", "per_page"),
    [
        ({"page": "-1"}, 1, 50),
        ({"page": "0"}, 1, 50),
        ({"page": "3"}, 3, 50),
        ({"page": "9" * 5000}, 1, 50),
        ({"per_page": "100000"}, 1, 100),
        ({"per_page": "1"}, 1, 10),
        ({"per_page": "25"}, 1, 25),
    ],
)
def test_page_and_page_size_are_clamped(args, page, per_page):
    parsed = InboxFilter.from_args(args)
    assert (parsed.page, parsed.per_page) == (page, per_page)


def test_the_filter_round_trips_through_its_query_string():
    args = {
        "call": "1",
        "region": "georgia",
        "status": ["rejected", "new"],
        "language": "ka",
        "topic": "politics",
        "tag": "Russian desk",
        "assignee": "me",
        "rated": "not_me",
        "received_from": "2026-11-01",
        "received_to": "2026-11-30",
        "q": "Nino & Co",
        "sort": "-rating",
        "page": "2",
        "per_page": "25",
    }
    parsed = InboxFilter.from_args(args)
    assert parsed.to_args() == args | {"status": ["new", "rejected"]}
    assert parsed.query_string() == (
        "call=1&region=georgia&language=ka&topic=politics&tag=Russian+desk&status=new"
        "&status=rejected&assignee=me&rated=not_me&received_from=2026-11-01"
        "&received_to=2026-11-30&q=Nino+%26+Co&sort=-rating&page=2&per_page=25"
    )
    assert InboxFilter.from_query_string(parsed.query_string()) == parsed
    assert InboxFilter.from_query_string("?" + parsed.query_string()) == parsed
    assert (
        "page"
        not in InboxFilter.from_query_string(parsed.query_string(include_page=False)).to_args()
    )
    assert InboxFilter.from_query_string("q=" + "x" * 5000) == InboxFilter()
    assert InboxFilter.from_query_string(None) == InboxFilter()


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


def test_a_row_shows_everything_the_table_needs(people):
    document(people["nino"], "cv")
    document(people["nino"], "writing_sample")
    db.session.commit()
    page = inbox_page(InboxFilter.from_args({"sort": "name"}), user=people["ana"], language="en")
    rows = {row.application.full_name: row for row in page.rows}
    nino = rows["Nino Beridze"]
    assert (nino.region, nino.region_other) == ("Georgia", None)
    assert nino.languages == [("de", "B2"), ("ka", "native")]
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


def test_german_labels_for_regions_and_topics(people):
    page = inbox_page(
        InboxFilter.from_args({"region": "dagestan"}), user=people["ana"], language="de"
    )
    assert (page.rows[0].region, page.rows[0].topics) == ("Dagestan", ["Konflikte und Sicherheit"])


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


def count_statements(action) -> int:
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return len(statements)


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
    full_rows(make_application, users, 5)
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
            assert row.documents == ["cv", "cover_letter"]

    user_ids = [user.id for user in users]
    small = page()
    users = [db.session.get(User, user_id) for user_id in user_ids]
    full_rows(make_application, users, 45)
    large = page()
    assert small == large
    # count, page, call, languages, topics, tags, assignees, documents, my ratings, means
    assert large == 10


# --- Whole filter ----------------------------------------------------------------------


def test_iter_filtered_yields_the_whole_filter_in_id_order_in_batches(people):
    found = list(
        iter_filtered(InboxFilter.from_args({"language": "de"}), user=people["ana"], batch=2)
    )
    assert [application.id for application in found] == sorted(
        people[key].id for key in ("nino", "aram", "leyla", "zaur", "elena")
    )


def test_a_bulk_change_moving_rows_out_of_the_filter_misses_none(people):
    new = InboxFilter.from_args({"status": ["new", "in_review"]})
    result = bulk_set_status(
        iter_filtered(new, user=people["ana"], batch=1), Status.ON_HOLD, by=people["ana"]
    )
    assert sorted(application.id for application in result.changed) == sorted(
        people[key].id for key in ("nino", "aram", "elena")
    )
    assert names(people, {"status": "on_hold"}) == ["elena", "aram", "nino"]


def test_selected_applications_ignore_ids_that_do_not_exist(people):
    wanted = [people["zaur"].id, 99999, people["nino"].id, people["nino"].id]
    assert [application.id for application in selected_applications(wanted)] == sorted(
        [people["nino"].id, people["zaur"].id]
    )
    assert list(selected_applications([])) == []


# --- Hostile input ---------------------------------------------------------------------


HOSTILE = ["' OR 1=1 --", "%", "_", '"', ";DROP TABLE applications", "\\", "*", "NEAR(a b)"]
FILTERS = ["region", "status", "language", "topic", "tag", "assignee", "rated", "q"]


def test_sql_metacharacters_match_nothing_unexpected(people):
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


def test_date_filters_are_inclusive_days():
    parsed = InboxFilter.from_args({"received_from": "2026-11-02", "received_to": "2026-11-04"})
    assert (parsed.received_from, parsed.received_to) == (date(2026, 11, 2), date(2026, 11, 4))
