"""The audit log by kind of event, with people and candidates by name and link."""

from __future__ import annotations

import html
import re

import pytest

from tracker.audit import AUDIT_KINDS, record_event
from tracker.extensions import db
from tracker.privacy import erase_applicant


def text_of(markup: str) -> str:
    """Return the visible text of *markup*, whitespace folded."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def table_rows(page: str) -> list[str]:
    """Return the markup of each row of the audit table, top to bottom."""
    if "<tbody>" not in page:
        return []
    return re.findall(r"<tr>(.*?)</tr>", page.split("<tbody>")[1], re.S)


def actions(page: str) -> list[str]:
    """Return the action of each row of the audit table, top to bottom."""
    return [re.search(r"<code>(.*?)</code>", row).group(1) for row in table_rows(page)]


@pytest.fixture
def events(admin_client, editor_client, make_application):
    """One event of every kind (and some of none), oldest first, about one application."""
    application = make_application()
    admin = admin_client.user
    for action, about in (
        ("export.csv", None),
        ("application.subject_access_exported", application),
        ("email.queued", application),
        ("email_template.saved", None),  # editing a template is not an email
        ("status_link.requested", None),
        ("document.downloaded", application),
        ("application.status_changed", application),
        ("application.assigned", application),
        ("export.xlsx", None),
    ):
        record_event(action, actor=admin, application=about)
        db.session.commit()
    return application


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("exports", ["export.xlsx", "application.subject_access_exported", "export.csv"]),
        ("emails", ["status_link.requested", "email.queued"]),
        ("downloads", ["document.downloaded"]),
        ("status_changes", ["application.status_changed"]),
    ],
)
def test_the_audit_log_filters_by_kind_of_event(admin_client, events, kind, expected):
    page = admin_client.get(f"/review/audit?kind={kind}&lang=en").text

    assert actions(page) == expected
    assert f'<option value="{kind}" selected>' in page


def test_all_events_and_an_unknown_kind_show_everything(admin_client, events):
    for query in ("", "kind=&", "kind=logins&"):
        page = admin_client.get(f"/review/audit?{query}lang=en").text
        assert len(actions(page)) == 9
        assert '<option value="" selected>All events</option>' in page


def test_the_candidates_audit_log_filters_by_kind_too(admin_client, events):
    page = admin_client.get(f"/review/applications/{events.id}/audit?kind=exports&lang=en")

    assert actions(page.text) == ["application.subject_access_exported"]
    assert '<select class="select" id="audit-actor"' not in page.text


def test_every_audited_action_of_a_kind_is_one_the_code_writes():
    # The map is the one place kinds are defined: it names actions, or prefixes ending in ".".
    assert AUDIT_KINDS == {
        "exports": ("export.", "application.subject_access_exported"),
        "emails": ("email.", "application.status_link_reissued", "status_link.requested"),
        "downloads": ("document.downloaded",),
        "status_changes": ("application.status_changed",),
        "guests": ("guest.",),
        "api": ("api.", "api_token."),
        "at_risk": ("candidate.at_risk_request", "need_to_know."),
    }


def test_people_calls_and_candidates_are_shown_by_name_and_link(
    admin_client, editor_client, make_application, call
):
    application = make_application(full_name="Nino Beridze")
    record_event(
        "application.assigned",
        actor=admin_client.user,
        application=application,
        assignee_id=editor_client.user.id,
    )
    record_event("application.assigned", actor=None, application=application, assignee_id=None)
    record_event("account.deactivated", actor=admin_client.user, user_id=editor_client.user.id)
    record_event("call.opened", actor=admin_client.user, call_id=call.id, slug=call.slug)
    db.session.commit()

    rows = table_rows(admin_client.get("/review/audit?lang=en").text)

    assert [text_of(row).split(" ", 4)[4] for row in rows] == [
        "Ada Admin call.opened call Local experts wanted slug local-experts",
        "Ada Admin account.deactivated account Ana Editor",
        f"system or applicant application.assigned Nino Beridze ({application.reference}) "
        "assignee nobody",
        f"Ada Admin application.assigned Nino Beridze ({application.reference}) "
        "assignee Ana Editor",
    ]
    assert f'<a href="/admin/calls/{call.id}/edit">Local experts wanted</a>' in rows[0]
    assert (
        f'<a href="/review/applications/{application.id}">'
        f"Nino Beridze ({application.reference})</a>"
    ) in rows[3]
    assert "assignee_id" not in "".join(rows)


def test_an_erased_applications_events_say_so_without_a_link(admin_client, make_application):
    kept = make_application(full_name="Lela Kapanadze")
    erased = make_application(full_name="Nino Beridze")
    record_event("document.downloaded", actor=admin_client.user, application=kept)
    db.session.commit()
    erased_id = erased.id
    erase_applicant(erased, by=admin_client.user, reason="admin")

    page = admin_client.get("/review/audit?lang=en").text
    rows = table_rows(page)

    assert [text_of(row).split(" ", 4)[4] for row in rows] == [
        "Ada Admin application.erased erased application reason admin",
        f"Ada Admin document.downloaded Lela Kapanadze ({kept.reference})",
    ]
    assert '<span class="audit-erased">erased application</span>' in rows[0]
    assert "<a " not in rows[0]
    assert f"/review/applications/{erased_id}" not in page
    assert "Nino Beridze" not in page
