"""Every route declares who may use it; a route without a policy is refused."""

from tests.drawn_pdfs import pdf_with_pages, store_pdf
from tests.sql_log import statements_sent
from tracker.extensions import db
from tracker.web.access import Policy, policy_of


def test_every_route_declares_an_access_policy(app):
    undeclared = sorted(
        rule.rule for rule in app.url_map.iter_rules() if policy_of(rule.endpoint) is None
    )
    assert undeclared == []


def test_public_routes_are_exactly_the_applicant_pages(app):
    public = sorted(
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if policy_of(rule.endpoint) is Policy.PUBLIC
    )
    # The invitation link is opened by a future team member who cannot sign in yet.
    # The API's OpenAPI document and its page describe it to anyone; they hold no data.
    allowed_elsewhere = {"static", "admin.accept_invitation", "api.openapi", "api.docs"}
    assert all(
        endpoint in allowed_elsewhere or endpoint.split(".")[0] in {"apply", "auth", "portal"}
        for endpoint in public
    ), public


def test_a_route_without_a_policy_is_denied(app, client):
    app.add_url_rule("/test/undeclared", view_func=lambda: "secret", endpoint="undeclared")
    response = client.get("/test/undeclared?lang=en")
    assert response.status_code == 403
    assert "secret" not in response.get_data(as_text=True)
    assert "You may not open this page" in response.get_data(as_text=True)


def test_the_view_finds_the_row_the_access_policy_read(editor_client, make_application):
    """The policy reads the row the URL names, to check its candidate; the view's own
    ``db.get_or_404`` of that row is answered from the session, not by a second read."""
    document = store_pdf(make_application(), pdf_with_pages(1), kind="cv", text="Text")
    document_id = document.id
    db.session.expunge_all()  # as a new request finds the session
    with statements_sent() as sent:
        response = editor_client.get(f"/review/documents/{document_id}")
        response.close()
    assert response.headers["Content-Disposition"].startswith('attachment; filename="cv.pdf"')
    # Up to the audit row of the download (whose commit expires the row: read again after).
    before_audit = sent[: next(i for i, s in enumerate(sent) if "INSERT INTO audit_events" in s)]
    assert len([statement for statement in before_audit if "FROM documents" in statement]) == 1
