"""The candidate page as a reading room: compact header, documents in tabs, rubric aside."""

from __future__ import annotations

import re

from tests.drawn_pdfs import pdf_with_pages, store_pdf
from tracker.applications.people import name_key
from tracker.extensions import db


def markup_of(client, application) -> str:
    response = client.get(f"/review/applications/{application.id}?lang=en")
    assert response.status_code == 200
    return response.text


def tabs_of(markup: str) -> list[tuple[str, str, str]]:
    """Return (id, aria-selected, label) of every tab, in order."""
    return re.findall(
        r'<button type="button" role="tab" id="([^"]+)" aria-controls="[^"]+" '
        r'aria-selected="(true|false)" tabindex="-?[01]">([^<]+)</button>',
        markup,
    )


def test_header_names_the_facts_and_languages_in_two_lines(editor_client, make_application):
    application = make_application()
    markup = markup_of(editor_client, application)
    header = markup.split('<header class="candidate-header">')[1].split("</header>")[0]
    assert (
        '<p class="candidate-where">Lives in: <bdi>Kutaisi</bdi>, <bdi>Georgia</bdi> · '
        "Covers: Georgia</p>"
    ) in header
    assert (
        '<p class="candidate-languages">Languages: <bdi>German: B2 (upper intermediate)</bdi></p>'
    ) in header
    assert f'<span class="candidate-reference">{application.reference}</span>' in header
    assert "Status: New" in header
    assert f"Received {application.created_at.day} " in header
    assert "Not assigned" in header
    # An only application has no line about others.
    assert "candidate-others" not in header


def test_header_links_other_applications_from_this_person(editor_client, make_application):
    key = name_key("Nino Beridze")
    make_application(name_key=key)
    make_application(name_key=key)
    latest = make_application(name_key=key)
    markup = markup_of(editor_client, latest)
    assert '<a href="#related">2 other applications from this person</a>' in markup
    assert '<a href="#versions">3rd application from this address</a>' in markup
    assert 'id="related"' in markup
    assert 'id="versions"' in markup
    # The same name from another address: the same person, not a version.
    other_address = make_application(email="nino.beridze@example.net", name_key=key)
    markup = markup_of(editor_client, other_address)
    assert '<a href="#related">3 other applications from this person</a>' in markup
    assert 'href="#versions"' not in markup


def test_tabs_are_the_documents_sent_then_the_application(editor_client, make_application):
    application = make_application(writing_sample_url="https://example.org/story")
    cv = store_pdf(application, pdf_with_pages(1), text="Lebenslauf")
    markup = markup_of(editor_client, application)
    assert tabs_of(markup) == [
        ("tab-cv", "true", "CV"),
        ("tab-cover_letter", "false", "Cover letter"),
        ("tab-writing_sample", "false", "Writing sample"),
        ("tab-application", "false", "Application"),
    ]
    # Without JavaScript the tab list stays hidden and each panel has its heading.
    assert (
        '<div class="reader-tabs" role="tablist" aria-label="Documents" hidden data-tablist>'
        in (markup)
    )
    for key, _, label in tabs_of(markup):
        panel = key.replace("tab-", "panel-")
        assert f'<h2 id="{panel}-title" class="reader-panel-title">{label}</h2>' in markup
    assert f'src="/review/documents/{cv.id}/pages/1.png"' in markup
    assert '<div class="cover-letter" dir="auto">Ich berichte aus Westgeorgien.</div>' in markup
    assert (
        '<p class="writing-sample-link">Writing sample: <a href="https://example.org/story" '
        'rel="noopener noreferrer nofollow">https://example.org/story</a></p>'
    ) in markup


def test_a_typed_cover_letter_alone_is_the_first_tab(editor_client, make_application):
    application = make_application()
    assert tabs_of(markup_of(editor_client, application)) == [
        ("tab-cover_letter", "true", "Cover letter"),
        ("tab-application", "false", "Application"),
    ]
    application.cover_letter = None
    db.session.commit()
    assert tabs_of(markup_of(editor_client, application)) == [
        ("tab-application", "true", "Application"),
    ]


def test_documents_come_first_then_the_rubric_aside_then_comments_tags_timeline(
    editor_client, make_application
):
    application = make_application()
    markup = markup_of(editor_client, application)
    # The source order is the reading order on a phone; wide screens put the aside beside.
    order = [
        '<div class="reading-main">',
        'id="documents"',
        '<aside class="reading-side" aria-label="Rating and actions">',
        'id="rubric"',
        'id="rating-form"',
        'id="status-form"',
        'id="assign-form"',
        '<div class="reading-below">',
        'id="comments"',
        'id="candidate-tags"',
        'id="timeline"',
    ]
    positions = [markup.index(marker) for marker in order]
    assert positions == sorted(positions)
