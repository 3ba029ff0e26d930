"""Every route, walked as a guest reviewer: open to guests on purpose (and then kept to their
scope), or refused."""

from __future__ import annotations

from tests.conftest import hidden_fields
from tests.stored import new_document
from tracker.documents.storage import new_staging_path, store_staged
from tracker.extensions import db
from tracker.models import Document
from tracker.web.access import Policy, policy_of

# The routes a guest may use, exactly: opening another one to guests is a decision this
# list records.
OPEN_TO_GUESTS = {
    "review.inbox",
    "review.set_columns",
    "review.candidate",
    "review.rate",
    "review.comment",
    "review.download",
    "review.page_image",
    "auth.change_password",
    "auth.two_factor_setup",
    "auth.two_factor_disable",
    "auth.logout",
}
# Values for the URL's variables, besides an application's or a document's id.
ARGUMENTS = {
    "user_id": 1,
    "email_id": 1,
    "job_id": 1,
    "call_id": 1,
    "number": 1,
    "key": "acknowledgement",
    "language": "de",
    "token": "x",
    "slug": "local-experts",
    "reference": "x",
    "filename": "css/site.css",
    "view_id": 1,
    "attachment_id": 1,
    "notification_id": 1,
    "assignment_id": 1,
    "expert_id": 1,
    "endpoint_id": 1,
    "delivery_id": 1,
    "name": "x",
    "token_id": 1,
}


def _document(application) -> Document:
    path = new_staging_path()
    path.write_bytes(b"Lebenslauf\n")
    document = new_document(
        "cv", application=application, size=11, storage_key=store_staged(path), text="Lebenslauf"
    )
    db.session.add(document)
    db.session.commit()
    return document


def _guest_routes(app):
    """Yield (endpoint, rule, method) for every route but the public ones and the JSON
    API's, which take a token, never a session (tests/api walks them for every scope)."""
    for rule in app.url_map.iter_rules():
        if policy_of(rule.endpoint) in (Policy.PUBLIC, Policy.TOKEN):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, rule, method


def _request(client, app, rule, method, token, **values):
    arguments = {name: values.get(name, ARGUMENTS.get(name)) for name in rule.arguments}
    url = app.url_map.bind("localhost").build(rule.endpoint, arguments, method=method)
    data = {"csrf_token": token} if method == "POST" else None
    response = client.open(url, method=method, data=data)
    response.get_data()  # read, then close: a download streams from an open file
    response.close()
    return response


def test_the_routes_open_to_guests_are_exactly_the_reviewer_routes(app):
    reviewer = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if policy_of(rule.endpoint) is Policy.REVIEWER
    }
    assert reviewer == OPEN_TO_GUESTS


def test_every_route_is_refused_to_a_guest_or_kept_to_their_scope(
    app, guest_client, editor_client, candidates
):
    """Refused: 403, even for a candidate in scope. Open: outside the scope 404, inside it
    the answer an editor gets."""
    token = hidden_fields(guest_client.get("/review/").get_data(as_text=True))["csrf_token"]
    editor_token = hidden_fields(editor_client.get("/review/").get_data(as_text=True))["csrf_token"]
    documents = {
        "inside": _document(candidates.inside),
        "other_region": _document(candidates.other_region),
        "other_call": _document(candidates.other_call),
    }
    walked = set()

    def ask(client, token, rule, method, where="inside"):
        ids = {"application_id": getattr(candidates, where).id, "document_id": documents[where].id}
        return _request(client, app, rule, method, token, **ids)

    for endpoint, rule, method in _guest_routes(app):
        if endpoint == "auth.logout":
            continue  # it would end the walk; test_a_guest_signs_out
        walked.add(endpoint)
        response = ask(guest_client, token, rule, method)
        if endpoint not in OPEN_TO_GUESTS:
            # Refused even for a candidate in the guest's scope; an API route refuses any
            # session (it takes a token in the header), with 401.
            refusal = 401 if policy_of(endpoint) is Policy.TOKEN else 403
            assert response.status_code == refusal, (endpoint, method, response.status_code)
            assert "Anahit" not in response.get_data(as_text=True)
            continue
        if not {"application_id", "document_id"} & set(rule.arguments):
            assert response.status_code in {200, 302, 400}, (endpoint, method)
            continue
        as_editor = ask(editor_client, editor_token, rule, method)
        assert response.status_code == as_editor.status_code, (endpoint, method)
        assert response.status_code != 403
        for where in ("other_region", "other_call"):
            response = ask(guest_client, token, rule, method, where)
            assert response.status_code == 404, (endpoint, method, where)
            assert "Anahit" not in response.get_data(as_text=True)
    assert walked >= OPEN_TO_GUESTS - {"auth.logout"}


def test_a_guest_signs_out(guest_client):
    token = hidden_fields(guest_client.get("/review/").get_data(as_text=True))["csrf_token"]
    response = guest_client.post("/auth/logout", data={"csrf_token": token})
    assert response.headers["Location"] == "/auth/login"
    assert guest_client.get("/review/").headers["Location"].startswith("/auth/login")
