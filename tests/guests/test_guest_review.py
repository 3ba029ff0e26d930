"""What a guest reviewer sees and does: only their scope, no contact details, shared
comments, ratings that count, and an audit row for every request."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.conftest import hidden_fields
from tests.guests.conftest import GUEST_EMAIL
from tests.review.test_candidate_page import SCORES, text_of
from tracker.accounts.users import all_staff, assignable_users
from tracker.applications.pipeline import set_status
from tracker.applications.ratings import recuse
from tracker.applications.teamwork import CandidateError, add_tag, assign
from tracker.enums import Status
from tracker.extensions import db
from tracker.models import ApplicantReply, AuditEvent, Comment, OutboxEmail, Rating

CONTACT = ("anahit.p@example.org", "+374 91 234567", "234567", "facebook.example", "anahit.example")


def _get(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def _candidate(client, application) -> str:
    return _get(client, f"/review/applications/{application.id}?lang=en")


def _names_listed(markup: str) -> list[str]:
    return re.findall(r'class="candidate-link"[^>]*><bdi>([^<]+)</bdi>', markup)


def _token(client) -> str:
    return hidden_fields(_get(client, "/review/"))["csrf_token"]


def test_the_inbox_lists_only_the_guests_call_and_region(guest_client, editor_client, candidates):
    add_tag(candidates.inside, "Fotos", by=editor_client.user)
    markup = _get(guest_client, "/review/?lang=en")
    assert '<li class="tag">Fotos</li>' not in markup
    assert '<option value="Fotos"' not in markup
    # A tag in the URL does not filter: which candidate carries which tag is not for guests.
    assert _names_listed(_get(guest_client, "/review/?tag=Zzz")) == ["Anahit Petrosyan"]
    assert _names_listed(markup) == ["Anahit Petrosyan"]
    assert re.search(r'>All <span class="tab-count">1</span>', markup)
    assert re.search(r'>New <span class="tab-count">1</span>', markup)
    # Only their call is offered, and only their region.
    assert "Second call" not in markup
    assert re.findall(r'<option value="([a-z_]+)"[^>]*>Armenia<', markup) == ["armenia"]
    assert "Georgia</option>" not in markup
    # No bulk actions, emails or exports.
    assert 'name="ids"' not in markup
    assert "/review/outbox" not in markup
    assert "Email drafts for this list" not in markup
    editor_inbox = _get(editor_client, "/review/?lang=en")
    assert '<li class="tag">Fotos</li>' in editor_inbox
    assert '<option value="Fotos"' in editor_inbox
    # The team sees all three.
    assert sorted(_names_listed(_get(editor_client, "/review/?lang=en"))) == [
        "Anahit Petrosyan",
        "Aram Sargsyan",
        "Nino Beridze",
    ]


def test_a_filter_for_another_call_or_region_shows_nothing(guest_client, candidates):
    other = candidates.other_call.call_id
    assert _names_listed(_get(guest_client, f"/review/?call={other}")) == []
    assert _names_listed(_get(guest_client, "/review/?region=georgia")) == []
    assert _names_listed(_get(guest_client, "/review/?status=new&region=armenia")) == [
        "Anahit Petrosyan"
    ]


def test_search_stays_in_scope_and_never_reads_contact_details(
    guest_client, editor_client, candidates
):
    assert _names_listed(_get(guest_client, "/review/?q=Anahit")) == ["Anahit Petrosyan"]
    for query in ("Nino", "Aram", "anahit.p@example.org", "%2B374+91+234567", "91234567"):
        assert _names_listed(_get(guest_client, f"/review/?q={query}")) == [], query
    # A reference in scope still opens the candidate; one out of scope finds nothing.
    inside = guest_client.get(f"/review/?q={candidates.inside.reference}&jump=1")
    assert inside.headers["Location"].startswith(f"/review/applications/{candidates.inside.id}")
    assert (
        _names_listed(_get(guest_client, f"/review/?q={candidates.other_region.reference}")) == []
    )
    # The team finds the candidate by address and phone number.
    for query in ("anahit.p@example.org", "91234567"):
        assert _names_listed(_get(editor_client, f"/review/?q={query}")) == ["Anahit Petrosyan"]


def test_a_guests_pages_are_kept_out_of_caches(guest_client, candidates):
    response = guest_client.get(f"/review/applications/{candidates.inside.id}")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_candidates_out_of_scope_are_not_found(guest_client, candidates):
    for application in (candidates.other_region, candidates.other_call):
        response = guest_client.get(f"/review/applications/{application.id}?lang=en")
        assert response.status_code == 404
        assert "Page not found" in response.get_data(as_text=True)
        assert application.full_name not in response.get_data(as_text=True)


def test_j_and_k_step_only_through_the_scope(guest_client, make_application, candidates):
    second = make_application(region="armenia", full_name="Lilit Hakobyan")
    markup = _candidate(guest_client, candidates.inside)
    assert f'href="/review/applications/{second.id}" rel="prev"' in markup
    assert 'rel="next"' not in markup
    markup = _candidate(guest_client, second)
    assert f'href="/review/applications/{candidates.inside.id}" rel="next"' in markup
    assert 'rel="prev"' not in markup


def test_no_page_a_guest_can_open_shows_contact_details(guest_client, candidates, app):
    db.session.add(
        OutboxEmail(
            application_id=candidates.inside.id,
            template="request_info",
            language="de",
            to_address="anahit.p@example.org",
            subject="Ihre Bewerbung",
            body_text="Hallo",
            message_id="<guest-test@example.org>",
            status="sent",
        )
    )
    db.session.commit()
    candidate = _candidate(guest_client, candidates.inside)
    pages = {
        "inbox": _get(guest_client, "/review/?lang=en"),
        "search": _get(guest_client, "/review/?q=Anahit&lang=en"),
        "candidate": candidate,
        "password": _get(guest_client, "/auth/password?lang=en"),
        "two-factor": _get(guest_client, "/auth/two-factor/setup?lang=en"),
    }
    for name, markup in pages.items():
        for detail in CONTACT:
            assert detail not in markup, (name, detail)
    text = text_of(candidate)
    assert "Contact details Hidden for guest reviewers" in text
    assert "Published work Hidden for guest reviewers" in text
    assert "The writing sample was given as a link, which is hidden for guest reviewers." in text
    # The cover letter keeps its words, not the address or number in it.
    assert "Schreiben Sie mir: [hidden] oder [hidden]." in text
    # Team business is not on the page.
    assert "Status and assignment" not in text
    assert "Ihre Bewerbung" not in text
    assert "Declare a conflict of interest" not in text


def test_the_timeline_shows_a_guest_no_team_business(guest_client, editor_client, candidates):
    editor = editor_client.user
    set_status(candidates.inside, Status.IN_REVIEW, by=editor, note="Rief an, klingt gut")
    assign(candidates.inside, editor, by=editor)
    add_tag(candidates.inside, "Fotos", by=editor)
    recuse(candidates.inside, by=editor, reason="Kenne sie privat")
    text = text_of(_candidate(guest_client, candidates.inside))
    assert "Ana Editor changed the status from “New” to “In review”" in text
    for hidden in (
        "Rief an, klingt gut",
        "assigned the candidate",
        "Fotos",
        "conflict of interest",
        "Kenne sie privat",
    ):
        assert hidden not in text, hidden
    assert "Rief an, klingt gut" in text_of(_candidate(editor_client, candidates.inside))


def test_other_applications_of_the_person_are_not_shown_to_a_guest(
    guest_client, editor_client, make_application, candidates
):
    make_application(region="armenia", full_name="Anahit Petrosyan", email="anahit.p@example.org")
    assert "Other applications by this person" in _candidate(editor_client, candidates.inside)
    markup = _candidate(guest_client, candidates.inside)
    assert "Other applications by this person" not in markup
    assert "Earlier applications from this address" not in markup
    assert "Later application from this address" not in markup
    assert "2nd application" in _get(editor_client, "/review/?lang=en")
    assert "2nd application" not in _get(guest_client, "/review/?lang=en")


def _comment(client, application, body: str, **fields):
    data = {"csrf_token": _token(client), "body": body, **fields}
    response = client.post(f"/review/applications/{application.id}/comments", data=data)
    assert response.status_code == 302


def _comment_texts(markup: str) -> list[str]:
    return [
        " ".join(body.split())
        for body in re.findall(r'<div class="pre-wrap">([^<]*)</div>', markup)
    ]


def test_guests_see_shared_comments_and_their_own(guest_client, editor_client, candidates):
    _comment(editor_client, candidates.inside, "Intern: nicht weitergeben")
    _comment(
        editor_client, candidates.inside, "Bitte auf Reportagen achten", shared_with_guests="y"
    )
    # A guest cannot share their comment with other guests: the team reads it.
    _comment(guest_client, candidates.inside, "Starke Quellen in Gjumri", shared_with_guests="y")

    guest_page = _candidate(guest_client, candidates.inside)
    assert _comment_texts(guest_page) == ["Bitte auf Reportagen achten", "Starke Quellen in Gjumri"]
    assert "Intern: nicht weitergeben" not in guest_page

    editor_page = _candidate(editor_client, candidates.inside)
    assert _comment_texts(editor_page) == [
        "Intern: nicht weitergeben",
        "Bitte auf Reportagen achten",
        "Starke Quellen in Gjumri",
    ]
    assert "Gayane Guest (guest reviewer)" in text_of(editor_page)
    assert text_of(editor_page).count("Shared with guest reviewers") == 1
    assert '<label for="shared_with_guests">Share with guest reviewers</label>' in editor_page
    assert 'name="shared_with_guests"' not in guest_page
    rows = db.session.execute(
        select(Comment.body, Comment.shared_with_guests).order_by(Comment.id)
    ).all()
    assert [tuple(row) for row in rows] == [
        ("Intern: nicht weitergeben", False),
        ("Bitte auf Reportagen achten", True),
        ("Starke Quellen in Gjumri", False),
    ]


def test_a_guests_rating_counts_and_is_labelled_for_the_team(
    guest_client, editor_client, candidates
):
    data = {
        "csrf_token": _token(guest_client),
        "recommendation": "yes",
        "action": "save",
        **{f"score_{name}": str(score) for name, score in SCORES.items()},
    }
    response = guest_client.post(f"/review/applications/{candidates.inside.id}/rating", data=data)
    assert response.status_code == 302
    rating = db.session.scalar(select(Rating))
    assert (rating.user_id, rating.application_id, rating.regional_expertise) == (
        guest_client.user.id,
        candidates.inside.id,
        5,
    )
    db.session.refresh(candidates.inside)
    assert candidates.inside.rating_count == 1
    editor_data = {**data, "csrf_token": _token(editor_client)}
    editor_client.post(f"/review/applications/{candidates.inside.id}/rating", data=editor_data)
    assert "Gayane Guest (guest reviewer)" in text_of(_candidate(editor_client, candidates.inside))


def test_every_guest_request_is_audited(guest_client, admin_client, candidates):
    db.session.execute(db.delete(AuditEvent))
    db.session.commit()
    guest_client.get("/review/?lang=en")
    guest_client.get(f"/review/applications/{candidates.inside.id}")
    guest_client.get(f"/review/applications/{candidates.other_region.id}")
    guest_client.get("/admin/dashboard")
    rows = db.session.execute(
        select(
            AuditEvent.action, AuditEvent.actor_id, AuditEvent.application_id, AuditEvent.details
        ).order_by(AuditEvent.id)
    ).all()
    guest = guest_client.user.id
    assert [tuple(row) for row in rows] == [
        (
            "guest.request",
            guest,
            None,
            {"endpoint": "review.inbox", "method": "GET", "status": 200},
        ),
        (
            "guest.request",
            guest,
            candidates.inside.id,
            {"endpoint": "review.candidate", "method": "GET", "status": 200},
        ),
        (
            "guest.request",
            guest,
            None,
            {"endpoint": "review.candidate", "method": "GET", "status": 404},
        ),
        (
            "guest.request",
            guest,
            None,
            {"endpoint": "admin.dashboard", "method": "GET", "status": 403},
        ),
    ]
    # The admins' audit log filters by the guest.
    log = text_of(_get(admin_client, f"/review/audit?actor={guest}&lang=en"))
    assert log.count("guest.request") == 4
    # And by kind: everything guests did, and what admins did to their access.
    log = text_of(_get(admin_client, "/review/audit?kind=guests&lang=en"))
    assert log.count("guest.request") == 4
    assert f'<option value="{guest}"' in _get(admin_client, "/review/audit?lang=en")


def test_guests_are_never_assignable_nor_listed_as_team(guest_client, editor_client, candidates):
    assert [user.email for user in assignable_users()] == ["editor@example.org"]
    assert [user.email for user in all_staff()] == ["editor@example.org"]
    assert GUEST_EMAIL in [user.email for user in all_staff(guests=True)]
    markup = _candidate(editor_client, candidates.inside)
    assert f'<option value="{guest_client.user.id}"' not in markup
    # Posted all the same, the assignment is refused and nothing changes.
    data = {
        **hidden_fields(markup),
        "assignee": str(guest_client.user.id),
    }
    response = editor_client.post(
        f"/review/applications/{candidates.inside.id}/assignee", data=data
    )
    assert response.status_code == 400
    db.session.refresh(candidates.inside)
    assert candidates.inside.assignee_id is None
    with pytest.raises(CandidateError):
        assign(candidates.inside, guest_client.user, by=editor_client.user)
    assert "Gayane Guest</option>" not in _get(editor_client, "/review/")


def test_a_guest_neither_sees_nor_saves_the_teams_views(app, guest_client, editor_client):
    from tests.review.test_saved_views import save, views

    save(editor_client, "region=armenia", "Armenien", shared=True)
    page = guest_client.get("/review/?lang=en").text
    assert "saved-views" not in page
    assert "Armenien" not in page
    token = hidden_fields(page)["csrf_token"]
    response = guest_client.post(
        "/review/views", data={"csrf_token": token, "name": "Mine", "filter": ""}
    )
    assert response.status_code == 403
    assert views() == [("Armenien", "region=armenia", True)]


def test_a_guest_sees_no_reply_of_the_applicant_and_leaves_it_unread(guest_client, candidates):
    from tests.replies.test_candidate import file

    filed = file(candidates.inside, subject="Re: Ihre Bewerbung", body="Gern, hier mein Text.\n")
    page = guest_client.get(f"/review/applications/{candidates.inside.id}?lang=en").text
    assert "Gern, hier mein Text." not in page
    assert "Re: Ihre Bewerbung" not in page
    assert "New reply" not in guest_client.get("/review/?lang=en").text
    db.session.expire_all()
    assert db.session.get(ApplicantReply, filed.id).read_at is None


def test_a_guests_header_has_no_notifications_or_settings(guest_client):
    page = guest_client.get("/review/?lang=en").text
    staff_user = re.search(r'<div class="staff-user">(.*?)</div>', page, re.S).group(1)
    assert "/review/notifications" not in staff_user
    assert "/review/settings" not in staff_user
    assert "Sign out" in staff_user
