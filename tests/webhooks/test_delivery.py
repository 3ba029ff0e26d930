"""Deliveries reach a real receiver on loopback: signed as documented, retried after a
failure, cut by the timeout, never redirected, and mirrored on the delivery log's rows."""

from __future__ import annotations

import socket
import time
from datetime import timedelta
from pathlib import Path

import pytest

from tests.webhooks.conftest import deliveries, webhook_jobs
from tracker.applications.pipeline import set_status
from tracker.extensions import db
from tracker.jobs.runner import run_pending
from tracker.models import utcnow
from tracker.webhooks.delivery import signature
from tracker.webhooks.endpoints import rotate_secret

SNIPPET = Path(__file__).parents[2] / "docs" / "webhooks" / "verify_signature.py"
WEBHOOKS = {"deliver_webhook"}


def verify_signature():
    """Return the receivers' verification function, exactly as the README shows it."""
    namespace: dict = {}
    exec(SNIPPET.read_text(), namespace)  # noqa: S102 - our own documented snippet
    return namespace["verify_signature"]


def outcome(delivery) -> tuple:
    """Return what the delivery log shows of an attempt: state, attempts, answer, error, when."""
    return (
        delivery.status,
        delivery.attempts,
        delivery.response_status,
        delivery.last_error,
        delivery.delivered_at,
    )


@pytest.fixture
def now():
    return utcnow().replace(microsecond=0)


@pytest.fixture
def changed(app, make_application, make_user):
    """Change an application's status (emitting application.status_changed) and commit."""

    def change(status: str = "in_review"):
        application = make_application()
        set_status(application, status, by=make_user(f"{application.reference}@example.org"))
        return application

    return change


def test_a_delivery_is_posted_signed_and_the_documented_snippet_verifies_it(
    receiver, make_endpoint, changed, now
):
    endpoint, secret = make_endpoint(receiver.url)
    application = changed()
    (queued,) = deliveries()

    report = run_pending(now=now, kinds=WEBHOOKS)

    assert (report.attempted, report.done) == (1, 1)
    (request,) = receiver.received
    assert request.path == "/hooks/tracker"
    assert request.body == queued.body.encode()
    assert request.json["data"] == {
        "reference": application.reference,
        "call_id": application.call_id,
        "status": "in_review",
        "previous_status": "new",
    }
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Tracker-Event"] == "application.status_changed"
    assert request.headers["Tracker-Delivery"] == queued.event_id == request.json["id"]
    assert request.headers["Tracker-Signature"].startswith("t=")
    verify = verify_signature()
    assert verify(secret, request.headers["Tracker-Signature"], request.body) is True
    assert verify("whsec_wrong", request.headers["Tracker-Signature"], request.body) is False
    assert verify(secret, request.headers["Tracker-Signature"], request.body + b" ") is False
    (delivery,) = deliveries()
    assert outcome(delivery) == ("delivered", 1, 200, None, now)
    assert isinstance(delivery.response_ms, int)
    assert [job.status for job in webhook_jobs()] == ["done"]


def test_a_500_is_retried_with_backoff_then_delivered_with_the_same_event_id(
    receiver, make_endpoint, changed, now
):
    _endpoint, secret = make_endpoint(receiver.url)
    changed()
    receiver.answer = "error"

    first = run_pending(now=now, kinds=WEBHOOKS)

    assert (first.attempted, first.deferred) == (1, 1)
    (delivery,) = deliveries()
    assert outcome(delivery) == ("queued", 1, 500, "HTTP 500", None)
    (job,) = webhook_jobs()
    assert job.next_attempt_at == now + timedelta(seconds=60)  # JOB_RETRY_BASE_SECONDS
    assert run_pending(now=now + timedelta(seconds=59), kinds=WEBHOOKS).attempted == 0

    receiver.answer = "ok"
    second = run_pending(now=now + timedelta(seconds=60), kinds=WEBHOOKS)

    assert (second.attempted, second.done) == (1, 1)
    (delivery,) = deliveries()
    assert outcome(delivery) == ("delivered", 2, 200, None, now + timedelta(seconds=60))
    assert [request.body for request in receiver.received] == [delivery.body.encode()] * 2
    assert {request.headers["Tracker-Delivery"] for request in receiver.received} == {
        delivery.event_id
    }
    verify = verify_signature()
    assert all(
        verify(secret, request.headers["Tracker-Signature"], request.body)
        for request in receiver.received
    )


def test_a_delivery_out_of_attempts_fails(app, receiver, make_endpoint, changed, now):
    app.config["JOB_MAX_ATTEMPTS"] = 2
    make_endpoint(receiver.url)
    changed()
    receiver.answer = "error"

    run_pending(now=now, kinds=WEBHOOKS)
    run_pending(now=now + timedelta(minutes=5), kinds=WEBHOOKS)

    (delivery,) = deliveries()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("failed", 2, "HTTP 500")
    assert len(receiver.received) == 2


def test_a_hanging_endpoint_is_cut_by_the_timeout_and_the_next_endpoint_still_gets_its_event(
    app, receivers, make_endpoint, changed, now
):
    app.config["WEBHOOK_TIMEOUT_SECONDS"] = 0.3
    hanging, working = receivers(), receivers()
    hanging.answer = "hang"
    slow, _ = make_endpoint(hanging.url)
    quick, _ = make_endpoint(working.url)
    changed()

    report = run_pending(now=now, kinds=WEBHOOKS)

    assert (report.attempted, report.deferred, report.done) == (2, 1, 1)
    by_endpoint = {row.endpoint_id: row for row in deliveries()}
    assert (
        by_endpoint[slow.id].status,
        by_endpoint[slow.id].response_status,
        by_endpoint[slow.id].last_error,
    ) == ("queued", None, "timeout: no answer within 0.3 s")
    assert (by_endpoint[quick.id].status, by_endpoint[quick.id].response_status) == (
        "delivered",
        200,
    )
    assert len(hanging.received) == len(working.received) == 1


def test_a_redirect_is_not_followed(receivers, make_endpoint, changed, now):
    answering, elsewhere = receivers(), receivers()
    answering.answer, answering.redirect_to = "redirect", elsewhere.url
    make_endpoint(answering.url)
    changed()

    report = run_pending(now=now, kinds=WEBHOOKS)

    assert report.deferred == 1
    (delivery,) = deliveries()
    assert (delivery.status, delivery.response_status, delivery.last_error) == (
        "queued",
        302,
        "HTTP 302: redirect not followed",
    )
    assert len(answering.received) == 1
    assert elsewhere.received == []


def test_the_address_is_checked_again_before_each_delivery(
    app, receiver, make_endpoint, changed, now
):
    make_endpoint(receiver.url)
    make_endpoint("https://localhost:9/hooks")
    changed()
    # The name localhost resolves to a loopback address, refused once this is off (as a
    # name whose DNS answer changed after it was registered would be).
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    first = socket.getaddrinfo("localhost", 9, type=socket.SOCK_STREAM)[0][4][0]

    report = run_pending(now=now, kinds=WEBHOOKS)

    assert report.failed == 2
    assert [(row.status, row.last_error) for row in deliveries()] == [
        ("failed", "Webhooks are sent over https only: the address must start with https://."),
        (
            "failed",
            f"localhost resolves to {first}, a loopback address; webhooks are sent to public "
            "addresses only.",
        ),
    ]
    assert receiver.received == []


def test_a_paused_endpoint_gets_nothing_already_queued(receiver, make_endpoint, changed, now):
    endpoint, _ = make_endpoint(receiver.url)
    changed()
    endpoint.active = False
    db.session.commit()

    run_pending(now=now, kinds=WEBHOOKS)

    (delivery,) = deliveries()
    assert (delivery.status, delivery.last_error) == ("failed", "the endpoint is paused")
    assert receiver.received == []


def test_retries_are_signed_with_a_new_secret(receiver, make_endpoint, changed, now, admin):
    endpoint, old = make_endpoint(receiver.url)
    changed()
    receiver.answer = "error"
    run_pending(now=now, kinds=WEBHOOKS)
    new = rotate_secret(endpoint, by=admin)
    receiver.answer = "ok"

    run_pending(now=now + timedelta(minutes=5), kinds=WEBHOOKS)

    verify = verify_signature()
    first, second = receiver.received
    assert verify(old, first.headers["Tracker-Signature"], first.body) is True
    assert verify(new, second.headers["Tracker-Signature"], second.body) is True
    assert verify(old, second.headers["Tracker-Signature"], second.body) is False


def test_the_snippet_refuses_an_old_timestamp():
    verify = verify_signature()
    body = b'{"id":"evt_1"}'
    stale = int(time.time()) - 301
    assert verify("whsec_x", signature("whsec_x", stale, body), body) is False
    assert verify("whsec_x", signature("whsec_x", stale + 60, body), body) is True
    assert verify("whsec_x", "v1=abc", body) is False


def test_the_readme_shows_the_snippet_the_tests_run():
    readme = (SNIPPET.parents[2] / "README.md").read_text()
    if "Tracker-Signature" not in readme:
        pytest.skip("the webhooks section is not merged into README.md yet")
    assert SNIPPET.read_text() in readme


def test_a_name_that_does_not_resolve_now_is_retried(
    receiver, make_endpoint, changed, now, monkeypatch
):
    make_endpoint("https://localhost:9/hooks")
    changed()

    def no_dns(*_args, **_kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    # The system's resolver fails (a DNS outage), not our client.
    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    report = run_pending(now=now, kinds=WEBHOOKS)

    assert report.deferred == 1
    (delivery,) = deliveries()
    assert (delivery.status, delivery.last_error) == (
        "queued",
        "The name localhost could not be found. Please check the address.",
    )
