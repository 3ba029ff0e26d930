"""Every route declares who may use it; a route without a policy is refused."""

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
