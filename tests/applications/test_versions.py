"""Versions of one application: ordinals, masked addresses, and what counts as a repeat."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.sql_log import statements_sent
from tracker.applications.people import mask_email, name_key, related_applications
from tracker.applications.versions import (
    DUPLICATE_WINDOW,
    find_duplicate,
    ordinal,
    relatives_of,
    versions_of,
)
from tracker.extensions import db
from tracker.models import Call, Document, utcnow


@pytest.mark.parametrize(
    ("number", "english", "german", "russian"),
    [
        (1, "1st", "1.", "1-я"),
        (2, "2nd", "2.", "2-я"),
        (3, "3rd", "3.", "3-я"),
        (4, "4th", "4.", "4-я"),
        (11, "11th", "11.", "11-я"),
        (12, "12th", "12.", "12-я"),
        (13, "13th", "13.", "13-я"),
        (21, "21st", "21.", "21-я"),
        (22, "22nd", "22.", "22-я"),
        (23, "23rd", "23.", "23-я"),
        (101, "101st", "101.", "101-я"),
        (111, "111th", "111.", "111-я"),
    ],
)
def test_ordinals_are_written_as_each_language_writes_them(number, english, german, russian):
    assert (ordinal(number, "en"), ordinal(number, "de"), ordinal(number, "ru")) == (
        english,
        german,
        russian,
    )


@pytest.mark.parametrize(
    ("number", "georgian", "armenian", "azerbaijani"),
    [
        (1, "1-ლი", "1-ին", "1-ci"),
        (2, "მე-2", "2-րդ", "2-ci"),
        (3, "მე-3", "3-րդ", "3-cü"),
        (6, "მე-6", "6-րդ", "6-cı"),
        (9, "მე-9", "9-րդ", "9-cu"),
        (10, "მე-10", "10-րդ", "10-cu"),
        (40, "მე-40", "40-րդ", "40-cı"),
        (100, "მე-100", "100-րդ", "100-cü"),
        (1000, "მე-1000", "1000-րդ", "1000-ci"),
    ],
)
def test_the_regions_ordinals_follow_their_grammar(number, georgian, armenian, azerbaijani):
    assert (ordinal(number, "ka"), ordinal(number, "hy"), ordinal(number, "az")) == (
        georgian,
        armenian,
        azerbaijani,
    )


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("nino.beridze@example.org", "n***@example.org"),
        ("abc@x.org", "a***@x.org"),
        # One or two characters would be shown half or whole: hidden entirely.
        ("a@x.org", "***@x.org"),
        ("ab@x.org", "***@x.org"),
        # Punycode as the applicant writes their domain; undecodable punycode as stored.
        ("nino@xn--exmple-cua.org", "n***@exämple.org"),
        ("nino@xn--e1afmkfd.xn--p1ai", "n***@пример.рф"),
        ("nino@xn--zz.org", "n***@xn--zz.org"),
    ],
)
def test_mask_email_hides_the_local_part(address, masked):
    assert mask_email(address) == masked


def _with_documents(application, **hashes):
    for kind, sha256 in hashes.items():
        application.documents.append(
            Document(
                kind=kind,
                filename=f"{kind}.pdf",
                file_type="pdf",
                content_type="application/pdf",
                size=1,
                sha256=sha256,
                storage_key=f"{kind}-{application.reference}",
            )
        )
    db.session.commit()
    return application


def test_a_repeat_needs_the_same_address_call_letter_link_and_files(make_application, call):
    first = _with_documents(
        make_application(cover_letter="Brief", email="nino@example.org"), cv="a"
    )
    same = {"cover_letter": "Brief", "writing_sample_url": None, "documents": {"cv": "a"}}
    assert find_duplicate(call, " Nino@Example.org", **same) == first
    assert find_duplicate(call, "nana@example.org", **same) is None
    assert find_duplicate(call, "nino@example.org", **{**same, "cover_letter": "Anders"}) is None
    assert find_duplicate(call, "nino@example.org", **{**same, "documents": {"cv": "b"}}) is None
    # A file more or fewer is another submission too.
    more = {"cv": "a", "writing_sample": "c"}
    assert find_duplicate(call, "nino@example.org", **{**same, "documents": more}) is None
    link = {**same, "writing_sample_url": "https://example.org/story"}
    assert find_duplicate(call, "nino@example.org", **link) is None


def test_sending_again_after_withdrawing_is_no_repeat(make_application, call):
    first = _with_documents(make_application(cover_letter="Brief"), cv="a")
    same = {"cover_letter": "Brief", "writing_sample_url": None, "documents": {"cv": "a"}}
    assert find_duplicate(call, "nino@example.org", **same) == first
    first.status = "withdrawn"
    db.session.commit()
    assert find_duplicate(call, "nino@example.org", **same) is None


def test_a_repeat_is_one_within_24_hours_only(make_application, call):
    first = _with_documents(make_application(cover_letter=None), cv="a")
    same = {"cover_letter": "", "writing_sample_url": "", "documents": {"cv": "a"}}
    just_inside = first.created_at + DUPLICATE_WINDOW - timedelta(seconds=1)
    just_after = first.created_at + DUPLICATE_WINDOW + timedelta(seconds=1)
    assert find_duplicate(call, "nino@example.org", now=just_inside, **same) == first
    assert find_duplicate(call, "nino@example.org", now=just_after, **same) is None


def test_versions_are_one_address_applications_to_one_call_in_order(make_application, call):
    now = utcnow()
    second = make_application(created_at=now - timedelta(days=1))
    first = make_application(created_at=now - timedelta(days=3))
    third = make_application(created_at=now)
    other_address = make_application(email="nana@example.org", created_at=now - timedelta(days=2))
    versions = versions_of(second)
    assert (versions.number, versions.earlier, versions.later) == (2, [first], [third])
    assert versions.previous == first
    assert versions_of(first).number == 1
    assert versions_of(other_address).number == 1
    # Erasing a version renumbers the others: nothing links them but the address.
    db.session.delete(first)
    db.session.commit()
    assert (versions_of(third).number, versions_of(third).earlier) == (2, [second])


def test_relatives_are_the_related_applications_and_versions_read_in_one_statement(
    make_application, call
):
    """The candidate page reads both lists with one statement: the person's other
    applications (same address or name, any call, newest first) and the versions (same
    address, same call, oldest first, itself included)."""
    other_call = Call(
        slug="photographers",
        title={"de": "Fotografen"},
        description={"de": "Text"},
        regions=[{"key": "georgia", "country": "georgia", "label": {"de": "Georgien"}}],
        topics=[{"key": "politics", "label": {"de": "Politik"}}],
    )
    db.session.add(other_call)
    now = utcnow()
    nino = {"name_key": name_key("Nino Beridze")}
    second = make_application(created_at=now - timedelta(days=2), **nino)
    first = make_application(created_at=now - timedelta(days=5), **nino)
    third = make_application(created_at=now, **nino)
    elsewhere = make_application(call=other_call, created_at=now - timedelta(days=1), **nino)
    same_name = make_application(
        email="nb@example.ru",
        full_name="Нино Беридзе",
        name_key=name_key("Нино Беридзе"),
        created_at=now - timedelta(days=3),
    )
    make_application(email="ani@example.am", full_name="Ani", name_key=name_key("Ani"))
    db.session.expire_all()
    assert second.email == "nino@example.org"  # loaded again before counting

    with statements_sent() as sent:
        relatives = relatives_of(second)
    statements = [s for s in sent if not s.startswith("BEGIN")]
    versions = relatives.versions
    assert len(statements) == 1
    assert relatives.related == [third, elsewhere, same_name, first]
    assert (versions.number, versions.earlier, versions.later) == (2, [first], [third])
    assert relatives.related == related_applications(second)
    assert (relatives_of(same_name).related, relatives_of(same_name).versions.number) == (
        [third, elsewhere, second, first],
        1,
    )
    lone = relatives_of(elsewhere)
    assert (lone.versions.number, lone.versions.earlier, lone.versions.later) == (1, [], [])
