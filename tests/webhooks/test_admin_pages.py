"""Admin → Webhooks: register an endpoint (its secret shown once), the delivery log,
sending again, pausing, a new secret, deleting — audited, and for admins only."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.conftest import hidden_fields
from tests.webhooks.conftest import ALL_EVENTS, deliveries, webhook_jobs
from tests.webhooks.test_delivery import verify_signature
from tracker.applications.pipeline import set_status
from tracker.extensions import db
from tracker.jobs.runner import run_pending
from tracker.models import AuditEvent, WebhookEndpoint

WEBHOOKS = {"deliver_webhook"}
SECRET = re.compile(r'<code class="webhook-secret">(whsec_[A-Za-z0-9_-]+)</code>')


def form_token(client, path: str = "/admin/webhooks") -> str:
    return hidden_fields(client.get(path).text)["csrf_token"]


def register(client, url: str, events=("application.status_changed",), description="CMS"):
    return client.post(
        "/admin/webhooks",
        data={
            "csrf_token": form_token(client),
            "url": url,
            "description": description,
            "events": list(events),
        },
    )


def audit(action: str) -> list[dict]:
    return [
        event.details
        for event in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    ]


@pytest.fixture
def admin_pages(admin_client, allow_private):
    return admin_client


def test_registering_shows_the_secret_once_and_never_again(admin_pages, receiver):
    response = register(admin_pages, receiver.url)

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    (secret,) = SECRET.findall(response.text)
    endpoint = db.session.scalar(select(WebhookEndpoint))
    assert (endpoint.url, endpoint.description, endpoint.events, endpoint.active) == (
        receiver.url,
        "CMS",
        ["application.status_changed"],
        True,
    )
    assert endpoint.secret == secret
    with admin_pages.session_transaction() as session:
        assert "_flashes" not in session
    for page in ("/admin/webhooks", f"/admin/webhooks/{endpoint.id}"):
        text = admin_pages.get(page).text
        assert secret not in text
        assert receiver.url in text
    assert audit("webhook.endpoint_created") == [
        {
            "endpoint": endpoint.id,
            "host": receiver.url.split("/")[2],
            "events": ["application.status_changed"],
        }
    ]


def test_a_refused_address_is_shown_at_the_field_and_nothing_is_saved(admin_client):
    response = register(admin_client, "https://169.254.169.254/latest")

    assert response.status_code == 400
    assert (
        "169.254.169.254 is a link-local address; webhooks are sent to public addresses only."
        in response.text
    )
    assert db.session.scalar(select(WebhookEndpoint)) is None


def test_an_endpoint_without_events_is_refused(admin_pages, receiver):
    response = register(admin_pages, receiver.url, events=())
    assert response.status_code == 400
    assert "Please choose at least one event." in response.text
    assert db.session.scalar(select(WebhookEndpoint)) is None


def test_the_log_shows_each_delivery_and_send_again_queues_the_same_event(
    admin_pages, receiver, make_application, now_run
):
    secret = SECRET.findall(register(admin_pages, receiver.url).text)[0]
    endpoint = db.session.scalar(select(WebhookEndpoint))
    set_status(make_application(), "in_review", by=admin_pages.user)
    now_run()
    (first,) = deliveries()

    page = admin_pages.get(f"/admin/webhooks/{endpoint.id}").text
    row = page[page.index(f'id="delivery-{first.id}"') :].split("</tr>")[0]
    assert "<code>application.status_changed</code>" in row
    assert first.event_id in row
    assert "<td>Delivered</td>" in row
    assert "<td>200</td>" in row
    assert f"{first.response_ms} ms" in row

    response = admin_pages.post(
        f"/admin/webhooks/{endpoint.id}/deliveries/{first.id}/resend",
        data={"csrf_token": form_token(admin_pages, f"/admin/webhooks/{endpoint.id}")},
    )

    assert response.status_code == 302
    again = deliveries()[1]
    assert (again.event_id, again.body, again.status, again.attempts) == (
        first.event_id,
        first.body,
        "queued",
        0,
    )
    assert [job.payload for job in webhook_jobs()] == [
        {"delivery_id": first.id},
        {"delivery_id": again.id},
    ]
    now_run()
    assert [request.body for request in receiver.received] == [first.body.encode()] * 2
    assert receiver.received[1].headers["Tracker-Delivery"] == first.event_id
    verify = verify_signature()
    assert verify(secret, receiver.received[1].headers["Tracker-Signature"], first.body.encode())
    assert audit("webhook.delivery_resent") == [
        {
            "endpoint": endpoint.id,
            "delivery": first.id,
            "new_delivery": again.id,
            "event_id": first.event_id,
        }
    ]


def test_pausing_changing_a_secret_and_deleting_are_audited(admin_pages, receiver):
    old_secret = SECRET.findall(register(admin_pages, receiver.url).text)[0]
    endpoint = db.session.scalar(select(WebhookEndpoint))
    endpoint_id = endpoint.id
    path = f"/admin/webhooks/{endpoint.id}"

    paused = admin_pages.post(
        path,
        data={
            "csrf_token": form_token(admin_pages, path),
            "url": receiver.url,
            "description": "CMS (staging)",
            "events": ALL_EVENTS,
        },
    )
    assert paused.status_code == 302
    db.session.expire_all()
    assert (endpoint.active, endpoint.description, endpoint.events) == (
        False,
        "CMS (staging)",
        ALL_EVENTS,
    )

    rotated = admin_pages.post(f"{path}/secret", data={"csrf_token": form_token(admin_pages, path)})
    (new_secret,) = SECRET.findall(rotated.text)
    assert rotated.headers["Cache-Control"] == "no-store"
    db.session.expire_all()
    assert endpoint.secret == new_secret != old_secret

    deleted = admin_pages.post(f"{path}/delete", data={"csrf_token": form_token(admin_pages, path)})
    assert deleted.headers["Location"].endswith("/admin/webhooks")
    assert db.session.scalar(select(WebhookEndpoint)) is None
    assert audit("webhook.endpoint_changed") == [
        {"endpoint": endpoint_id, "changed": ["description", "events", "active"]}
    ]
    assert audit("webhook.secret_rotated") == [{"endpoint": endpoint_id}]
    assert audit("webhook.endpoint_deleted") == [
        {"endpoint": endpoint_id, "host": receiver.url.split("/")[2]}
    ]


def test_deleting_an_endpoint_takes_its_log_and_waiting_jobs(
    admin_pages, receiver, make_application
):
    register(admin_pages, receiver.url)
    endpoint = db.session.scalar(select(WebhookEndpoint))
    set_status(make_application(), "in_review", by=admin_pages.user)
    assert len(webhook_jobs()) == 1
    path = f"/admin/webhooks/{endpoint.id}"

    admin_pages.post(f"{path}/delete", data={"csrf_token": form_token(admin_pages, path)})

    assert deliveries() == []
    assert webhook_jobs() == []


def test_editors_cannot_see_or_change_webhooks(editor_client, admin_pages, receiver):
    register(admin_pages, receiver.url)
    endpoint = db.session.scalar(select(WebhookEndpoint))
    token = hidden_fields(editor_client.get("/review/").text)["csrf_token"]

    assert editor_client.get("/admin/webhooks").status_code == 403
    assert editor_client.get(f"/admin/webhooks/{endpoint.id}").status_code == 403
    created = editor_client.post(
        "/admin/webhooks", data={"csrf_token": token, "url": receiver.url, "events": ALL_EVENTS}
    )
    rotated = editor_client.post(
        f"/admin/webhooks/{endpoint.id}/secret", data={"csrf_token": token}
    )
    assert (created.status_code, rotated.status_code) == (403, 403)
    assert db.session.scalars(select(WebhookEndpoint.secret)).all() == [endpoint.secret]


@pytest.fixture
def now_run(app):
    """Run the due webhook jobs now."""
    return lambda: run_pending(kinds=WEBHOOKS)


def test_reloading_the_secret_page_registers_nothing_more(admin_pages, receiver):
    fields = hidden_fields(admin_pages.get("/admin/webhooks?lang=en").text)
    form = fields | {"url": receiver.url, "description": "CMS", "events": ["application.created"]}

    first = admin_pages.post("/admin/webhooks", data=form)
    again = admin_pages.post("/admin/webhooks", data=form)

    assert len(SECRET.findall(first.text)) == 1
    assert SECRET.findall(again.text) == []
    assert "This form was sent already (the page was reloaded)" in again.text
    assert len(db.session.scalars(select(WebhookEndpoint)).all()) == 1
