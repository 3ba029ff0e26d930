"""What a token may do to an application — documents, status, tags, comments — each
refused without its scope, and each through the staff's own domain functions, audited
with the token named."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.applying import SAMPLES
from tests.documents.test_serve import store_document
from tracker.extensions import db
from tracker.models import Application, AuditEvent, Comment, StatusChange, Tag

READ, WRITE, CONTACTS = "applications:read", "applications:write", "contacts:read"
UNAUTHORIZED = "This request needs a valid token: Authorization: Bearer <token>."


@pytest.fixture
def application(make_application) -> Application:
    """An application with a PDF CV in storage."""
    application = make_application()
    store_document(application, "cv", "cv.pdf", "Lebenslauf Nino.pdf", "pdf", "application/pdf")
    return application


def token_events(action: str) -> list[AuditEvent]:
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    ).all()


def endpoints(application: Application) -> list[tuple[str, str, str, dict]]:
    """Every applications endpoint: (method, path, scope, request keywords)."""
    base = f"/api/v1/applications/{application.reference}"
    document = application.documents[0]
    return [
        ("GET", "/api/v1/applications", READ, {}),
        ("GET", base, READ, {}),
        ("GET", f"{base}/documents/{document.id}", READ, {}),
        ("GET", f"{base}/comments", READ, {}),
        ("POST", f"{base}/status", WRITE, {"json": {"status": "in_review"}}),
        ("POST", f"{base}/tags", WRITE, {"json": {"name": "Kutaisi"}}),
        ("DELETE", f"{base}/tags/Kutaisi", WRITE, {}),
        ("POST", f"{base}/comments", WRITE, {"json": {"body": "Strong sample."}}),
    ]


def test_every_endpoint_needs_a_token_and_its_scope(api, application):
    for method, path, scope, kwargs in endpoints(application):
        missing = api().open(method, path, **kwargs)
        other = "applications:write" if scope == READ else "applications:read"
        refused = api(other, CONTACTS).open(method, path, **kwargs)

        assert missing.status_code == 401, path
        assert missing.get_json()["detail"] == UNAUTHORIZED
        assert refused.status_code == 403, path
        assert refused.get_json()["detail"] == f"This token does not have the scope {scope}."
    assert application.status == "new"
    assert db.session.scalars(select(Comment)).all() == []


def test_every_endpoint_answers_with_its_scope(api, application):
    answers = []
    for method, path, scope, kwargs in endpoints(application):
        response = api(scope).open(method, path, **kwargs)
        response.close()
        answers.append((method, path.rsplit("/", 1)[-1], response.status_code))

    reference, document_id = application.reference, application.documents[0].id
    assert answers == [
        ("GET", "applications", 200),
        ("GET", reference, 200),
        ("GET", str(document_id), 200),
        ("GET", "comments", 200),
        ("POST", "status", 200),
        ("POST", "tags", 200),
        ("DELETE", "Kutaisi", 200),
        ("POST", "comments", 201),
    ]


def test_the_detail_lists_documents_with_a_download_url(api, application):
    document = application.documents[0]

    body = api(READ).get(f"/api/v1/applications/{application.reference}").get_json()

    assert body["documents"] == [
        {
            "id": document.id,
            "kind": "cv",
            "filename": "Lebenslauf Nino.pdf",
            "content_type": "application/pdf",
            "size": document.size,
            "sha256": document.sha256,
            "text_extracted": False,
            "download_url": (
                f"/api/v1/applications/{application.reference}/documents/{document.id}"
            ),
        }
    ]


def test_a_download_sends_the_stored_bytes_as_staff_get_them_and_is_audited(
    api, application, api_admin
):
    document = application.documents[0]
    response = api(READ).get(
        f"/api/v1/applications/{application.reference}/documents/{document.id}"
    )
    body = response.get_data()
    response.close()

    assert response.status_code == 200
    assert body == (SAMPLES / "cv.pdf").read_bytes()
    assert dict(response.headers) == {
        "Content-Type": "application/pdf",
        "Content-Length": str(document.size),
        "Content-Disposition": (
            "attachment; filename=\"Lebenslauf Nino.pdf\"; filename*=UTF-8''Lebenslauf%20Nino.pdf"
        ),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox",
        "Cache-Control": "no-store",
        # The app's own headers on every answer (tracker.web.security).
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cross-Origin-Resource-Policy": "same-origin",
        "Referrer-Policy": "no-referrer",
        "Vary": "Cookie",
    }
    (event,) = token_events("document.downloaded")
    assert (event.actor_id, event.application_id) == (api_admin.id, application.id)
    assert event.details == {
        "document_id": document.id,
        "kind": "cv",
        "api_token": event.details["api_token"],
        "api_token_name": "CMS",
    }


def test_a_document_of_another_application_is_404(api, application, make_application):
    other = make_application()
    document = application.documents[0]

    response = api(READ).get(f"/api/v1/applications/{other.reference}/documents/{document.id}")

    assert response.status_code == 404
    assert response.get_json()["detail"] == (
        f"The application {other.reference} has no document {document.id}."
    )
    assert token_events("document.downloaded") == []


def test_a_status_change_goes_through_the_pipeline_with_the_token_named(
    api, application, api_admin
):
    response = api(WRITE).post(
        f"/api/v1/applications/{application.reference}/status",
        json={"status": "in_review", "note": "Promising", "expected_version": 1},
    )

    change = db.session.scalars(select(StatusChange)).one()
    assert (change.from_status, change.to_status, change.actor_id, change.note) == (
        "new",
        "in_review",
        api_admin.id,
        "Promising",
    )
    assert response.status_code == 200
    assert response.get_json() == {
        "reference": application.reference,
        "status": "in_review",
        "version": 2,
        "change": {
            "from_status": "new",
            "to_status": "in_review",
            "at": change.created_at.isoformat() + "Z",
            "by": {"id": api_admin.id, "name": "Api Admin"},
            "reason": None,
            "note": "Promising",
        },
    }
    (event,) = token_events("application.status_changed")
    assert event.actor_id == api_admin.id
    assert event.details == {
        "from_status": "new",
        "to_status": "in_review",
        "reason": None,
        "api_token": event.details["api_token"],
        "api_token_name": "CMS",
    }


def test_a_rejection_takes_its_reason(api, application):
    response = api(WRITE).post(
        f"/api/v1/applications/{application.reference}/status",
        json={"status": "rejected", "reason": "no_capacity"},
    )

    assert response.status_code == 200
    change = db.session.scalars(select(StatusChange)).one()
    assert (change.to_status, change.reason) == ("rejected", "no_capacity")


@pytest.mark.parametrize(
    ("body", "code", "detail"),
    [
        (
            {"status": "accepted"},
            409,
            "An application in the status new cannot move to accepted. "
            "It may move to: in_review, on_hold, rejected, withdrawn.",
        ),
        (
            {"status": "in_review", "expected_version": 7},
            409,
            "The application changed since version 7 (it is version 1 now): "
            "read it again, then decide.",
        ),
        ({"status": "archived"}, 422, "Invalid parameter: status."),
        ({"status": "rejected"}, 422, "Invalid parameter: reason."),
        ({"status": "in_review", "reason": "other"}, 422, "Invalid parameter: reason."),
    ],
)
def test_a_refused_status_change_changes_nothing(api, application, body, code, detail):
    response = api(WRITE).post(f"/api/v1/applications/{application.reference}/status", json=body)

    assert response.status_code == code
    assert response.get_json()["detail"] == detail
    db.session.refresh(application)
    assert (application.status, application.version_id) == ("new", 1)
    assert db.session.scalars(select(StatusChange)).all() == []


def test_a_rejection_without_reason_names_the_reasons(api, application):
    response = api(WRITE).post(
        f"/api/v1/applications/{application.reference}/status", json={"status": "rejected"}
    )

    assert response.get_json()["errors"] == [
        {
            "parameter": "reason",
            "message": "Value error, a rejection needs a reason: region_covered, "
            "german_insufficient, experience_insufficient, sample_unsuitable, no_capacity, "
            "other",
        }
    ]


def test_tags_are_added_and_removed_through_teamwork(api, application, api_admin):
    client = api(WRITE)
    path = f"/api/v1/applications/{application.reference}/tags"

    added = client.post(path, json={"name": "  West   Georgia "})
    again = client.post(path, json={"name": "West Georgia"})
    other = client.post(path, json={"name": "Abkhazia"})
    removed = client.delete(f"{path}/West Georgia")
    gone = client.delete(f"{path}/West Georgia")
    blank = client.post(path, json={"name": "   "})

    reference = application.reference
    assert added.get_json() == {"reference": reference, "tags": ["West Georgia"]}
    assert again.get_json() == {"reference": reference, "tags": ["West Georgia"]}
    assert other.get_json() == {"reference": reference, "tags": ["Abkhazia", "West Georgia"]}
    assert removed.get_json() == {"reference": reference, "tags": ["Abkhazia"]}
    assert gone.status_code == 404
    assert gone.get_json()["detail"] == f"The application {reference} has no tag West Georgia."
    assert blank.status_code == 422
    assert blank.get_json()["errors"] == [
        {"parameter": "name", "message": "a tag has 1 to 60 printable characters"}
    ]
    db.session.refresh(application)
    assert [tag.name for tag in application.tags] == ["Abkhazia"]
    assert sorted(db.session.scalars(select(Tag.name))) == ["Abkhazia", "West Georgia"]
    events = [(e.action, e.details) for e in token_events("application.tagged")]
    events += [(e.action, e.details) for e in token_events("application.untagged")]
    token = {"api_token": events[0][1]["api_token"], "api_token_name": "CMS"}
    assert events == [
        ("application.tagged", {"added": "West Georgia", **token}),
        ("application.tagged", {"added": "Abkhazia", **token}),
        ("application.untagged", {"removed": "West Georgia", **token}),
    ]


def test_a_tag_too_long_is_422_naming_it(api, application):
    response = api(WRITE).post(
        f"/api/v1/applications/{application.reference}/tags", json={"name": "x" * 61}
    )

    assert response.status_code == 422
    assert [error["parameter"] for error in response.get_json()["errors"]] == ["name"]
    assert db.session.scalars(select(Tag)).all() == []


def test_comments_are_added_and_listed(api, application, api_admin):
    path = f"/api/v1/applications/{application.reference}/comments"

    added = api(WRITE).post(path, json={"body": " Strong sample. ", "shared": True})
    listed = api(READ).get(path)

    comment = db.session.scalars(select(Comment)).one()
    assert (comment.author_id, comment.body, comment.shared_with_guests) == (
        api_admin.id,
        "Strong sample.",
        True,
    )
    expected = {
        "id": comment.id,
        "author": {"id": api_admin.id, "name": "Api Admin"},
        "body": "Strong sample.",
        "shared": True,
        "created_at": comment.created_at.isoformat() + "Z",
    }
    assert added.status_code == 201
    assert added.get_json() == expected
    assert listed.get_json() == {"items": [expected]}
    (event,) = token_events("application.commented")
    assert event.details == {"api_token": event.details["api_token"], "api_token_name": "CMS"}


@pytest.mark.parametrize(
    ("body", "parameter"),
    [({"body": ""}, "body"), ({"body": "x" * 10_001}, "body"), ({"body": "   "}, "body")],
)
def test_a_comment_empty_or_too_long_is_422(api, application, body, parameter):
    response = api(WRITE).post(f"/api/v1/applications/{application.reference}/comments", json=body)

    assert response.status_code == 422
    assert [error["parameter"] for error in response.get_json()["errors"]] == [parameter]
    assert db.session.scalars(select(Comment)).all() == []


def test_changes_to_an_unknown_application_are_404(api):
    client = api(WRITE)

    for response in (
        client.post("/api/v1/applications/EXP-NONE/status", json={"status": "in_review"}),
        client.post("/api/v1/applications/EXP-NONE/tags", json={"name": "x"}),
        client.post("/api/v1/applications/EXP-NONE/comments", json={"body": "x"}),
    ):
        assert response.status_code == 404
        assert response.get_json()["detail"] == "No application has the reference EXP-NONE."
