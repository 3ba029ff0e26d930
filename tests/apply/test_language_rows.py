"""The form's further languages: numbered rows, "Add another language", new and unlisted ones."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.applying import application_form, assert_nothing_stored, error_summary, post
from tracker.extensions import db
from tracker.models import Application

EN = "/apply/local-experts?lang=en"
# Eleven languages besides German, all in the list.
ELEVEN = ["ka", "ru", "hy", "az", "tr", "uk", "fa", "fr", "ab", "os", "ce"]


def english_form(client, call, **overrides) -> dict:
    """A valid submission made from the English page (messages and labels in English)."""
    client.get(EN)
    return application_form(client, call, **overrides)


def without_rows(data: dict) -> dict:
    """Return *data* without any further language (the valid form has two)."""
    return {key: value for key, value in data.items() if not key.startswith("other_languages-")}


def with_rows(data: dict, rows: list[tuple[str, str, str]]) -> dict:
    """Return *data* with exactly *rows* as (language, level, name) further languages."""
    data = without_rows(data)
    for index, (language, level, name) in enumerate(rows):
        data[f"other_languages-{index}-language"] = language
        data[f"other_languages-{index}-level"] = level
        data[f"other_languages-{index}-language_name"] = name
    return data


def visible(page: str) -> str:
    """Return *page* without the <template> JavaScript copies rows from."""
    return re.sub(r"<template.*?</template>", "", page, flags=re.S)


def row_labels(page: str) -> list[str]:
    """Return the labels of the language rows, in page order."""
    return re.findall(
        r'<label class="label" for="other_languages-\d+-[a-z_]+">([^<]*)</label>', page
    )


def stored_languages() -> list[tuple[str, str, str | None]]:
    application = db.session.scalar(select(Application))
    return [(lang.language, lang.level, lang.name) for lang in application.languages]


def test_a_fresh_form_has_one_row_labelled_with_its_number(client, call):
    page = client.get(EN).text
    assert row_labels(visible(page)) == ["Language 1", "Level 1", "Name of language 1"]
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    assert 'name="add_language" value="1" formnovalidate' in page
    assert "You can add up to 10 languages." in page
    # The row JavaScript copies: the same fields, numbered by placeholders.
    template = re.search(r"<template id=\"language-row-template\">(.*?)</template>", page, re.S)
    assert row_labels(template.group(1).replace("__index__", "7")) == [
        "Language __number__",
        "Level __number__",
        "Name of language __number__",
    ]


def test_add_language_without_javascript_shows_the_answers_and_one_more_row(app, client, call):
    data = with_rows(english_form(client, call), [("sva", "native", "")])
    response = post(client, call, {**data, "add_language": "1"})
    assert response.status_code == 200
    page = visible(response.text)
    assert row_labels(page) == [
        "Language 1",
        "Level 1",
        "Name of language 1",
        "Language 2",
        "Level 2",
        "Name of language 2",
    ]
    assert '<option selected value="sva">Svan</option>' in page
    assert 'value="Nino Beridze"' in page
    # The new row has focus when the page comes back; nothing was checked or stored.
    autofocused = re.findall(r'<select [^>]*autofocus[^>]*id="([^"]+)"', page)
    assert autofocused == ["other_languages-1-language"]
    assert "There is a problem" not in page
    assert_nothing_stored(app)


def test_a_form_shown_again_keeps_the_rows_filled_in_and_one_empty_row(app, client, call):
    rows = [("ka", "native", ""), ("", "", ""), ("ru", "C1", ""), ("", "", ""), ("", "", "")]
    data = with_rows(english_form(client, call, email="not an address"), rows)
    page = visible(post(client, call, data).text)
    # The empty rows at the end become one; an emptied row in the middle stays in place.
    assert row_labels(page)[::3] == ["Language 1", "Language 2", "Language 3", "Language 4"]
    assert '<option selected value="ka">Georgian</option>' in page
    assert '<option selected value="ru">Russian</option>' in page
    assert_nothing_stored(app)


def test_the_form_offers_no_more_than_ten_rows(app, client, call):
    rows = [(code, "B1", "") for code in ELEVEN[:10]]
    data = with_rows(english_form(client, call), rows)
    page = visible(post(client, call, {**data, "add_language": "1"}).text)
    assert row_labels(page)[-3:] == ["Language 10", "Level 10", "Name of language 10"]
    assert re.search(r"<button [^>]*name=\"add_language\"[^>]*hidden>", page)
    assert '<p class="hint" data-language-limit >You have added as many languages' in page
    assert_nothing_stored(app)


def test_ten_further_languages_are_stored(app, client, call):
    rows = [(code, "B1", "") for code in ELEVEN[:10]]
    response = post(client, call, with_rows(english_form(client, call), rows))
    assert response.status_code == 302
    assert stored_languages() == [("de", "B2", None)] + [(code, "B1", None) for code in ELEVEN[:10]]


def test_an_eleventh_language_is_refused_with_a_message(app, client, call):
    rows = [(code, "B1", "") for code in ELEVEN]
    response = post(client, call, with_rows(english_form(client, call), rows))
    assert response.status_code == 400
    assert error_summary(response.text) == [
        "Language 11: You can name at most 10 further languages. Please leave one out."
    ]
    assert_nothing_stored(app)


@pytest.mark.parametrize(
    ("code", "english"),
    [
        ("ady", "Adyghe / Circassian"),
        ("krc", "Karachay-Balkar"),
        ("kum", "Kumyk"),
        ("dar", "Dargin"),
        ("lbe", "Lak"),
        ("sva", "Svan"),
        ("tly", "Talysh"),
        ("ku", "Kurdish"),
        ("tr", "Turkish"),
        ("fa", "Persian"),
    ],
)
def test_the_form_offers_the_languages_of_the_region(client, code, english, call):
    assert f'<option value="{code}">{english}</option>' in client.get(EN).text


def test_svan_and_talysh_are_stored(app, client, call):
    rows = [("sva", "native", ""), ("tly", "B1", "")]
    response = post(client, call, with_rows(english_form(client, call), rows))
    assert response.status_code == 302
    assert stored_languages() == [("de", "B2", None), ("sva", "native", None), ("tly", "B1", None)]


def test_other_language_needs_its_name(app, client, call):
    rows = [("ka", "native", ""), ("other", "B1", "  ")]
    response = post(client, call, with_rows(english_form(client, call), rows))
    assert response.status_code == 400
    assert error_summary(response.text) == [
        "Name of language 2: Please write the name of the language."
    ]
    assert '<option selected value="other">Other language (please name it)</option>' in (
        response.text
    )
    assert_nothing_stored(app)


def test_a_level_or_a_name_without_a_language_is_not_dropped_unsaid(app, client, call):
    rows = [("", "B1", ""), ("", "", "Udi")]
    response = post(client, call, with_rows(english_form(client, call), rows))
    assert error_summary(response.text) == [
        "Language 1: Please choose the language, or leave this row empty.",
        "Language 2: Please choose the language, or leave this row empty.",
    ]
    assert_nothing_stored(app)


def test_a_language_name_is_one_short_line(app, client, call):
    rows = [("other", "B1", "U" * 61)]
    response = post(client, call, with_rows(english_form(client, call), rows))
    assert error_summary(response.text) == [
        "Name of language 1: This has 61 characters. Please shorten it to 60."
    ]
    assert_nothing_stored(app)


def test_only_one_language_outside_the_list_is_taken(app, client, call):
    rows = [("other", "B1", "Udi"), ("other", "A2", "Tsakhur")]
    response = post(client, call, with_rows(english_form(client, call), rows))
    assert error_summary(response.text) == [
        "Language 2: Please name only one language that is not in the list; you can mention "
        "others in your cover letter."
    ]
    assert_nothing_stored(app)


def test_other_language_with_a_name_is_stored_and_shown(app, client, call, editor_client):
    rows = [("other", "B1", " Udi "), ("xmf", "B2", "ignored: not other")]
    response = post(client, call, with_rows(english_form(client, call), rows))
    assert response.status_code == 302
    assert stored_languages() == [("de", "B2", None), ("other", "B1", "Udi"), ("xmf", "B2", None)]
    application = db.session.scalar(select(Application))
    candidate = editor_client.get(f"/review/applications/{application.id}").text
    assert (
        "<li><bdi>German: B2 (upper intermediate)</bdi></li><li><bdi>Udi: B1 (intermediate)</bdi>"
        "</li><li><bdi>Mingrelian: B2 (upper intermediate)</bdi></li>"
    ) in candidate
    inbox = editor_client.get("/review/").text
    assert (
        '<span class="language"><bdi>German: B2 (upper intermediate)</bdi></span>, '
        '<span class="language"><bdi>Udi: B1 (intermediate)</bdi></span>, '
        '<span class="language"><bdi>Mingrelian: B2 (upper intermediate)</bdi></span>'
    ) in inbox
