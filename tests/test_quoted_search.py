"""What people quote: a reference in any spelling, a phone number by its digits, an address.

These run on SQLite and, in the suite's PostgreSQL run, on PostgreSQL: the queries are the
same apart from how a reference's start is matched.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tracker.extensions import db
from tracker.inbox.filter import InboxFilter
from tracker.inbox.query import inbox_query
from tracker.models import Application
from tracker.quoted_search import QuotedSearch, inbox_search_ids, quoted_search
from tracker.search import index_application


@pytest.fixture
def app_config(app_config):
    # The spellings below quote CW-…, whatever the environment running the tests sets.
    return {**app_config, "REFERENCE_PREFIX": "CW"}


@pytest.fixture
def people(make_application) -> dict[str, Application]:
    """Nino, whom the searches look for, and three others who resemble her in parts."""
    rows = {
        "nino": make_application(
            reference="CW-GPZX-P3",
            full_name="Nino Beridze",
            email="nino@example.org",
            phone="+995 555 12 34 56",
            city="Kutaisi",
        ),
        # The same last digits, another operator; the same suffix of the reference.
        "tamar": make_application(
            reference="CW-PZXG-P3",
            full_name="Tamar Kapanadze",
            email="tamar@example.org",
            phone="+995 577 12 34 56",
            city="Batumi",
        ),
        # An address that contains Nino's words, and no phone number.
        "nino_b": make_application(
            reference="CW-GPZ7-P3",
            full_name="Nino B",
            email="nino.b@example.org",
            phone=None,
            city="Poti",
        ),
        # A number written the national way, with a trunk zero.
        "aram": make_application(
            reference="CW-7K3P-Q9",
            full_name="Aram Petrosyan",
            email="aram@example.org",
            phone="0 (91) 55-44-33",
            city="Gyumri",
        ),
    }
    for application in rows.values():
        index_application(application)
    db.session.commit()
    return rows


def found(people, query: str) -> list[str]:
    """Return who *query* finds in the inbox's query, by their key in *people*."""
    names = {application.id: key for key, application in people.items()}
    ids = db.session.scalars(
        select(Application.id).where(Application.id.in_(inbox_search_ids(query)))
    )
    return sorted(names[application_id] for application_id in ids)


@pytest.mark.parametrize(
    "query",
    ["CW-GPZX-P3", "cw-gpzx-p3", "CW GPZX P3", "cwgpzxp3", "GPZX", "GPZX-P3", "gpzx p3", "CW-GPZX"],
)
def test_a_reference_in_any_spelling_finds_that_candidate_only(people, query):
    assert found(people, query) == ["nino"]


def test_a_reference_is_read_as_the_whole_reference_or_its_distinctive_part(app):
    assert quoted_search("cw gpzx p3") == QuotedSearch(references=("CW-GPZX-P3",))
    assert quoted_search("GPZX-P3") == QuotedSearch(references=("CW-GPZX-P3",))
    assert quoted_search("gpzx") == QuotedSearch(reference_starts=("CW-GPZX-",))
    # Six characters after the prefix may also be a reference pasted without its prefix.
    assert quoted_search("CW-GPZX") == QuotedSearch(
        references=("CW-CWGP-ZX",), reference_starts=("CW-GPZX-",)
    )
    # Letters that no reference contains (I, L, O, U, 0, 1) make a word, not a reference.
    assert not quoted_search("Nino")
    assert not quoted_search("Kutaisi")
    assert not quoted_search("CW-GPZX-P1")


def test_the_distinctive_part_finds_every_reference_that_starts_with_it(people, make_application):
    other = make_application(reference="CW-GPZX-Q4", full_name="Eka Gelashvili")
    people["eka"] = other
    assert found(people, "GPZX") == ["eka", "nino"]
    assert found(people, "GPZX-Q4") == ["eka"]


@pytest.mark.parametrize(
    "query",
    [
        "+995 555",
        "555123456",
        "+995 555 12 34 56",
        "00995555123456",
        "+995 (555) 12-34-56",
        "0555 123 456",
        "555 12 34",
    ],
)
def test_a_phone_number_in_any_spelling_finds_that_candidate_only(people, query):
    assert found(people, query) == ["nino"]


def test_a_number_stored_the_national_way_is_found_by_its_digits(people):
    assert found(people, "091 55 44 33") == ["aram"]
    assert found(people, "91-554433") == ["aram"]
    assert found(people, "554433") == ["aram"]


def test_the_phone_digits_compared_leave_out_an_international_or_trunk_prefix(app):
    assert quoted_search("00995 555 12").phone_digits == "99555512"
    assert quoted_search("+995 555").phone_digits == "995555"
    assert quoted_search("0555 123456").phone_digits == "555123456"
    # Without the zero too few digits would be left: the zero stays.
    assert quoted_search("055512").phone_digits == "055512"


@pytest.mark.parametrize("query", ["55512", "+995 5", "12 34 5", "5551"])
def test_fewer_than_six_digits_are_no_phone_search(people, query):
    assert quoted_search(query).phone_digits is None
    assert found(people, query) == []


def test_digits_among_other_words_are_no_phone_search(people):
    assert quoted_search("tel 555123456").phone_digits is None
    assert found(people, "tel 555123456") == []


@pytest.mark.parametrize("query", ["nino@example.org", "NINO@Example.ORG", " nino@example.org "])
def test_an_exact_address_finds_that_candidate_only(people, query):
    assert quoted_search(query).email == "nino@example.org"
    assert found(people, query) == ["nino"]


def test_part_of_an_address_is_no_address_search(people):
    assert found(people, "ino@example.org") == []
    assert found(people, "nino@example.com") == []
    assert quoted_search("example.org").email is None


def test_words_are_still_found_by_the_full_text_search(people):
    assert not quoted_search("Beridze")
    assert found(people, "Beridze") == ["nino"]
    assert found(people, "Nino") == ["nino", "nino_b"]
    assert found(people, "Kutai") == ["nino"]


@pytest.mark.parametrize(
    "query", ["%", "_", "CW-%", "GPZ_", "GPZ*", "555%123", "' OR 1=1 --", "*@*", "%@%"]
)
def test_wildcards_and_sql_match_nothing(people, query):
    assert found(people, query) == []


def test_names_tells_what_the_query_named_from_what_its_words_found(people):
    nino, aram = people["nino"], people["aram"]
    for query in ("gpzx", "CW GPZX P3", "+995 555", "0555123456", "NINO@example.org"):
        assert quoted_search(query).names(nino), query
        assert not quoted_search(query).names(aram), query
    assert quoted_search("91 55 44 33").names(aram)
    assert not quoted_search("Nino").names(nino)


def test_the_inbox_filter_searches_what_people_quote(people, make_user):
    user = make_user()

    def inbox(query: str) -> list[int]:
        f = InboxFilter.from_args({"q": query})
        return list(db.session.scalars(inbox_query(f, user=user).with_only_columns(Application.id)))

    assert inbox("cwgpzxp3") == [people["nino"].id]
    assert inbox("+995 555") == [people["nino"].id]
    assert inbox("Nino@example.org") == [people["nino"].id]
    assert sorted(inbox("Nino")) == sorted([people["nino"].id, people["nino_b"].id])
