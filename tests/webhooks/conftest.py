"""A webhook receiver on loopback: a real HTTP server in a thread that records every request
and answers as a test tells it to (200, 500, a redirect, or no answer at all)."""

from __future__ import annotations

import json
import threading
from contextlib import ExitStack
from dataclasses import dataclass, field

import pytest
from flask_babel import force_locale
from werkzeug.wrappers import Request, Response

from tests.http_servers import serving
from tracker.enums import WebhookEvent
from tracker.extensions import db
from tracker.models import Job, WebhookDelivery
from tracker.webhooks.endpoints import create_endpoint

ALL_EVENTS = [event.value for event in WebhookEvent]


@dataclass
class Received:
    """One request the receiver got."""

    path: str
    headers: dict
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """The receiver: *answer* is "ok" (200), "error" (500), "redirect" (302 to
    *redirect_to*) or "hang" (no answer until the test ends)."""

    url: str = ""
    answer: str = "ok"
    redirect_to: str = ""
    received: list[Received] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def respond(self, request: Request) -> Response:
        self.received.append(Received(request.path, dict(request.headers), request.get_data()))
        if self.answer == "error":
            return Response("overloaded", status=500)
        if self.answer == "redirect":
            return Response("", status=302, headers={"Location": self.redirect_to})
        if self.answer == "hang":
            # Waits for an event set only when the test ends: the client gives up first.
            self.release.wait(30)
        return Response("thanks", status=200)


@pytest.fixture
def receivers():
    """Start receivers on 127.0.0.1 as a test asks for them (``receivers()``); stop them all."""
    with ExitStack() as stack:

        def start() -> Receiver:
            receiver = Receiver()
            receiver.url = stack.enter_context(serving(receiver.respond)) + "/hooks/tracker"
            # Set before the server stops (callbacks run last in, first out).
            stack.callback(receiver.release.set)
            return receiver

        yield start


@pytest.fixture
def receiver(receivers) -> Receiver:
    return receivers()


@pytest.fixture
def allow_private(app):
    """Development mode: endpoints on loopback and plain http are allowed."""
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True


@pytest.fixture
def admin(make_user):
    return make_user("webhook-admin@example.org", "admin", name="Wanda Admin")


@pytest.fixture
def make_endpoint(allow_private, admin):
    """Register an endpoint at *url* for *events* (all by default); return (endpoint, secret)."""

    def make(url: str, events: list[str] | None = None, description: str = "CMS"):
        return create_endpoint(
            url=url, description=description, events=events or ALL_EVENTS, by=admin
        )

    return make


def deliveries() -> list[WebhookDelivery]:
    """Return every delivery row, oldest first, read afresh."""
    db.session.expire_all()
    return list(db.session.scalars(db.select(WebhookDelivery).order_by(WebhookDelivery.id)))


def webhook_jobs() -> list[Job]:
    """Return the deliver_webhook jobs, oldest first."""
    return list(
        db.session.scalars(db.select(Job).where(Job.kind == "deliver_webhook").order_by(Job.id))
    )


@pytest.fixture(autouse=True)
def english(app):
    """Messages (refusals, errors on the log) in English, as an English page shows them."""
    with force_locale("en"):
        yield
