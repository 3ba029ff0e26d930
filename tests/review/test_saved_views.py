"""Saved views: an inbox filter kept under a name, personal or shared with the team, listed
beside the inbox with its count, and one of them a person's start page."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from tests.auth.test_sign_in import sign_in
from tests.conftest import PASSWORD, hidden_fields
from tests.review.test_inbox import flashes, get, text_of
from tracker.extensions import db
from tracker.models import SavedView, start_views


def sidebar(page: str) -> list[str]:
    """Return the saved views the inbox lists, as a reader sees each line."""
    section = re.search(r'<ul class="saved-view-list">(.*?)</ul>', page, re.DOTALL)
    if section is None:
        return []
    return [text_of(item) for item in re.findall(r"<li>(.*?)</li>", section.group(1), re.DOTALL)]


def view_link(page: str, name: str) -> str:
    """Return the address the sidebar links *name* to."""
    section = re.search(r'<ul class="saved-view-list">(.*?)</ul>', page, re.DOTALL).group(1)
    for href, text in re.findall(r'<a href="([^"]*)"[^>]*>(.*?)</a>', section, re.DOTALL):
        if text_of(text).startswith(f"{name} ·"):
            return html.unescape(href)
    raise AssertionError(f"no view {name!r}")


def save(client, query: str, name: str, *, shared: bool = False):
    """Send the inbox's "Save this filter as a view" form as the page for *query* holds it."""
    hidden = {k: html.unescape(v) for k, v in hidden_fields(get(client, query)).items()}
    data = {**hidden, "name": name} | ({"shared": "y"} if shared else {})
    return client.post("/review/views", data=data)


def action(client, path: str, query: str = ""):
    """Post one of the views' buttons (start page, delete) from the inbox of *query*."""
    hidden = {k: html.unescape(v) for k, v in hidden_fields(get(client, query)).items()}
    return client.post(path, data={"csrf_token": hidden["csrf_token"], "filter": hidden["filter"]})


def views() -> list[tuple[str, str, bool]]:
    db.session.expire_all()
    return [
        (view.name, view.query, view.shared)
        for view in db.session.scalars(select(SavedView).order_by(SavedView.id))
    ]


def test_a_saved_view_is_listed_with_its_count_and_links_to_its_filter(
    editor_client, make_application
):
    for _ in range(2):
        make_application(region="north_caucasus")
    make_application(region="georgia")
    response = save(editor_client, "region=north_caucasus&status=new&page=1", " Nordkaukasus  neu ")
    assert response.status_code == 302
    assert response.headers["Location"] == "/review/?region=north_caucasus&status=new"
    assert views() == [("Nordkaukasus neu", "region=north_caucasus&status=new", False)]
    page = editor_client.get(response.headers["Location"] + "&lang=en").text
    assert flashes(page) == ["The view “Nordkaukasus neu” is saved."]
    assert sidebar(page) == ["Nordkaukasus neu · 2"]
    assert '<a href="/review/?region=north_caucasus&amp;status=new" aria-current="true">' in page
    # The count follows the applications: a new one in the region is counted at once.
    make_application(region="north_caucasus")
    assert sidebar(get(editor_client)) == ["Nordkaukasus neu · 3"]


def test_a_shared_view_is_listed_for_the_team_a_personal_one_only_for_its_owner(
    editor_client, colleague, make_application
):
    make_application(region="georgia")
    save(editor_client, "region=georgia", "Georgien", shared=True)
    save(editor_client, "region=armenia", "Armenien")
    assert sidebar(get(editor_client)) == ["Armenien · 0", "Georgien · 1 shared"]
    assert sidebar(get(colleague)) == ["Georgien · 1 shared by Ana Editor"]
    assert view_link(get(colleague), "Georgien") == "/review/?region=georgia"


def test_a_view_of_my_open_ratings_counts_for_each_person_what_they_have_not_rated(
    editor_client, colleague, make_application
):
    from tests.review.test_inbox import rate

    first, _second = make_application(), make_application()
    rate(first, colleague.user, 4)
    save(editor_client, "rated=not_me", "Meine offenen Bewertungen", shared=True)
    assert sidebar(get(editor_client)) == ["Meine offenen Bewertungen · 2 shared"]
    assert sidebar(get(colleague)) == ["Meine offenen Bewertungen · 1 shared by Ana Editor"]


def test_saving_again_under_the_same_name_replaces_the_filter(editor_client):
    save(editor_client, "region=georgia", "Mine")
    save(editor_client, "region=armenia&sort=name", "Mine", shared=True)
    assert views() == [("Mine", "region=armenia&sort=name", True)]


def test_a_view_needs_a_name_of_at_most_80_characters(editor_client):
    for name, message in (
        ("   ", "Give the view a name."),
        ("x" * 81, "A view's name can be at most 80 characters long."),
    ):
        response = save(editor_client, "region=georgia", name)
        assert response.headers["Location"] == "/review/?region=georgia"
        assert flashes(editor_client.get("/review/?lang=en").text) == [message]
    assert views() == []


def test_a_view_without_a_csrf_token_is_refused(editor_client):
    response = editor_client.post("/review/views", data={"name": "x", "filter": "region=georgia"})
    assert response.status_code == 400
    assert views() == []


def test_only_the_owner_or_an_admin_deletes_a_view_and_others_cannot_see_a_private_one(
    editor_client, colleague, admin_client
):
    save(editor_client, "region=georgia", "Geteilt", shared=True)
    save(editor_client, "region=armenia", "Privat")
    shared_id, private_id = db.session.scalars(select(SavedView.id).order_by(SavedView.id))
    assert action(colleague, f"/review/views/{private_id}/delete").status_code == 404
    response = action(colleague, f"/review/views/{shared_id}/delete", "region=georgia")
    assert response.headers["Location"] == "/review/?region=georgia"
    assert flashes(get(colleague)) == ["Only the person who saved this view can delete it."]
    assert [name for name, *_ in views()] == ["Geteilt", "Privat"]
    action(admin_client, f"/review/views/{shared_id}/delete")
    assert flashes(get(admin_client)) == ["The view “Geteilt” is deleted."]
    action(editor_client, f"/review/views/{private_id}/delete")
    assert views() == []


def test_a_start_view_is_where_its_person_lands_after_signing_in(
    app, editor_client, colleague, make_user
):
    save(editor_client, "region=georgia&status=new", "Georgien neu", shared=True)
    view_id = db.session.scalar(select(SavedView.id))
    response = action(colleague, f"/review/views/{view_id}/start")
    assert flashes(get(colleague)) == ["“Georgien neu” is now your start page."]
    assert sidebar(get(colleague)) == ["Georgien neu · 0 shared by Ana Editor start page"]
    assert db.session.execute(select(start_views)).all() == [(colleague.user.id, view_id)]
    client = app.test_client()
    response = sign_in(client, "ben@example.org", PASSWORD)
    assert response.headers["Location"] == "/review/?region=georgia&status=new"
    # A link that asked for a page still leads there.
    response = sign_in(app.test_client(), "ben@example.org", PASSWORD, next_path="/review/outbox")
    assert response.headers["Location"] == "/review/outbox"
    # Unshared by its owner, it is no one else's start page any more.
    save(editor_client, "region=georgia&status=new", "Georgien neu", shared=False)
    response = sign_in(app.test_client(), "ben@example.org", PASSWORD)
    assert response.headers["Location"] == "/review/"


def test_the_whole_inbox_can_be_the_start_page_again(app, editor_client):
    save(editor_client, "region=georgia", "Georgien")
    view_id = db.session.scalar(select(SavedView.id))
    action(editor_client, f"/review/views/{view_id}/start")
    assert sign_in(app.test_client(), "editor@example.org", PASSWORD).headers["Location"] == (
        "/review/?region=georgia"
    )
    action(editor_client, "/review/views/start/clear")
    assert flashes(get(editor_client)) == ["The whole inbox is your start page again."]
    assert db.session.execute(select(start_views)).all() == []
    assert (
        sign_in(app.test_client(), "editor@example.org", PASSWORD).headers["Location"] == "/review/"
    )


def test_deleting_a_start_view_makes_the_inbox_the_start_page(app, editor_client):
    save(editor_client, "region=georgia", "Georgien")
    view_id = db.session.scalar(select(SavedView.id))
    action(editor_client, f"/review/views/{view_id}/start")
    action(editor_client, f"/review/views/{view_id}/delete")
    assert db.session.execute(select(start_views)).all() == []
    assert (
        sign_in(app.test_client(), "editor@example.org", PASSWORD).headers["Location"] == "/review/"
    )


def test_the_inbox_offers_to_save_a_filter_only_when_there_is_one(editor_client):
    assert "Save this filter as a view" not in get(editor_client)
    assert "Save this filter as a view" in get(editor_client, "region=georgia")
    assert text_of(
        re.search(r'<section class="saved-views".*?</section>', get(editor_client), re.S)[0]
    ) == ("Views Save a filter you use often: it is listed here with its count.")
