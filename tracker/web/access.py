"""Who may use which route: every view declares a policy, and undeclared means denied.

Views are decorated with :func:`public`, :func:`staff` or :func:`admin`. A before-request
hook enforces the policy of the matched view; a view without one is refused (403), and a
test walks ``app.url_map`` so that such a view never ships.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from flask import abort, current_app, request
from flask_login import current_user

from tracker.extensions import login_manager


class Policy(StrEnum):
    """Who may use a route."""

    PUBLIC = "public"
    STAFF = "staff"  # any signed-in, active editor or admin
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
admin = _declare(Policy.ADMIN)


def policy_of(endpoint: str) -> Policy | None:
    """Return the declared policy of *endpoint*, or None if it has none."""
    if endpoint in BUILTIN_PUBLIC_ENDPOINTS:
        return Policy.PUBLIC
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "access_policy", None)


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
    if policy is Policy.ADMIN and not current_user.is_admin:
        abort(403)
    return None
