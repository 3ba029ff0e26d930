"""The inbox's queries: each filter, counts per status, sorting, paging, neighbours, N+1."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest
from sqlalchemy import event

from tests.sql_log import statements_sent
from tracker.applications.pipeline import bulk_set_status
from tracker.applications.ratings import CRITERIA, add_rating, recuse
from tracker.applications.teamwork import add_tag
from tracker.enums import Status
from tracker.extensions import db
from tracker.inbox.filter import DEFAULT_SORT, InboxFilter
from tracker.inbox.query import (
    inbox_query,
    iter_filtered,
    neighbours,
    page_rows,
    selected_applications,
    status_counts,
)
from tracker.models import ApplicationLanguage, ApplicationTopic
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
    add_tag(rows["nino"], "video", by=ana)
    add_tag(rows["leyla"], "photo", by=ana)
    add_tag(rows["leyla"], "video", by=ana)
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


def test_pages_cut_the_same_order_in_every_sort(people):
    by_id = {value.id: key for key, value in people.items() if key not in {"ana", "ben"}}
    for sort, order in SORTED.items():
        f = replace(InboxFilter.from_args({"sort": sort}), per_page=2)
        pages = [
            [by_id[row.id] for row in page_rows(f.with_page(number), user=people["ana"])]
            for number in (1, 2, 3)
        ]
        assert pages == [order[:2], order[2:4], order[4:]], sort


def page_plan(user, *, hides_anyone: bool) -> list[str]:
    """Return SQLite's plan of the statement that reads page 3 of the default order."""
    sent = []

    def record(conn, cursor, statement, parameters, *args):
        sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        page_rows(InboxFilter().with_page(3), user=user, hides_anyone=hides_anyone)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    [(statement, parameters)] = [(sql, values) for sql, values in sent if " AS page " in sql]
    explained = db.session.connection().exec_driver_sql(
        f"EXPLAIN QUERY PLAN {statement}", parameters
    )
    return [row[-1] for row in explained]


def hidden_read(outer: int, by_call: int, by_candidate: int) -> list[str]:
    """Return SQLite's plan of reading the applicants at risk hidden from the editor: once,
    from their own small table (its subqueries numbered as given)."""
    return [
        f"LIST SUBQUERY {outer}",
        "SCAN applicant_safety",
        f"LIST SUBQUERY {by_call}",
        "SEARCH call_need_to_know USING INDEX ix_call_need_to_know_user_id (user_id=?)",
        f"LIST SUBQUERY {by_candidate}",
        "SEARCH application_need_to_know USING INDEX ix_application_need_to_know_user_id "
        "(user_id=?)",
    ]


def test_a_pages_ids_come_from_the_index_of_the_default_order(people):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's plan: PostgreSQL's depends on the table's size and statistics")
    # The ids from the index alone, then 50 rows by their primary key; only those 50 are
    # sorted again, never the whole table. Where the editor's scope hides anyone, each
    # index entry is tested against the hidden; where it hides nobody, only the rows read.
    ids = ["MATERIALIZE page", "SCAN applications USING COVERING INDEX ix_applications_created_id"]
    rows = ["SCAN page", "SEARCH applications USING INTEGER PRIMARY KEY (rowid=?)"]
    sort = ["USE TEMP B-TREE FOR ORDER BY"]
    assert page_plan(people["ana"], hides_anyone=True) == [
        *ids,
        *hidden_read(3, 1, 2),
        *rows,
        *hidden_read(7, 5, 6),
        *sort,
    ]
    assert page_plan(people["ana"], hides_anyone=False) == [
        *ids,
        *rows,
        *hidden_read(4, 2, 3),
        *sort,
    ]


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


def test_not_rated_by_me_leaves_out_the_candidates_i_recused_myself_from(people):
    """What is left to rate: Ana recused herself from Zaur, so "not rated by me" lists
    Elena and Aram only – in the list, the tabs' counts and j/k; Ben's recusal from Elena
    changes nothing for Ana, and "rated by me" is unchanged."""
    ana, ben = people["ana"], people["ben"]
    recuse(people["zaur"], by=ana, reason="He is my neighbour")
    recuse(people["elena"], by=ben)
    assert names(people, {"rated": "not_me"}) == ["elena", "aram"]
    assert names(people, {"rated": "me"}) == ["leyla", "nino"]
    assert names(people, {}) == ["elena", "zaur", "leyla", "aram", "nino"]
    not_me = InboxFilter.from_args({"rated": "not_me"})
    assert status_counts(not_me, user=ana) == dict.fromkeys(Status, 0) | {
        Status.NEW: 1,
        Status.IN_REVIEW: 1,
    }
    assert neighbours(not_me, people["elena"].id, user=ana) == (None, people["aram"].id)
    # Ben recused himself from Elena and rated Nino and Aram: only Zaur and Leyla are his.
    ben_ids = [application.id for application in db.session.scalars(inbox_query(not_me, user=ben))]
    assert ben_ids == [people["zaur"].id, people["leyla"].id]
    # The same filter walks each user's own list (its statement is kept per user).
    assert neighbours(not_me, people["zaur"].id, user=ana) == (
        people["elena"].id,
        people["aram"].id,
    )
    assert neighbours(not_me, people["zaur"].id, user=ben) == (None, people["leyla"].id)


def test_neighbours_are_one_statement(people, app):
    leyla_id, ana = people["leyla"].id, people["ana"]
    ana.id  # noqa: B018 - load the user now, not while counting
    statements = count_statements(lambda: neighbours(InboxFilter(), leyla_id, user=ana))
    assert statements == 1


def count_statements(action) -> int:
    with statements_sent() as statements:
        action()
    return len(statements)


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
    selected = selected_applications(wanted, user=people["ana"])
    assert [application.id for application in selected] == sorted(
        [people["nino"].id, people["zaur"].id]
    )
    assert list(selected_applications([], user=people["ana"])) == []


def test_a_region_filter_finds_everyone_who_covers_it(people, make_application):
    diaspora = make_application(
        full_name="Khava Dudayeva",
        country="elsewhere",
        country_other="Germany",
        city="Berlin",
        regions=["chechnya", "dagestan"],
    )
    people = {**people, "khava": diaspora}
    assert names(people, {"region": "dagestan", "sort": "name"}) == ["khava", "zaur"]
    assert names(people, {"region": "chechnya"}) == ["khava"]


def test_sorting_by_region_puts_those_who_cover_none_last_both_ways(people, make_application):
    # Moved from the old "elsewhere" by migration 0006: a home country, no covered region.
    moved = make_application(full_name="Moved Person", country="elsewhere", regions=[])
    people = {**people, "moved": moved}
    assert names(people, {"sort": "region"}) == [*SORTED["region"], "moved"]
    assert names(people, {"sort": "-region"})[-1] == "moved"
    order = [people[key].id for key in names(people, {"sort": "region"})]
    found = neighbours(InboxFilter.from_args({"sort": "region"}), moved.id, user=people["ana"])
    assert found == (order[-2], None)
