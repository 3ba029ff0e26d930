"""Spoken languages: the list applicants choose from, and one way to show a language."""

from __future__ import annotations

import pytest

from tracker.calls import load_data
from tracker.labels import language_labeller, language_with_level, spoken_language_names
from tracker.mail.placeholders import REJECTION_REASON_TEXTS, VERSION_NOTE_TEXTS
from tracker.ui_languages import UI_LANGUAGES


def test_every_language_is_named_in_each_page_language_once():
    items = load_data("languages.json")
    codes = [item["code"] for item in items]
    assert len(codes) == len(set(codes))
    assert all(sorted(item["label"]) == sorted(UI_LANGUAGES) for item in items)
    assert all(all(label.strip() for label in item["label"].values()) for item in items)
    assert codes[-1] == "other"


def test_the_default_call_speaks_every_page_language():
    call = load_data("default_call.json")
    texts = [call["title"], call["description"]]
    texts += [option["label"] for option in (*call["regions"], *call["topics"])]
    assert all(sorted(text) == sorted(UI_LANGUAGES) for text in texts)
    assert all(all(value.strip() for value in text.values()) for text in texts)


def test_the_emails_sentences_exist_in_every_page_language():
    assert all(sorted(texts) == sorted(UI_LANGUAGES) for texts in REJECTION_REASON_TEXTS.values())
    assert sorted(VERSION_NOTE_TEXTS) == sorted(UI_LANGUAGES)
    assert all(
        "{ordinal}" in one and "{ordinal}" in more for one, more in VERSION_NOTE_TEXTS.values()
    )


def test_the_languages_of_the_region_are_in_the_list(app):
    names = spoken_language_names("en")
    assert [names[code] for code in ("ady", "krc", "kum", "dar", "lbe", "sva", "tly", "ku")] == [
        "Adyghe / Circassian",
        "Karachay-Balkar",
        "Kumyk",
        "Dargin",
        "Lak",
        "Svan",
        "Talysh",
        "Kurdish",
    ]
    assert spoken_language_names("ru")["sva"] == "Сванский"
    assert spoken_language_names("de")["tly"] == "Talyschisch"


@pytest.mark.parametrize(
    ("code", "level", "name", "shown"),
    [
        ("ka", "native", None, "Georgian: native"),
        ("xmf", "B2", None, "Mingrelian: B2 (upper intermediate)"),
        ("sva", "A1", None, "Svan: A1 (beginner)"),
        ("other", "C2", "Udi", "Udi: C2 (proficient)"),
        # A name belongs only to "other"; without one, "other" is named as such.
        ("ka", "C1", "ignored", "Georgian: C1 (advanced)"),
        ("other", "B1", None, "Other language: B1 (intermediate)"),
        # What the list no longer knows is shown as stored, never hidden.
        ("zz", "X9", None, "zz: X9"),
    ],
)
def test_a_language_is_shown_with_its_level_in_words(app, code, level, name, shown):
    with app.test_request_context("/?lang=en"):
        assert language_with_level(code, level, name, "en") == shown
        # The inbox's labeller for a page of rows says exactly the same.
        assert language_labeller("en")(code, level, name) == shown


def test_the_language_is_named_in_the_language_asked_for(app):
    with app.test_request_context("/?lang=en"):
        assert language_with_level("ka", "native", None, "ru").startswith("Грузинский: ")
        assert language_with_level("ka", "native") == "Georgian: native"
        assert language_labeller("ru")("ka", "native").startswith("Грузинский: ")
        assert language_labeller("de")("ka", "B2") == language_with_level("ka", "B2", None, "de")
