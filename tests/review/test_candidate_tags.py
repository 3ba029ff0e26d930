"""Tags on the candidate page: add and remove operations that never undo a colleague's tag."""

from __future__ import annotations

from sqlalchemy import select

from tests.review.test_candidate_page import form_data, page, text_of, url
from tracker.extensions import db
from tracker.models import AuditEvent


def tag_names(application) -> list[str]:
    db.session.expire(application)
    return [tag.name for tag in application.tags]


def tag_events() -> list[tuple[str, dict]]:
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action.in_(["application.tagged", "application.untagged"]))
        .order_by(AuditEvent.id)
    )
    return [(event.action, event.details) for event in events]


def test_two_editors_with_stale_pages_keep_both_tags(editor_client, colleague, make_application):
    application = make_application()
    # Both open the page before either adds a tag.
    ana_form = form_data(editor_client, application, name="Energie")
    ben_form = form_data(colleague, application, name="Umwelt")
    assert editor_client.post(url(application, "/tags"), data=ana_form).status_code == 302
    response = colleague.post(url(application, "/tags"), data=ben_form, follow_redirects=True)
    assert tag_names(application) == ["Energie", "Umwelt"]
    assert "Tag “Umwelt” added." in response.text
    assert tag_events() == [
        ("application.tagged", {"added": "Energie"}),
        ("application.tagged", {"added": "Umwelt"}),
    ]
    text = text_of(page(editor_client, application))
    assert "Ana Editor added the tag “Energie”" in text
    assert "Ben Editor added the tag “Umwelt”" in text


def test_a_tag_is_added_once_normalised_and_a_second_add_is_a_notice(
    editor_client, colleague, make_application
):
    application = make_application()
    data = form_data(editor_client, application, name="  Russian   desk ")
    editor_client.post(url(application, "/tags"), data=data)
    stale = form_data(colleague, application, name="Russian desk")
    response = colleague.post(url(application, "/tags"), data=stale, follow_redirects=True)
    assert response.status_code == 200
    assert "The candidate already has the tag “Russian desk”." in response.text
    assert tag_names(application) == ["Russian desk"]
    assert tag_events() == [("application.tagged", {"added": "Russian desk"})]


def test_removing_a_tag_a_colleague_removed_is_a_notice(editor_client, colleague, make_application):
    application = make_application()
    for name in ("photo", "video"):
        editor_client.post(
            url(application, "/tags"), data=form_data(editor_client, application, name=name)
        )
    markup = page(colleague, application)
    assert 'aria-label="Remove the tag “photo”"' in markup
    stale = form_data(colleague, application, name="photo")
    data = form_data(editor_client, application, name="photo")
    response = editor_client.post(url(application, "/tags/remove"), data=data)
    assert response.status_code == 302
    assert response.headers["Location"] == url(application) + "#candidate-tags"
    assert tag_names(application) == ["video"]
    response = colleague.post(url(application, "/tags/remove"), data=stale, follow_redirects=True)
    assert response.status_code == 200
    assert "The tag “photo” had already been removed." in response.text
    assert tag_names(application) == ["video"]
    assert tag_events() == [
        ("application.tagged", {"added": "photo"}),
        ("application.tagged", {"added": "video"}),
        ("application.untagged", {"removed": "photo"}),
    ]
    assert "Ana Editor removed the tag “photo”" in text_of(page(editor_client, application))


def test_the_page_suggests_the_tags_in_use_that_the_candidate_lacks(
    editor_client, make_application
):
    first, second = make_application(), make_application(email="other@example.org")
    for name in ("photo", "video"):
        editor_client.post(url(first, "/tags"), data=form_data(editor_client, first, name=name))
    editor_client.post(url(second, "/tags"), data=form_data(editor_client, second, name="video"))
    markup = page(editor_client, second)
    assert '<datalist id="known-tag-names"><option value="photo"></datalist>' in markup
    assert 'list="known-tag-names"' in markup


def test_an_overlong_or_empty_tag_is_refused(editor_client, make_application):
    application = make_application()
    data = form_data(editor_client, application, name="x" * 61)
    response = editor_client.post(url(application, "/tags?lang=en"), data=data)
    assert response.status_code == 400
    assert "A tag may have up to 60 characters." in response.text
    data = form_data(editor_client, application, name="   ")
    response = editor_client.post(url(application, "/tags?lang=en"), data=data)
    assert response.status_code == 400
    assert "Please write a tag." in response.text
    data = form_data(editor_client, application)
    response = editor_client.post(url(application, "/tags/remove?lang=en"), data=data)
    assert response.status_code == 400
    assert "This tag could not be removed; please try again." in response.text
    assert tag_names(application) == []
    assert tag_events() == []
