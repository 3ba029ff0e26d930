"""Who may use which route: every view declares a policy, and undeclared means denied.

Views are decorated with :func:`public`, :func:`staff`, :func:`reviewer` or :func:`admin`.
A before-request hook enforces the policy of the matched view; a view without one is
refused (403), and a test walks ``app.url_map`` so that such a view never ships.

``staff`` means editors and admins only. Guest reviewers (tracker.accounts.guests) may use
the routes declared ``reviewer`` and nothing else, and there only what lies in their scope:
a candidate or document outside it answers 404, as if it did not exist. Every request a
guest makes is written to the audit log (:func:`audit_guest_request`).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from flask import abort, current_app, g, request
from flask_login import current_user

from tracker.audit import record_event
from tracker.database import begin_write
from tracker.extensions import db, login_manager
from tracker.inbox.scope import scope_of
from tracker.models import Application, Document


class Policy(StrEnum):
    """Who may use a route."""

    PUBLIC = "public"
    STAFF = "staff"  # any signed-in, active editor or admin
    REVIEWER = "reviewer"  # the staff, and guest reviewers within their scope
    ADMIN = "admin"


# Endpoints Flask itself adds, which cannot carry an attribute.
BUILTIN_PUBLIC_ENDPOINTS = frozenset({"static"})


def _declare(policy: Policy) -> Callable:
    def decorate(view: Callable) -> Callable:
        view.access_policy = policy
        return view

    return decorate


public = _declare(Policy.PUBLIC)
staff = _declare(Policy.STAFF)
reviewer = _declare(Policy.REVIEWER)
admin = _declare(Policy.ADMIN)


def policy_of(endpoint: str) -> Policy | None:
    """Return the declared policy of *endpoint*, or None if it has none."""
    if endpoint in BUILTIN_PUBLIC_ENDPOINTS:
        return Policy.PUBLIC
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "access_policy", None)


def open_to_guests(endpoint: str) -> bool:
    """Tell whether a guest reviewer may open *endpoint* (for the navigation)."""
    return policy_of(endpoint) in (Policy.PUBLIC, Policy.REVIEWER)


def enforce_access_policy():
    """Refuse the request unless the matched view's policy admits the current user."""
    if request.endpoint is None:
        return None  # no route matched: the 404 (or 405) handler answers
    policy = policy_of(request.endpoint)
    if policy is None:
        abort(403)  # deny by default
    if policy is Policy.PUBLIC:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.is_guest:
        g.guest = current_user._get_current_object()
        if policy is not Policy.REVIEWER:
            abort(403)
        g.guest_application_id = _application_in_scope()
        return None
    if policy is Policy.ADMIN and not current_user.is_admin:
        abort(403)
    return None


def _application_in_scope() -> int | None:
    """Return the id of the application the URL names, if any; end the request with 404 if
    it is outside the guest's scope (or does not exist)."""
    arguments = request.view_args or {}
    if "application_id" in arguments:
        application = db.session.get(Application, arguments["application_id"])
    elif "document_id" in arguments:
        document = db.session.get(Document, arguments["document_id"])
        application = document.application if document is not None else None
    else:
        return None
    if application is None or not scope_of(g.guest).admits(application):
        abort(404)
    return application.id


def audit_guest_request(response):
    """Write an audit row for every request of a guest reviewer: who, which endpoint, the
    application where the URL names one, and the answer's status. Also the sign-in, when
    the guest is signed in only by this request."""
    guest = g.get("guest")
    if guest is None and current_user.is_authenticated and current_user.is_guest:
        guest = current_user._get_current_object()
    if guest is None or request.endpoint in (None, "static"):
        return response
    begin_write()
    event = record_event(
        "guest.request",
        actor=guest,
        endpoint=request.endpoint,
        method=request.method,
        status=response.status_code,
    )
    event.application_id = g.get("guest_application_id")
    db.session.commit()
    return response
