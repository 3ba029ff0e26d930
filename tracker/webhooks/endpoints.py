"""Webhook endpoints: registered, changed, paused, deleted and re-keyed by admins, audited.

An endpoint's address must be https and every address its name resolves to public: a
webhook must not become a way to make the server post to itself, to the cloud's metadata
service (169.254.169.254) or to the newsroom's internal network. WEBHOOK_ALLOW_PRIVATE
(development only) lifts both rules. The address is checked again before every delivery
(tracker.webhooks.delivery), since DNS may answer differently by then.
"""

from __future__ import annotations

import secrets

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from tracker.audit import record_event
from tracker.database import begin_write
from tracker.enums import WebhookEvent
from tracker.extensions import db
from tracker.jobs.queue import delete_jobs
from tracker.models import User, WebhookDelivery, WebhookEndpoint
from tracker.outbound import OutboundUrlError, Target, checked_addresses, split_url
from tracker.webhooks.events import DELIVER_WEBHOOK, queue_again

ADDRESS_KINDS = {
    "unspecified": _l("an unspecified address"),
    "loopback": _l("a loopback address"),
    "link-local": _l("a link-local address"),
    "multicast": _l("a multicast address"),
    "private": _l("a private address"),
    "reserved": _l("a reserved address"),
}


class WebhookError(Exception):
    """An endpoint cannot be saved as asked; the message says why, *field* where."""

    def __init__(self, message: str, field: str = "url", *, transient: bool = False):
        super().__init__(message)
        self.field = field
        # A name that does not resolve now may resolve later (a DNS outage): worth a retry.
        self.transient = transient


def new_secret() -> str:
    """Return a new signing secret (256 random bits)."""
    return f"whsec_{secrets.token_urlsafe(32)}"


def allow_private() -> bool:
    """Tell whether WEBHOOK_ALLOW_PRIVATE admits http:// and non-public addresses."""
    return bool(current_app.config.get("WEBHOOK_ALLOW_PRIVATE"))


def refusal_message(error: OutboundUrlError, host: str) -> str:
    """Return the admin's words for why *host* is refused."""
    if error.reason == "unresolvable":
        return _("The name %(host)s could not be found. Please check the address.", host=host)
    if error.reason in ADDRESS_KINDS:
        kind = ADDRESS_KINDS[error.reason]
        if error.address == host:
            return _(
                "%(address)s is %(kind)s; webhooks are sent to public addresses only.",
                address=error.address,
                kind=kind,
            )
        return _(
            "%(host)s resolves to %(address)s, %(kind)s; webhooks are sent to public "
            "addresses only.",
            host=host,
            address=error.address,
            kind=kind,
        )
    return _(
        "Please give a web address such as https://cms.example.org/hooks "
        "(no user name or password, no #fragment)."
    )


def target_of(url: str) -> Target:
    """Return where *url* points, or raise WebhookError for an address not allowed."""
    try:
        target = split_url(url, allow_query=True)
    except OutboundUrlError as error:
        raise WebhookError(refusal_message(error, "")) from error
    if target.scheme != "https" and not allow_private():
        raise WebhookError(
            _("Webhooks are sent over https only: the address must start with https://.")
        )
    return target


def public_addresses(target: Target) -> list[str]:
    """Return the addresses *target*'s host resolves to, or raise WebhookError if one of
    them is not public (unless WEBHOOK_ALLOW_PRIVATE) or the name does not resolve."""
    try:
        return checked_addresses(target, allow_private=allow_private())
    except OutboundUrlError as error:
        raise WebhookError(
            refusal_message(error, target.host), transient=error.reason == "unresolvable"
        ) from error


def check_url(url: str) -> str:
    """Return *url* stripped if webhooks may be sent to it; else raise WebhookError."""
    url = url.strip()
    public_addresses(target_of(url))
    return url


def _events(events: list[str]) -> list[str]:
    chosen = [event.value for event in WebhookEvent if event.value in events]
    if not chosen:
        raise WebhookError(_("Please choose at least one event."), "events")
    return chosen


def create_endpoint(
    *, url: str, description: str, events: list[str], by: User
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint, audit it and commit; return it and its secret (shown once)."""
    url, events = check_url(url), _events(events)
    secret = new_secret()
    begin_write()
    endpoint = WebhookEndpoint(
        url=url, description=description.strip(), events=events, secret=secret, created_by_id=by.id
    )
    db.session.add(endpoint)
    db.session.flush()
    record_event(
        "webhook.endpoint_created",
        actor=by,
        endpoint=endpoint.id,
        host=_host(url),
        events=events,
    )
    db.session.commit()
    return endpoint, secret


def update_endpoint(
    endpoint: WebhookEndpoint,
    *,
    url: str,
    description: str,
    events: list[str],
    active: bool,
    by: User,
) -> list[str]:
    """Change an endpoint (a paused one receives nothing), audit which fields, commit;
    return the names of the fields changed."""
    wanted = {
        "url": check_url(url) if url.strip() != endpoint.url else endpoint.url,
        "description": description.strip(),
        "events": _events(events),
        "active": active,
    }
    begin_write()
    changed = [name for name, value in wanted.items() if getattr(endpoint, name) != value]
    for name in changed:
        setattr(endpoint, name, wanted[name])
    if changed:
        record_event("webhook.endpoint_changed", actor=by, endpoint=endpoint.id, changed=changed)
    db.session.commit()
    return changed


def rotate_secret(endpoint: WebhookEndpoint, *, by: User) -> str:
    """Give *endpoint* a new secret, audit it and commit; return the secret (shown once).

    Deliveries sent from now on, retries of earlier ones included, are signed with it.
    """
    begin_write()
    endpoint.secret = new_secret()
    record_event("webhook.secret_rotated", actor=by, endpoint=endpoint.id)
    db.session.commit()
    return endpoint.secret


def delete_endpoint(endpoint: WebhookEndpoint, *, by: User) -> None:
    """Delete *endpoint* with its delivery log and waiting deliveries, audited; commit."""
    begin_write()
    delete_jobs(
        DELIVER_WEBHOOK,
        "delivery_id",
        select(WebhookDelivery.id).where(WebhookDelivery.endpoint_id == endpoint.id),
    )
    record_event(
        "webhook.endpoint_deleted",
        actor=by,
        endpoint=endpoint.id,
        host=_host(endpoint.url),
    )
    db.session.delete(endpoint)
    db.session.commit()


def _host(url: str) -> str:
    try:
        return split_url(url, allow_query=True).service_host
    except OutboundUrlError:
        return ""


def resend_delivery(delivery: WebhookDelivery, *, by: User) -> WebhookDelivery:
    """Queue *delivery*'s event to its endpoint again (same event id and body), audited;
    commit; return the new delivery."""
    begin_write()
    again = queue_again(delivery)
    record_event(
        "webhook.delivery_resent",
        actor=by,
        endpoint=delivery.endpoint_id,
        delivery=delivery.id,
        new_delivery=again.id,
        event_id=delivery.event_id,
    )
    db.session.commit()
    return again


def endpoint_rows() -> list[WebhookEndpoint]:
    """Return every endpoint, oldest first, for the admins' list."""
    return list(db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def delivery_log(endpoint: WebhookEndpoint, *, limit: int = 100) -> list[WebhookDelivery]:
    """Return the endpoint's latest deliveries, newest first."""
    return list(
        db.session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint.id)
            .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
            .limit(limit)
        )
    )
