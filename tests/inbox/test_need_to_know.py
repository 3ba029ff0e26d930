"""Applicants at risk in the one scope: admins and the editors named for them see them;
other editors and guests see neither the row nor its count, and a URL naming one answers
404 as for a missing candidate. Every request about one is audited, whoever makes it.

(tests/review/test_at_risk_everywhere.py walks every route and listing.)
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from tracker.enums import Status
from tracker.extensions import db
from tracker.inbox.counts import change_counts, hides_anyone
from tracker.inbox.filter import InboxFilter
from tracker.inbox.query import count_filtered, page_rows, status_counts
from tracker.inbox.scope import scope_of
from tracker.models import ApplicationNeedToKnow, AuditEvent, CallNeedToKnow
from tracker.review.inbox_page import inbox_page


@pytest.fixture
def people(make_application, make_user):
    return {
        "open": make_application(full_name="Open Applicant", email="open@example.org"),
        "risk": make_application(
            full_name="Risky Applicant", email="risk@example.org", at_risk=True
        ),
        "admin": make_user("boss@example.org", "admin"),
        "ana": make_user("ana@example.org", "editor"),
        "ben": make_user("ben@example.org", "editor"),
    }


def names_seen(user) -> list[str]:
    return sorted(row.full_name for row in page_rows(InboxFilter(), user=user))


def test_only_admins_and_named_editors_see_an_applicant_at_risk(people, call):
    both = ["Open Applicant", "Risky Applicant"]
    assert names_seen(people["admin"]) == both
    assert names_seen(people["ana"]) == names_seen(people["ben"]) == ["Open Applicant"]
    assert count_filtered(InboxFilter(), user=people["ana"]) == 1
    assert status_counts(InboxFilter(), user=people["ana"])[Status.NEW] == 1

    db.session.add(ApplicationNeedToKnow(application_id=people["risk"].id, user=people["ana"]))
    db.session.commit()
    assert names_seen(people["ana"]) == both
    assert names_seen(people["ben"]) == ["Open Applicant"]

    db.session.add(CallNeedToKnow(call_id=call.id, user=people["ben"]))
    db.session.commit()
    assert names_seen(people["ben"]) == both
    assert status_counts(InboxFilter(), user=people["ben"])[Status.NEW] == 2


def test_whether_a_scope_hides_anyone_is_asked_once_per_change(people, call):
    ana, ben = scope_of(people["ana"]), scope_of(people["ben"])
    changes = change_counts()
    assert [hides_anyone(scope, changes=changes) for scope in (None, ana, ben)] == [
        False,
        True,
        True,
    ]
    db.session.add(CallNeedToKnow(call_id=call.id, user=people["ana"]))
    db.session.commit()
    assert hides_anyone(ana, changes=changes) is True  # kept under the count it was asked at
    assert hides_anyone(ana, changes=change_counts()) is False
    assert hides_anyone(ben, changes=change_counts()) is True


def test_pages_step_over_no_hidden_applicant_and_never_show_one(people, make_application):
    """Where a scope hides nobody, the inbox finds a page's ids without testing each entry it
    steps over (tracker.inbox.query._page_statement); the page's rows are always tested."""
    make_application(full_name="Later Applicant", email="later@example.org")
    ben = people["ben"]
    one_a_page = replace(InboxFilter(), per_page=1)
    pages = [
        [row.application.full_name for row in inbox_page(one_a_page.with_page(n), user=ben).rows]
        for n in (1, 2)
    ]
    assert pages == [["Later Applicant"], ["Open Applicant"]]
    # As if the applicant had been marked at risk after the inbox found that nobody was
    # hidden from Ben: the page is a row short, and the applicant is not on it.
    rows = page_rows(InboxFilter(), user=ben, hides_anyone=False)
    assert [row.full_name for row in rows] == ["Later Applicant", "Open Applicant"]


def test_a_url_naming_one_answers_404_to_an_editor_not_named(people, client):
    from tests.conftest import login_as

    login_as(client, people["ben"])
    risky = client.get(f"/review/applications/{people['risk'].id}?lang=en")
    missing = client.get("/review/applications/999999?lang=en")
    assert (risky.status_code, missing.status_code) == (404, 404)
    assert risky.get_data() == missing.get_data()
    document_of_nobody = client.get("/review/documents/999999")
    assert document_of_nobody.status_code == 404


def test_every_request_about_one_is_audited_and_others_are_not(people, client):
    from tests.conftest import login_as

    login_as(client, people["admin"])
    page = client.get(f"/review/applications/{people['risk'].id}?lang=en")
    assert "Risky Applicant" in page.get_data(as_text=True)
    client.get(f"/review/applications/{people['open'].id}?lang=en")
    events = db.session.execute(
        select(AuditEvent.application_id, AuditEvent.actor_id, AuditEvent.details).where(
            AuditEvent.action == "candidate.at_risk_request"
        )
    ).all()
    assert events == [
        (
            people["risk"].id,
            people["admin"].id,
            {"endpoint": "review.candidate", "method": "GET", "status": 200},
        )
    ]


def test_a_tag_only_applicants_at_risk_carry_is_not_offered_to_those_who_may_not_see_them(
    people, client
):
    import re

    from tests.conftest import login_as
    from tracker.applications.teamwork import add_tag

    admin = people["admin"]
    add_tag(people["risk"], "Risky's byline", by=admin)  # names the candidate
    add_tag(people["risk"], "shared", by=admin)
    add_tag(people["open"], "shared", by=admin)
    add_tag(people["open"], "open only", by=admin)
    db.session.commit()

    def offered(user) -> tuple[list[str], list[str]]:
        login_as(client, user)
        inbox = client.get("/review/?lang=en").get_data(as_text=True)
        candidate = client.get(f"/review/applications/{people['open'].id}?lang=en")
        datalist = re.compile(r'<datalist id="known-tag(?:-name)?s">(.*?)</datalist>')
        return [
            sorted(re.findall(r'<option value="([^"]*)">', datalist.search(html).group(1)))
            for html in (inbox, candidate.get_data(as_text=True))
        ]

    # The inbox's bulk bar offers every tag; the candidate page those it does not carry.
    assert offered(people["ben"]) == [["open only", "shared"], []]
    everything = [["Risky&#39;s byline", "open only", "shared"], ["Risky&#39;s byline"]]
    assert offered(admin) == everything
    db.session.add(ApplicationNeedToKnow(application_id=people["risk"].id, user=people["ana"]))
    db.session.commit()
    assert offered(people["ana"]) == everything
