"""Who may use which route: every view declares a policy, and undeclared means denied.

Views are decorated with :func:`public`, :func:`staff`, :func:`reviewer` or :func:`admin`.
A before-request hook enforces the policy of the matched view; a view without one is
refused (403), and a test walks ``app.url_map`` so that such a view never ships.

``staff`` means editors and admins only. Guest reviewers (tracker.accounts.guests) may use
the routes declared ``reviewer`` and nothing else. Whoever asks, a candidate the URL names
(by its id, or by the id of one of its documents, attachments, emails, notifications, its
expert record or assignment; in the path, or as ``?application=`` or ``?expert=``) must
lie in the account's scope (tracker.inbox.scope): a guest's call and regions, and an
applicant at risk only for admins and the editors named for them. Outside it the answer
is 404, as if the candidate did not exist.

Every request a guest makes is written to the audit log (:func:`audit_guest_request`), and
so is every request, by anyone, that names an applicant at risk
(:func:`audit_at_risk_request`): the candidate page lists them.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from flask import abort, current_app, g, request
from flask_login import current_user
from sqlalchemy import Select
from sqlalchemy.orm import joinedload

from tracker.api_tokens import TOKEN_PREFIX, usable_token
from tracker.audit import record_event
from tracker.database import PREPARE, begin_write
from tracker.enums import ApiScope
from tracker.extensions import db, login_manager
from tracker.inbox.scope import may_see
from tracker.models import (
    Application,
    Assignment,
    Document,
    Expert,
    Notification,
    OutboxEmail,
    ReplyAttachment,
    utcnow,
)
from tracker.web.problems import ApiProblem

# Query arguments that would carry a token; refused, not read.
TOKEN_ARGUMENTS = frozenset({"token", "access_token", "api_key", "key"})


class Policy(StrEnum):
    """Who may use a route."""

    PUBLIC = "public"
    STAFF = "staff"  # any signed-in, active editor or admin
    REVIEWER = "reviewer"  # the staff, and guest reviewers within their scope
    ADMIN = "admin"
    # A JSON API route (tracker.api): a bearer token with the route's scope, no session.
    TOKEN = "token"  # noqa: S105 - a policy name, not a secret


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


def token(scope: ApiScope) -> Callable:
    """Declare a JSON API route: a bearer token with *scope* may use it."""

    def decorate(view: Callable) -> Callable:
        view.access_policy = Policy.TOKEN
        view.api_scope = scope
        return view

    return decorate


def loads_candidate(statement: Select) -> Callable:
    """Let the access policy read the candidate the URL names with *statement* (its id
    bound as ``application_id``; it must load the safety row the scope reads): the view
    then finds the candidate loaded as it shows it, in one statement instead of two."""

    def decorate(view: Callable) -> Callable:
        view.candidate_statement = statement
        return view

    return decorate


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
    if policy is Policy.TOKEN:
        return _authenticate_token(current_app.view_functions[request.endpoint].api_scope)
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.is_guest:
        g.guest = current_user._get_current_object()
        if policy is not Policy.REVIEWER:
            abort(403)
    elif policy is Policy.ADMIN and not current_user.is_admin:
        abort(403)
    application = _named_application()
    if application is not None:
        if not may_see(current_user._get_current_object(), application):
            abort(404)
        note_named_application(application)
    return None


def _authenticate_token(scope: ApiScope) -> None:
    """Admit the request if its Authorization header holds a usable token with *scope*.

    Only the header counts: a browser's session cookie never authorises an API call (so
    no page of another site can make one), and a token in the URL is refused outright,
    as URLs end up in server logs, proxies and browser histories.
    """
    if any(
        name in TOKEN_ARGUMENTS or value.startswith(TOKEN_PREFIX)
        for name, value in request.args.items(multi=True)
    ):
        raise ApiProblem(
            400,
            "Send the token in the Authorization header (Authorization: Bearer <token>), "
            "never in the URL.",
        )
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    found = usable_token(secret.strip()) if scheme.lower() == "bearer" else None
    if found is None:
        # The same answer for a missing, unknown, revoked or expired token.
        raise ApiProblem(
            401,
            "This request needs a valid token: Authorization: Bearer <token>.",
            headers={"WWW-Authenticate": 'Bearer realm="tracker"'},
        )
    g.api_token = found
    if not found.allows(scope):
        raise ApiProblem(403, f"This token does not have the scope {scope}.")


def audit_api_request(response):
    """Write an audit row for every request made with a token: the token's name, its
    admin, the endpoint and the answer's status; and note the token's last use."""
    api_token = g.get("api_token")
    if api_token is None:
        return response
    begin_write()
    api_token.last_used_at = utcnow()
    record_event(
        "api.request",
        actor=api_token.created_by,
        api_token=api_token.id,
        api_token_name=api_token.name,
        endpoint=request.endpoint,
        method=request.method,
        status=response.status_code,
    )
    db.session.commit()
    return response


# The URL arguments that name a candidate, and the row each names: the candidate is its
# ``application`` (an assignment's may be its expert's).
NAMING_ARGUMENTS = {
    "application_id": Application,
    "document_id": Document,
    "attachment_id": ReplyAttachment,
    "email_id": OutboxEmail,
    "notification_id": Notification,
    "expert_id": Expert,
    "assignment_id": Assignment,
}


# Query arguments that name a candidate (``/review/outbox?application=7``,
# ``/review/assignments/new?expert=3``): checked like the URL's own.
NAMING_QUERY_ARGUMENTS = {"application": "application_id", "expert": "expert_id"}


def _naming_values() -> dict:
    """Return the URL's arguments and the query's naming ones (whole numbers only: a view
    answers anything else itself)."""
    values = dict(request.view_args or {})
    for name, argument in NAMING_QUERY_ARGUMENTS.items():
        value = request.args.get(name, "")
        if value.isascii() and value.isdigit() and len(value) < 10:
            values.setdefault(argument, int(value))
    return values


def _named_application() -> Application | None:
    """Return the candidate the URL names, if any (None too where the row is missing: the
    view answers 404 for it).

    The row read is kept for the request (``g.named_row``): the session holds unchanged
    rows only weakly, and kept, the view's own ``db.get_or_404`` of it needs no statement.
    """
    for name, value in _naming_values().items():
        model = NAMING_ARGUMENTS.get(name)
        if model is None:
            continue
        row = g.named_row = _read_named(model, value)
        if row is None or model is Application:
            return row
        return row.candidate if model is Assignment else row.application
    return None


def _read_named(model: type, row_id: int):
    # The candidate's safety row in the same statement: the scope reads it. A look-up
    # by id on every such request: prepared (planned once per connection).
    if model is not Application:
        loading = joinedload(model.application).joinedload(Application.safety)
        return db.session.get(model, row_id, options=[loading], execution_options=PREPARE)
    statement = getattr(current_app.view_functions[request.endpoint], "candidate_statement", None)
    if statement is not None:
        found = db.session.execute(statement, {"application_id": row_id})
        return found.unique().scalar_one_or_none()
    options = [joinedload(Application.safety)]
    return db.session.get(Application, row_id, options=options, execution_options=PREPARE)


def note_named_application(application: Application) -> None:
    """Note the candidate this request is about: the audit rows name it, and a request
    about an applicant at risk is audited whoever makes it (the API's too)."""
    g.named_application_id = application.id
    g.named_at_risk = application.at_risk


def audit_at_risk_request(response):
    """Write an audit row for every request about an applicant at risk: who, which
    endpoint, the answer's status (a guest's requests are audited anyway)."""
    if not g.get("named_at_risk") or g.get("guest") is not None:
        return response
    actor = g.api_token.created_by if g.get("api_token") is not None else current_user
    begin_write()
    event = record_event(
        "candidate.at_risk_request",
        actor=actor if actor.is_authenticated else None,
        endpoint=request.endpoint,
        method=request.method,
        status=response.status_code,
    )
    event.application_id = g.named_application_id
    db.session.commit()
    return response


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
    event.application_id = g.get("named_application_id")
    db.session.commit()
    return response
