"""Webhook events: one delivery row and one job per subscribed endpoint, in the caller's
transaction.

:func:`emit` is called where the cause is written (a submission, the one status path, an
erasure, an assignment), before the caller commits: the deliveries are written together
with their cause, or not at all. A body is thin JSON without personal data —
``{"id", "type", "created_at", "data": {"reference", …}}`` — receivers fetch the details
through the API with their token.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable

from sqlalchemy import delete, select

from tracker.database import PREPARE
from tracker.enums import WebhookEvent
from tracker.extensions import db
from tracker.jobs.queue import delete_jobs, enqueue
from tracker.models import WebhookDelivery, WebhookEndpoint, utcnow

DELIVER_WEBHOOK = "deliver_webhook"


def event_body(event: WebhookEvent, event_id: str, data: dict) -> str:
    """Return the JSON posted (and signed) for one event."""
    created_at = utcnow().replace(microsecond=0).isoformat() + "Z"
    return json.dumps(
        {"id": event_id, "type": str(event), "created_at": created_at, "data": data},
        separators=(",", ":"),
    )


def _application_reference(event: WebhookEvent, data: dict) -> str | None:
    """Return the reference of the application an event is about, kept for its erasure."""
    if event is WebhookEvent.APPLICATION_ERASED:
        return None  # sent after the erasure; nothing more to delete
    if event.value.startswith("application."):
        return data["reference"]
    return data.get("application_reference")


# Asked at every submission: built once, and prepared on PostgreSQL.
_ACTIVE_ENDPOINTS = (
    select(WebhookEndpoint.id, WebhookEndpoint.events)
    .where(WebhookEndpoint.active)
    .execution_options(**PREPARE)
)


def emit(event: WebhookEvent, **data) -> list[WebhookDelivery]:
    """Queue *event* with *data* to every active endpoint that subscribed to it.

    Writes one WebhookDelivery and one ``deliver_webhook`` job per endpoint in the
    session's transaction (nothing is committed). Without endpoints this costs one query
    of the endpoints table and writes nothing. *data* holds references, ids and states
    only, never personal data.
    """
    endpoints = db.session.execute(_ACTIVE_ENDPOINTS).all()
    endpoint_ids = [id_ for id_, events in endpoints if str(event) in events]
    if not endpoint_ids:
        return []
    event_id = f"evt_{uuid.uuid4().hex}"
    body = event_body(event, event_id, data)
    deliveries = [
        WebhookDelivery(
            endpoint_id=endpoint_id,
            event=str(event),
            event_id=event_id,
            body=body,
            application_reference=_application_reference(event, data),
        )
        for endpoint_id in endpoint_ids
    ]
    db.session.add_all(deliveries)
    db.session.flush()
    for delivery in deliveries:
        enqueue(DELIVER_WEBHOOK, delivery_id=delivery.id)
    return deliveries


def queue_again(delivery: WebhookDelivery) -> WebhookDelivery:
    """Queue *delivery*'s event (same event id and body) to its endpoint once more.

    A new row of the log and a new job, in the caller's transaction; the signature gets a
    new timestamp when it is sent.
    """
    again = WebhookDelivery(
        endpoint_id=delivery.endpoint_id,
        event=delivery.event,
        event_id=delivery.event_id,
        body=delivery.body,
        application_reference=delivery.application_reference,
    )
    db.session.add(again)
    db.session.flush()
    enqueue(DELIVER_WEBHOOK, delivery_id=again.id)
    return again


def forget_deliveries(references: Iterable[str]) -> None:
    """Delete the deliveries (and their jobs) about the applications *references* name.

    Part of an erasure, in its transaction: a body names the application by reference and
    its status history, which the erasure removes everywhere else too.
    """
    references = list(references)
    about = select(WebhookDelivery.id).where(WebhookDelivery.application_reference.in_(references))
    delete_jobs(DELIVER_WEBHOOK, "delivery_id", about)
    db.session.execute(
        delete(WebhookDelivery)
        .where(WebhookDelivery.application_reference.in_(references))
        .execution_options(synchronize_session=False)
    )
