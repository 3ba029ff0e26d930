"""Send webhook deliveries: the ``deliver_webhook`` job, signed, with a timeout, no redirects.

Each delivery is one POST of its stored body (tracker.outbound.post) to the address that
was just checked to be public, with ``Tracker-Signature: t=<unix seconds>,v1=<hex
HMAC-SHA256 of "<t>.<body>">`` (Stripe's scheme). A 2xx answer delivers it; anything else —
another status, a redirect (never followed), a timeout, no connection — is retried with
the jobs' backoff (RetryLater), so a hanging endpoint costs one timeout per attempt and the
other jobs of the pass go on. The answer's body is read (at most 64 KB) but not stored.
The job's state is mirrored on the delivery row, which the delivery log shows.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from flask import current_app
from flask_babel import lazy_gettext as _l

from tracker.database import begin_write
from tracker.enums import JobStatus, WebhookDeliveryStatus
from tracker.extensions import db
from tracker.jobs.registry import ClaimedJob, JobFailed, RetryLater, job_kind
from tracker.models import Job, WebhookDelivery
from tracker.outbound import OutboundFailed, post
from tracker.webhooks.endpoints import WebhookError, public_addresses, target_of
from tracker.webhooks.events import DELIVER_WEBHOOK

# An answer's body is not kept; this much is read so the connection ends cleanly.
MAX_ANSWER_BYTES = 64 * 1024
USER_AGENT = "tracker-webhooks/1"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """Return the ``Tracker-Signature`` header of *body* sent at *timestamp*."""
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def mirror_job(job: Job) -> None:
    """Show a delivery job's state on its delivery row, the line of the delivery log."""
    delivery = db.session.get(WebhookDelivery, job.payload["delivery_id"])
    if delivery is None:
        return  # deleted with its endpoint, or erased with its application
    if job.status == JobStatus.RUNNING.value:
        delivery.status = WebhookDeliveryStatus.SENDING.value
    elif job.status == JobStatus.DONE.value:
        delivery.status = WebhookDeliveryStatus.DELIVERED.value
        delivery.delivered_at = job.finished_at
    elif job.status == JobStatus.QUEUED.value:
        delivery.status = WebhookDeliveryStatus.QUEUED.value
    else:
        delivery.status = WebhookDeliveryStatus.FAILED.value
    delivery.attempts = job.attempts
    delivery.last_error = job.last_error


def _record_answer(delivery_id: int, status: int | None, milliseconds: int | None) -> None:
    """Write the answer's status and time on the row and commit, whatever the job's outcome."""
    begin_write()
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is not None:
        delivery.response_status, delivery.response_ms = status, milliseconds
    db.session.commit()


@job_kind(DELIVER_WEBHOOK, label=_l("Send a webhook"), mirror=mirror_job)
def deliver_webhook(job: ClaimedJob, _resource: None) -> bool:
    """POST the delivery a claimed job names, once; False if the delivery is gone.

    :raises JobFailed: the endpoint is paused, or its address is not allowed (any more).
    :raises RetryLater: no 2xx answer within WEBHOOK_TIMEOUT_SECONDS, or the name of the
        endpoint's host does not resolve now.
    """
    delivery = db.session.get(WebhookDelivery, job.payload["delivery_id"])
    if delivery is None:
        db.session.commit()
        return False
    endpoint = delivery.endpoint
    url, secret, active = endpoint.url, endpoint.secret, endpoint.active
    event, event_id, body = delivery.event, delivery.event_id, delivery.body.encode()
    db.session.commit()  # no transaction stays open while the endpoint answers
    if not active:
        raise JobFailed("the endpoint is paused")
    try:
        target = target_of(url)
        address = public_addresses(target)[0]  # checked now: DNS may have changed
    except WebhookError as error:
        raise (RetryLater if error.transient else JobFailed)(str(error)) from error
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Tracker-Event": event,
        "Tracker-Delivery": event_id,
        "Tracker-Signature": signature(secret, int(time.time()), body),
    }
    try:
        answer = post(
            target,
            body,
            headers=headers,
            timeout=current_app.config["WEBHOOK_TIMEOUT_SECONDS"],
            connect_to=address,
            max_bytes=MAX_ANSWER_BYTES,
        )
    except OutboundFailed as error:
        _record_answer(job.payload["delivery_id"], None, None)
        raise RetryLater(str(error)) from error
    _record_answer(job.payload["delivery_id"], answer.status, answer.milliseconds)
    if 300 <= answer.status < 400:
        raise RetryLater(f"HTTP {answer.status}: redirect not followed")
    if not 200 <= answer.status < 300:
        raise RetryLater(f"HTTP {answer.status}")
    return True
