"""The assignment pages: new, details, edit, next steps; bad input and conflicts."""

from __future__ import annotations

import html
import socket
from datetime import datetime

import pytest
from sqlalchemy import func, select

from tests.conftest import hidden_fields, login_as
from tests.guests.conftest import make_guest
from tracker.assignments.states import advance_assignment
from tracker.extensions import db
from tracker.jobs.runner import run_pending
from tracker.models import Assignment


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Assignment))


def new_form_data(client, url, **changes):
    fields = hidden_fields(client.get(url).get_data(as_text=True))
    return {
        "csrf_token": fields["csrf_token"],
        "title": "Winter in Gudauri",
        "brief": "3,000 characters on the ski season.",
        "fee": "250,00",
        "currency": "EUR",
        "deadline_day": "2099-12-20",
        "deadline_time": "18:00",
        "timezone": "Asia/Tbilisi",
        "editor": str(client.user.id),
        **changes,
    }


def test_the_candidate_page_offers_assignments_on_trial(editor_client, on_trial):
    page = text(editor_client.get(f"/review/applications/{on_trial.id}"))
    assert '<h2 id="assignments-title">Assignments</h2>' in page
    assert "No assignment yet." in page
    assert f'href="/review/assignments/new?application={on_trial.id}">New assignment…</a>' in page


def test_the_candidate_page_has_no_assignments_section_before_trial(
    editor_client, make_application
):
    application = make_application(status="shortlisted")
    page = text(editor_client.get(f"/review/applications/{application.id}"))
    assert "Assignments</h2>" not in page
    assert "/review/assignments/new" not in page


def test_the_new_form_starts_in_the_candidates_zone(editor_client, on_trial):
    page = text(editor_client.get(f"/review/assignments/new?application={on_trial.id}"))
    assert "<h1>New assignment for \u2068Nino Beridze\u2069</h1>" in page
    assert '<option selected value="Asia/Tbilisi">Tbilisi time</option>' in page
    assert f'<option selected value="{editor_client.user.id}">Ana Editor</option>' in page


def test_a_new_assignment_is_created_and_shown(editor_client, on_trial):
    url = f"/review/assignments/new?application={on_trial.id}"
    response = editor_client.post(url, data=new_form_data(editor_client, url))
    (assignment,) = db.session.scalars(select(Assignment))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/review/assignments/{assignment.id}"
    assert assignment.fee_minor == 25000
    assert assignment.deadline_at == datetime(2099, 12, 20, 14, 0)  # 18:00 in Tbilisi
    page = text(editor_client.get(response.headers["Location"]))
    assert f"Assignment {assignment.reference} created." in page
    assert "<dd>€250.00</dd>" in page
    assert "20 Dec 2099, 18:00 (Tbilisi time)" in page
    assert "20 Dec 2099, 15:00 (Berlin time)" in page
    assert "State: Offered" in page
    assert ">The author accepted</button>" in page
    assert ">Cancel the assignment</button>" in page
    assert ">Piece delivered</button>" not in page
    assert "Ana Editor: Assignment created." in page
    candidate = text(editor_client.get(f"/review/applications/{on_trial.id}"))
    assert f'<a href="/review/assignments/{assignment.id}">Winter in Gudauri</a>' in candidate
    assert "€250.00 · due 20 Dec 2099, 18:00 (Tbilisi time)" in candidate


def test_fees_are_read_as_people_write_them(editor_client, on_trial):
    url = f"/review/assignments/new?application={on_trial.id}"
    for written, minor in (("1.250,50", 125050), ("250.5", 25050), ("1 000", 100000)):
        editor_client.post(url, data=new_form_data(editor_client, url, fee=written))
        assert (
            db.session.scalar(select(Assignment.fee_minor).order_by(Assignment.id.desc()).limit(1))
            == minor
        )


def _refused(client, url, **changes):
    response = client.post(url, data=new_form_data(client, url, **changes))
    assert response.status_code == 400
    assert count() == 0
    return text(response)


def test_bad_fees_are_refused_with_a_message(editor_client, on_trial):
    url = f"/review/assignments/new?application={on_trial.id}"
    assert "An amount cannot be negative." in _refused(editor_client, url, fee="-250")
    assert "Please write the amount in digits, e.g. 250 or 250,50." in _refused(
        editor_client, url, fee="1e3"
    )
    assert "Please write the amount in digits" in _refused(editor_client, url, fee="NaN")
    assert "EUR has at most 2 decimal places." in _refused(editor_client, url, fee="250.5555")
    assert (
        "250000 is more than a piece can cost (at most 20000 EUR). Please check the amount."
        in _refused(editor_client, url, fee="250000")
    )
    assert "Please write the fee." in _refused(editor_client, url, fee="")


def test_a_wrong_currency_and_zone_are_refused(editor_client, on_trial):
    url = f"/review/assignments/new?application={on_trial.id}"
    assert "Not a valid choice" in _refused(editor_client, url, currency="BTC")
    assert "Not a valid choice" in _refused(editor_client, url, timezone="Europe/Paris")


def test_a_past_deadline_is_refused(editor_client, on_trial):
    url = f"/review/assignments/new?application={on_trial.id}"
    page = _refused(editor_client, url, deadline_day="2020-01-01")
    assert "The deadline has passed already; please choose a later one." in page
    assert "Not a valid date value." in _refused(editor_client, url, deadline_day="20.12.2099")


def test_an_assignment_for_a_candidate_not_on_trial_is_refused(editor_client, make_application):
    application = make_application(status="new")
    url = f"/review/assignments/new?application={application.id}"
    page = _refused(editor_client, url)
    assert "Only a candidate on a trial assignment or accepted can be given an assignment." in page


def test_an_unknown_author_is_not_found(editor_client):
    response = editor_client.get("/review/assignments/new")
    assert response.headers["Location"] == "/review/?status=trial"
    assert editor_client.get("/review/assignments/new?application=x").status_code == 404
    assert editor_client.get("/review/assignments/new?application=999").status_code == 404
    assert editor_client.get("/review/assignments/new?expert=999").status_code == 404
    assert editor_client.get("/review/assignments/999").status_code == 404


def test_an_expert_gets_an_assignment_in_their_zone(editor_client, expert):
    url = f"/review/assignments/new?expert={expert.id}"
    page = text(editor_client.get(url))
    assert "<h1>New assignment for \u2068Arman Petrosyan\u2069</h1>" in page
    assert '<option selected value="Asia/Yerevan">Yerevan time</option>' in page
    response = editor_client.post(
        url, data=new_form_data(editor_client, url, timezone="Asia/Yerevan")
    )
    (assignment,) = db.session.scalars(select(Assignment))
    assert response.headers["Location"] == f"/review/assignments/{assignment.id}"
    assert (assignment.expert_id, assignment.application_id) == (expert.id, None)


def edit_data(client, assignment, **changes):
    fields = hidden_fields(
        client.get(f"/review/assignments/{assignment.id}").get_data(as_text=True)
    )
    return {
        "csrf_token": fields["csrf_token"],
        "expected_version": fields["expected_version"],
        "title": assignment.title,
        "brief": assignment.brief,
        "fee": "250.00",
        "currency": "EUR",
        "deadline_day": "2099-12-20",
        "deadline_time": "18:00",
        "timezone": "Asia/Tbilisi",
        "editor": str(assignment.editor_id),
        **changes,
    }


def test_the_edit_form_shows_the_deadline_in_its_zone_and_saves(
    editor_client, on_trial, make_assignment
):
    assignment = make_assignment(application=on_trial, deadline_at=datetime(2099, 12, 20, 14, 0))
    page = text(editor_client.get(f"/review/assignments/{assignment.id}"))
    assert 'name="fee" required type="text" value="250.00"' in page
    assert 'name="deadline_day" required type="date" value="2099-12-20"' in page
    assert 'name="deadline_time" required type="time" value="18:00"' in page
    response = editor_client.post(
        f"/review/assignments/{assignment.id}/edit",
        data=edit_data(editor_client, assignment, fee="300", deadline_time="12:00"),
    )
    assert response.headers["Location"] == f"/review/assignments/{assignment.id}"
    db.session.expire_all()
    stored = db.session.get(Assignment, assignment.id)
    assert (stored.fee_minor, stored.deadline_at) == (30000, datetime(2099, 12, 20, 8, 0))
    page = text(editor_client.get(f"/review/assignments/{assignment.id}"))
    assert "The assignment is saved." in page
    assert "Ana Editor: Changed: fee, deadline." in page


def test_a_stale_edit_tells_what_changed_and_keeps_the_input(
    editor_client, on_trial, make_assignment, editor
):
    assignment = make_assignment(application=on_trial)
    data = edit_data(editor_client, assignment, title="My new title")
    advance_assignment(assignment, "accepted", by=editor)  # a colleague, meanwhile
    response = editor_client.post(f"/review/assignments/{assignment.id}/edit", data=data)
    page = text(response)
    assert response.status_code == 409
    assert "Someone changed this assignment while you were looking" in page
    assert "Ana Editor on " in page
    assert ": From “Offered” to “Accepted by the author”." in page
    assert 'value="My new title"' in page
    assert db.session.get(Assignment, assignment.id).title == "Winter in Gudauri"


def advance(client, assignment, state, **fields):
    page = client.get(f"/review/assignments/{assignment.id}").get_data(as_text=True)
    data = {
        "csrf_token": hidden_fields(page)["csrf_token"],
        "expected_version": str(db.session.get(Assignment, assignment.id).version_id),
        "new_state": state,
        **fields,
    }
    return client.post(f"/review/assignments/{assignment.id}/state", data=data)


def test_next_steps_move_the_assignment_to_paid(editor_client, on_trial, make_assignment):
    assignment = make_assignment(application=on_trial)
    for state in ("accepted", "delivered", "edited"):
        assert advance(editor_client, assignment, state).status_code == 302
    response = advance(
        editor_client,
        assignment,
        "published",
        published_url="https://example.org/gudauri",
        published_on="2099-12-22",
    )
    assert response.status_code == 302
    advance(editor_client, assignment, "paid", paid_on="2099-12-30")
    page = text(editor_client.get(f"/review/assignments/{assignment.id}"))
    assert "The assignment is now “Paid”." in page
    assert (
        '<a href="https://example.org/gudauri" rel="noopener noreferrer nofollow">'
        "https://example.org/gudauri</a> · 22 Dec 2099" in page
    )
    assert "<dt>Paid on</dt><dd>30 Dec 2099</dd>" in page
    assert "This assignment is finished." in page


def test_a_published_url_is_stored_as_text_and_never_fetched(
    editor_client, on_trial, make_assignment
):
    # A listener on loopback stands for the newsroom's site: nothing may connect to it when
    # the URL is saved, shown on every page that names it, or while the worker runs.
    with socket.create_server(("127.0.0.1", 0)) as site:
        site.setblocking(False)
        url = f"https://127.0.0.1:{site.getsockname()[1]}/gudauri"
        assignment = make_assignment(application=on_trial)
        for state in ("accepted", "delivered", "edited"):
            advance(editor_client, assignment, state)
        response = advance(
            editor_client, assignment, "published", published_url=url, published_on="2099-12-22"
        )
        assert response.status_code == 302
        shown = [
            text(editor_client.get(page))
            for page in (
                f"/review/assignments/{assignment.id}",
                f"/review/applications/{on_trial.id}",
            )
        ]
        run_pending()
        with pytest.raises(BlockingIOError):
            site.accept()
    assert f'<a href="{url}" rel="noopener noreferrer nofollow">{url}</a>' in shown[0]
    assert db.session.get(Assignment, assignment.id).published_url == url


def test_a_javascript_url_is_refused_on_the_page(editor_client, on_trial, make_assignment, editor):
    assignment = make_assignment(application=on_trial)
    for state in ("accepted", "delivered", "edited"):
        advance_assignment(assignment, state, by=editor)
    response = advance(
        editor_client,
        assignment,
        "published",
        published_url="javascript:alert(1)",
        published_on="2099-12-22",
    )
    page = text(response)
    assert response.status_code == 400
    assert "Please give a web address starting with https:// or http://." in page
    assert 'href="javascript:' not in page
    assert db.session.get(Assignment, assignment.id).state == "edited"


def test_a_skipped_state_is_refused_on_the_page(editor_client, on_trial, make_assignment):
    assignment = make_assignment(application=on_trial)
    response = advance(editor_client, assignment, "paid", paid_on="2099-12-30")
    assert response.status_code == 400
    assert (
        "An assignment that is “Offered” cannot become “Paid”. Please choose one of the steps "
        "offered." in text(response)
    )
    assert db.session.get(Assignment, assignment.id).state == "offered"


def test_a_guest_is_refused_the_assignment_pages_and_sees_no_section(
    app, call, make_user, make_application, make_assignment
):
    guest_client = app.test_client()
    login_as(guest_client, make_guest(make_user, call))
    candidate = make_application(status="trial", region="armenia")
    assignment = make_assignment(application=candidate)
    page = guest_client.get(f"/review/applications/{candidate.id}").get_data(as_text=True)
    assert "Nino Beridze" in page  # in the guest's scope
    assert "Assignments" not in page
    assert "Winter in Gudauri" not in page
    for url in (
        f"/review/assignments/{assignment.id}",
        f"/review/assignments/{assignment.id}/brief",
        f"/review/assignments/new?application={candidate.id}",
    ):
        response = guest_client.get(url)
        assert response.status_code == 403
        assert "Winter in Gudauri" not in response.get_data(as_text=True)
