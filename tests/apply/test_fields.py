"""Forgiving text fields: nothing cut silently, links without https://, messages that say
what a field needs, a summary without doubled signs, one topic group, the site's icon."""

from __future__ import annotations

import json
import re
import struct
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.applying import application_form, assert_nothing_stored, error_summary, post
from tests.conftest import hidden_fields
from tracker.apply.text_checks import with_scheme
from tracker.extensions import db
from tracker.mail.template_store import seed_templates
from tracker.models import Application
from tracker.web.forms_common import summary_line

ENGLISH = "/apply/local-experts?lang=en"


def textarea(page: str, name: str) -> str:
    """Return the opening tag of the textarea *name*."""
    return re.search(rf'<textarea[^>]*name="{name}"[^>]*>', page).group(0)


# --- the cover letter: a counter, never a cut -------------------------------------------


def test_no_field_of_the_form_has_a_maxlength_and_the_cover_letter_has_a_counter(client, call):
    page = client.get(ENGLISH).text

    assert "maxlength" not in page  # browsers enforce it by cutting a paste silently
    box = re.search(r'<div class="field"[^>]*data-character-count="(\d+)"[^>]*>', page)
    assert box.group(1) == "8000"
    messages = json.loads(re.search(r"data-count-messages='([^']*)'", box.group(0)).group(1))
    assert messages == {
        "left": {
            "one": "You have {count} character left",
            "other": "You have {count} characters left",
        },
        "over": {
            "one": "You have {count} character too many",
            "other": "You have {count} characters too many",
        },
    }
    assert 'name="cover_letter"' in page[box.end() : box.end() + 800]


def test_the_counter_has_a_sentence_for_each_russian_plural_form(client, call):
    page = client.get("/apply/local-experts?lang=ru").text

    raw = re.search(r"data-count-messages='([^']*)'", page).group(1)
    assert sorted(json.loads(raw)["left"]) == ["few", "many", "one", "other"]


def test_an_over_long_cover_letter_is_refused_with_both_numbers_and_kept_whole(app, client, call):
    letter = "Ich berichte aus Kutaissi. " * 400  # 10,800 characters
    assert len(letter) == 10_800

    response = client.post(ENGLISH, data=application_form(client, call, cover_letter=letter))

    assert response.status_code == 400
    assert error_summary(response.text) == [
        "Cover letter: Your cover letter has 10,800 characters. Please shorten it to 8,000 or "
        "attach it as a file."
    ]
    assert f"{letter}</textarea>" in response.text
    assert_nothing_stored(app)


def test_the_numbers_are_written_in_the_page_language(client, call):
    data = application_form(client, call, cover_letter="x" * 10_800)

    page = client.post("/apply/local-experts?lang=de", data=data).text

    assert "10.800" in page  # German groups thousands with a dot
    assert "10,800" not in page


def test_a_line_break_counts_as_one_character_as_in_the_browser(client, call):
    # 80 lines of 99 letters: 8,000 characters in the browser, 8,080 if CRLF counted twice.
    letter = "\r\n".join(["a" * 99] * 80) + "\r\n"

    response = post(client, call, application_form(client, call, cover_letter=letter))

    assert response.status_code == 302
    stored = db.session.scalar(select(Application)).cover_letter
    assert stored == "\n".join(["a" * 99] * 80) + "\n"
    assert len(stored) == 8000


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "full_name",
            "Nino Beridze-" + "a" * 191,
            ["Full name: This has 204 characters. Please shorten it to 200."],
        ),
        (
            "links",
            "https://example.org/" + "a" * 5000,
            [
                "Links to other published work (optional): This has 5,020 characters. "
                "Please shorten it to 5,000.",
                "Links to other published work (optional): Line 1 is too long for a web address.",
            ],
        ),
    ],
)
def test_other_long_text_is_refused_with_the_numbers_instead_of_cut(
    app, client, call, field, value, message
):
    page = client.post(ENGLISH, data=application_form(client, call, **{field: value})).text

    assert error_summary(page) == message
    assert_nothing_stored(app)


# --- links: https:// added, the wrong line named -----------------------------------------


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("www.example.org", "https://www.example.org"),
        ("example.org/piece?id=3#top", "https://example.org/piece?id=3#top"),
        ("jam-news.net:8443/ge", "https://jam-news.net:8443/ge"),
        ("тбилиси.ge/статья", "https://тбилиси.ge/статья"),
        ("https://example.org", "https://example.org"),
        ("http://example.org", "http://example.org"),
        ("javascript:alert(1)", "javascript:alert(1)"),
        ("mailto:nino@example.org", "mailto:nino@example.org"),
        ("nino@example.org", "nino@example.org"),
        ("//example.org", "//example.org"),
        ("localhost", "localhost"),
        ("10.0.0.1", "10.0.0.1"),
        ("my article", "my article"),
    ],
)
def test_only_a_bare_web_address_gets_https(given, kept):
    assert with_scheme(given) == kept


def test_links_given_without_https_are_stored_with_it(client, call):
    data = application_form(
        client,
        call,
        writing_sample=None,
        writing_sample_url="www.example.org/anaklia",
        links="  www.example.org/kutaisi \r\n\r\nexample.org/piece\r\nhttps://example.org/3",
    )

    assert post(client, call, data).status_code == 302

    application = db.session.scalar(select(Application))
    assert application.writing_sample_url == "https://www.example.org/anaklia"
    assert application.links == [
        "https://www.example.org/kutaisi",
        "https://example.org/piece",
        "https://example.org/3",
    ]


def test_the_links_error_names_the_wrong_line_and_shows_the_completed_ones(app, client, call):
    links = "www.example.org/a\n\nmy article about Batumi\nhttps://example.org/b"

    page = client.post(ENGLISH, data=application_form(client, call, links=links)).text

    assert error_summary(page) == [
        "Links to other published work (optional): Line 3 is not a web address: "
        "“my article about Batumi”."
    ]
    assert (
        "https://www.example.org/a\n\nmy article about Batumi\nhttps://example.org/b</textarea>"
        in page
    )
    assert_nothing_stored(app)


def test_a_very_long_wrong_line_is_quoted_shortened(app, client, call):
    line = "not an address " * 10
    page = client.post(ENGLISH, data=application_form(client, call, links=line)).text

    (message,) = error_summary(page)
    assert message.endswith(f"Line 1 is not a web address: “{line.strip()[:60]}…”.")


def test_a_writing_sample_link_that_is_no_address_says_what_to_enter(app, client, call):
    data = application_form(client, call, writing_sample=None, writing_sample_url="my blog")

    page = client.post(ENGLISH, data=data).text

    assert error_summary(page) == [
        "… or a link to a published piece: Enter the address of the web page, such as "
        "https://example.org/your-article."
    ]


# --- required fields say what they need --------------------------------------------------


def test_the_empty_form_says_what_each_field_needs(app, client, call):
    page = client.get(ENGLISH).text

    response = client.post(ENGLISH, data=hidden_fields(page))

    assert response.status_code == 400
    assert "This field is required" not in response.text
    summary = error_summary(response.text)
    for line in [
        "Full name: Enter your full name.",
        "Email address: Enter your email address.",
        "Your German: Choose your level of German.",
        "Topics you know well: Choose at least one topic.",
        "CV: Please attach your CV.",
        "Cover letter: Please write a cover letter or attach it as a file.",
        "Writing sample: Please attach a writing sample or give a link to a published piece.",
        "Which language should we write to you in? Choose the language we should write to you in.",
        "Privacy notice: Please agree to the privacy notice so that we may read your application.",
    ]:
        assert line in summary
    # Beside the field, the message as written, with no sign added.
    assert '<span class="visually-hidden">Error:</span> Enter your full name</p>' in (response.text)
    assert_nothing_stored(app)


# --- the error summary -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "message", "line"),
    [
        ("Full name", "Enter your full name", "Full name: Enter your full name."),
        ("CV", "Please attach your CV.", "CV: Please attach your CV."),
        ("Where? (optional)", "Too long!", "Where? (optional): Too long!"),
        ("Which language?", "Choose one", "Which language? Choose one."),
        ("Code:", "Is it right?", "Code: Is it right?"),
        ("Name", "Wait…", "Name: Wait…"),
        ("Links", "Line 2 is not a web address: “x.”", "Links: Line 2 is not a web address: “x.”."),
        ("  Padded  ", "  spaced  ", "Padded: spaced."),
    ],
)
def test_summary_lines_never_double_a_sign(label, message, line):
    assert summary_line(label, message) == line


def test_the_rendered_summary_has_no_doubled_sign(client, call):
    page = client.post(
        ENGLISH, data=application_form(client, call, preferred_language="", full_name="")
    ).text

    summary = re.search(r'<div class="error-summary".*?</div>', page, re.S).group(0)
    assert "?:" not in summary
    assert ".." not in summary
    assert error_summary(page) == [
        "Full name: Enter your full name.",
        "Which language should we write to you in? Choose the language we should write to you in.",
    ]


# --- the topics: one required group ------------------------------------------------------


def test_the_topics_are_one_group_with_no_required_box(client, call):
    page = client.get(ENGLISH).text

    boxes = re.findall(r'<input[^>]*name="topics"[^>]*>', page)
    assert len(boxes) == len(call.topics) == 11
    assert not [box for box in boxes if re.search(r"\srequired[\s>=]", box)]
    assert (
        '<fieldset class="nested" aria-describedby="topics-hint" id="topics" tabindex="-1">' in page
    )
    assert '<p class="hint" id="topics-hint">Choose one or more.</p>' in page


def test_no_topic_is_one_error_on_the_group(app, client, call):
    page = client.post(ENGLISH, data=application_form(client, call, topics=None)).text

    assert error_summary(page) == ["Topics you know well: Choose at least one topic."]
    assert '<a href="#topics">' in page
    assert 'aria-describedby="topics-hint topics-error" id="topics"' in page
    assert page.count("Choose at least one topic") == 2  # the summary and the group
    assert_nothing_stored(app)


# --- no autocomplete="None" ----------------------------------------------------------------


def test_no_page_writes_autocomplete_none_or_a_maxlength(client, editor_client, admin_client, call):
    application_id = post_and_find(client, call)
    seed_templates()
    db.session.commit()
    pages = [
        (client, ENGLISH),
        (client, "/auth/login"),
        (client, "/auth/reset"),
        (client, "/status/reissue"),
        (editor_client, "/review/"),
        (editor_client, f"/review/applications/{application_id}"),
        (editor_client, f"/review/applications/{application_id}/email"),
        (editor_client, "/auth/password"),
        (admin_client, "/admin/team"),
        (admin_client, "/admin/calls/new"),
        (admin_client, "/admin/email-templates/acknowledgement/en"),
        (admin_client, "/admin/export"),
    ]
    for who, url in pages:
        response = who.get(url)
        assert response.status_code == 200, url
        assert 'autocomplete="None"' not in response.text, url
        # Nor a maxlength from a Length validator in the field macros (the inbox's filter
        # boxes and the rating comments set their own, outside the macros).
        if not url.startswith("/review/"):
            assert "maxlength" not in response.text, url
    # The applicant form's selects, which wrote it before, now have no such attribute.
    assert (
        '<select class="select" id="home_country" name="home_country" required>'
        in client.get(ENGLISH).text
    )


def post_and_find(client, call) -> int:
    assert post(client, call, application_form(client, call)).status_code == 302
    return db.session.scalar(select(Application.id))


# --- the site's icon -----------------------------------------------------------------------

ICON = Path(__file__).parents[2] / "tracker" / "static" / "favicon.ico"


def test_favicon_is_a_real_icon_served_publicly_and_cached(client):
    with client.get("/favicon.ico") as response:
        response.data  # read while the file is open  # noqa: B018

    assert response.status_code == 200
    assert response.content_type == "image/vnd.microsoft.icon"
    assert response.data == ICON.read_bytes()
    reserved, kind, count = struct.unpack("<HHH", response.data[:6])
    assert (reserved, kind, count) == (0, 1, 2)
    sizes = []
    for index in range(count):
        width, height, *_rest, length, offset = struct.unpack(
            "<BBBBHHII", response.data[6 + 16 * index : 22 + 16 * index]
        )
        assert response.data[offset : offset + 8] == b"\x89PNG\r\n\x1a\n"
        sizes.append((width, height))
    assert sizes == [(16, 16), (32, 32)]
    assert "max-age=604800" in response.headers["Cache-Control"]
    assert "no-store" not in response.headers["Cache-Control"]


def test_public_and_staff_pages_link_the_icon(client, editor_client, call):
    link = '<link rel="icon" href="/favicon.ico" sizes="16x16 32x32">'
    assert link in client.get(ENGLISH).text
    assert link in client.get("/auth/login").text
    assert link in editor_client.get("/review/").text
