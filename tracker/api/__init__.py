"""The JSON API under ``/api/v1``: bearer tokens with scopes, problem+json errors, and an
OpenAPI 3.1 document made by spectree from the same pydantic models that validate each
request and shape each response.

Routes are declared with :func:`api_route`, which joins the three things every route
needs: its URL, its scope (the access policy, tracker.web.access) and its schemas.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps

from flask import Blueprint, current_app, g, request
from flask_limiter.util import get_remote_address
from spectree import Response, SecurityScheme, SecuritySchemeData, SpecTree

from tracker.api.schemas import Problem
from tracker.audit import acting_through_token
from tracker.enums import ApiScope
from tracker.extensions import csrf, limiter
from tracker.web.access import token
from tracker.web.problems import ApiProblem

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Tokens travel in a header, never in a cookie: there is no session for a forged form to
# ride on, so the API needs (and accepts) no CSRF token.
csrf.exempt(bp)


def _rate_key() -> str:
    """Count requests per token (by a hash of the header), else per address."""
    header = request.headers.get("Authorization")
    if header:
        return "api-token:" + hashlib.sha256(header.encode()).hexdigest()[:32]
    return "api-address:" + get_remote_address()


limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=_rate_key)(bp)


def _refuse_invalid(_request, _response, error, _instance, model_adapter) -> None:
    """Answer a request that fails its schema with 422 naming each parameter (spectree's
    ``before`` hook, called before the view)."""
    if error is None:
        return
    errors = [
        {
            "parameter": ".".join(str(part) for part in item["loc"]),
            "message": item["msg"],
        }
        for item in model_adapter.validation_errors(error)
    ]
    names = ", ".join(dict.fromkeys(item["parameter"] for item in errors))
    raise ApiProblem(422, f"Invalid parameter: {names}.", errors=errors)


spec = SpecTree(
    "flask",
    mode="strict",
    title="tracker API",
    version="1",
    description=(
        "Applications, calls, experts and assignments of a tracker instance. Every request "
        "carries a token in the header Authorization: Bearer <token>; a token acts within "
        "its scopes. Errors are problem details (RFC 9457)."
    ),
    # Our own routes serve the document and its page (tracker.api.docs_views).
    page_templates={},
    path="api/v1/spectree",
    security_schemes=[
        SecurityScheme(name="bearer", data=SecuritySchemeData(type="http", scheme="bearer")),
    ],
    security={"bearer": []},
    before=_refuse_invalid,
    validation_error_status=422,
    validation_error_model=Problem,
    # Schemas named as their classes (spectree's default adds a hash of the module path);
    # every model of the API has a name of its own (tests/api check it).
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
)

# The errors every token-authenticated route may answer with.
COMMON_ERRORS = (400, 401, 403, 429)


def responses(ok: int, model, *errors: int) -> Response:
    """Return the responses of a route: *model* for status *ok*, problems for the rest."""
    codes = {f"HTTP_{ok}": model}
    for code in sorted({*COMMON_ERRORS, *errors}):
        codes[f"HTTP_{code}"] = Problem
    return Response(**codes)


def api_route(
    rule: str,
    *,
    scope: ApiScope,
    resp: Response,
    methods: tuple[str, ...] = ("GET",),
    tags: tuple[str, ...] = (),
    sends_file: bool = False,
    **validation,
) -> Callable:
    """Declare an API route: its URL, the scope a token needs, its schemas (spectree's
    ``query=``, ``json=``), and the token named in every audit event the view causes.

    *sends_file*: the view answers with a file, which streams out unread; spectree still
    documents the route, but validating the answer would read the whole file into memory.
    """

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def acting(*args, **kwargs):
            with acting_through_token(g.api_token.id, g.api_token.name):
                return view(*args, **kwargs)

        # The scope as the operation's security requirement: OpenAPI 3.1 lets a bearer
        # scheme list the roles it needs, so clients read it from the document.
        validated = spec.validate(
            resp=resp, tags=list(tags), security={"bearer": [str(scope)]}, **validation
        )(acting)
        if sends_file:
            # The documented function's attributes (spectree's marks) on the unread path.
            validated = wraps(validated)(lambda *args, **kwargs: acting(*args, **kwargs))
        return bp.route(rule, methods=list(methods))(token(scope)(validated))

    return decorate
