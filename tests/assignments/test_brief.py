"""The brief email: rendered from the admins' template in the author's language, edited,
fill-in parts enforced, queued once; the admins' preview of the expert templates."""

from __future__ import annotations

import html
import re
from datetime import datetime

import pytest
from sqlalchemy import select

from tests.conftest import hidden_fields
from tests.mail.test_compose import field_value
from tracker.extensions import db
from tracker.mail.template_store import seed_templates
from tracker.models import AuditEvent, OutboxEmail

DEADLINE = datetime(2099, 12, 20, 14, 0)  # 18:00 in Tbilisi and Yerevan


@pytest.fixture
def seeded(app):
    seed_templates()


def emails() -> list[OutboxEmail]:
    return list(db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))


def brief_form(client, assignment) -> tuple[str, dict]:
    page = client.get(f"/review/assignments/{assignment.id}/brief").get_data(as_text=True)
    data = {
        **hidden_fields(page),
        "subject": field_value(page, "subject"),
        "body_text": field_value(page, "body_text"),
    }
    return page, data


def test_the_brief_to_an_expert_is_in_english_with_fee_and_deadline_in_their_zone(
    editor_client, seeded, expert, make_assignment
):
    assignment = make_assignment(expert=expert, timezone="Asia/Yerevan", deadline_at=DEADLINE)
    page, data = brief_form(editor_client, assignment)
    assert "<dd>arman@example.org</dd>" in page
    assert data["subject"] == "Assignment: Winter in Gudauri"
    body = data["body_text"]
    assert body.startswith("Hello Arman Petrosyan,\r\n") or body.startswith(
        "Hello Arman Petrosyan,\n"
    )
    assert "Working title: Winter in Gudauri" in body
    assert "Fee: €250.00" in body
    assert "Deadline: 20 Dec 2099, 18:00 (Yerevan time)" in body
    assert "3,000 characters on the ski season." in body
    assert "Ana Editor" in body


def test_a_brief_with_its_fill_in_part_left_is_refused(
    editor_client, seeded, expert, make_assignment
):
    assignment = make_assignment(expert=expert, deadline_at=DEADLINE)
    _page, data = brief_form(editor_client, assignment)
    response = editor_client.post(
        f"/review/assignments/{assignment.id}/brief", data={**data, "action": "send"}
    )
    assert response.status_code == 400
    assert "Fill in the marked parts before sending: [[Write here anything else" in html.unescape(
        response.get_data(as_text=True)
    )
    assert emails() == []


def _filled(data: dict) -> dict:
    body = re.sub(r"\[\[.*?\]\]\r?\n", "", data["body_text"])
    return {**data, "body_text": body, "action": "send"}


def test_the_brief_is_queued_once_to_the_expert_and_recorded(
    editor_client, seeded, expert, make_assignment
):
    assignment = make_assignment(expert=expert, deadline_at=DEADLINE)
    _page, data = brief_form(editor_client, assignment)
    url = f"/review/assignments/{assignment.id}/brief"
    first = editor_client.post(url, data=_filled(data))
    second = editor_client.post(url, data=_filled(data))
    assert (
        first.headers["Location"]
        == second.headers["Location"]
        == (f"/review/assignments/{assignment.id}")
    )
    (email,) = emails()
    assert (email.to_address, email.template, email.language, email.status) == (
        "arman@example.org",
        "assignment_brief",
        "en",
        "queued",
    )
    assert (email.expert_id, email.application_id) == (expert.id, None)
    assert "[[" not in email.body_text
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "email.queued")).all()
    assert [(e.details["assignment_id"], e.details["email"]) for e in events] == [
        (assignment.id, email.id)
    ]
    page = html.unescape(editor_client.get(f"/review/assignments/{assignment.id}").text)
    assert "The brief is queued. It will be sent in a moment." in page
    assert "This email was queued already; it was not queued again." in page
    assert "Ana Editor: Brief sent by email." in page


def test_the_brief_to_a_candidate_is_in_their_language_and_tied_to_the_application(
    editor_client, seeded, on_trial, make_assignment
):
    assignment = make_assignment(application=on_trial, deadline_at=DEADLINE)
    _page, data = brief_form(editor_client, assignment)
    assert data["subject"] == "Auftrag: Winter in Gudauri"
    assert "Honorar: 250,00\xa0€" in data["body_text"]
    assert "Abgabe: 20. Dez. 2099, 18:00 (Ortszeit Tiflis)" in data["body_text"]
    editor_client.post(f"/review/assignments/{assignment.id}/brief", data=_filled(data))
    (email,) = emails()
    assert (email.to_address, email.language, email.application_id, email.expert_id) == (
        "nino@example.org",
        "de",
        on_trial.id,
        None,
    )


def test_the_preview_does_not_queue(editor_client, seeded, expert, make_assignment):
    assignment = make_assignment(expert=expert, deadline_at=DEADLINE)
    _page, data = brief_form(editor_client, assignment)
    response = editor_client.post(
        f"/review/assignments/{assignment.id}/brief", data={**data, "action": "preview"}
    )
    assert "<dd data-preview-subject>Assignment: Winter in Gudauri</dd>" in response.text
    assert emails() == []


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        (
            "assignment_brief",
            [
                "Working title: Winter in Gudauri",
                "Fee: €250.00",
                "Deadline: 20 Dec 2026, 18:00 (Tbilisi time)",
            ],
        ),
        ("expert_invitation", ["please apply here:\nhttp://localhost/apply/local-experts"]),
    ],
)
def test_the_admins_preview_renders_the_expert_templates(
    app, admin_client, seeded, call, key, expected
):
    page = admin_client.get(f"/admin/email-templates/{key}/en?lang=en").text
    data = {
        "csrf_token": hidden_fields(page)["csrf_token"],
        "subject": field_value(page, "subject"),
        "body_text": field_value(page, "body_text"),
        "body_html": "",
        "action": "preview",
    }
    response = admin_client.post(f"/admin/email-templates/{key}/en?lang=en", data=data)
    assert response.status_code == 200
    body = html.unescape(
        re.search(
            r'<div class="document-preview" data-preview-body>(.*?)</div>', response.text, re.S
        ).group(1)
    )
    for line in expected:
        assert line in body
    assert "{{" not in body
    assert "The deadline in the expert's time zone, naming the zone" in html.unescape(page) or (
        key != "assignment_brief"
    )
