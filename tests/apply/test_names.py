"""A name is a name: no relay for phishing text, no invisible direction tricks, every script."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.applying import application_form, assert_nothing_stored, error_summary, post
from tracker.applications.submit import ApplicationData, SubmissionRejected, submit_application
from tracker.extensions import db
from tracker.models import Application, OutboxEmail

PHISHING = "Urgent: verify at https://evil.example/login now"
NO_ADDRESSES = "Full name: Please write only your name here, without web or email addresses."
LETTERS_ONLY = (
    "Full name: Please write your name in letters only: spaces, hyphens and apostrophes "
    "are fine, digits and other signs are not."
)
TOO_LONG = "Full name: Please write your name in at most 6 words."


def refused(client, call, name, language="en"):
    data = application_form(client, call, full_name=name, email="victim@example.net")
    return post(client, call, data, query=f"?lang={language}")


def test_a_phishing_text_as_name_is_refused_and_nothing_is_sent(app, client, call):
    response = refused(client, call, PHISHING)
    assert response.status_code == 400
    assert error_summary(response.text) == [NO_ADDRESSES]
    assert_nothing_stored(app)  # no application, no acknowledgement to victim@example.net


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Nino https://evil.example", NO_ADDRESSES),
        ("Nino www.evil.example", NO_ADDRESSES),
        ("Nino evil.example", NO_ADDRESSES),
        ("Nino пример.рф", NO_ADDRESSES),
        ("Nino ｗｗｗ．evil", NO_ADDRESSES),  # full-width letters and dot
        ("nino@evil.example", NO_ADDRESSES),
        ("Nino＠evil", NO_ADDRESSES),
        ("Call +44 20 7946 0958", LETTERS_ONLY),
        ("Nino <b>Beridze</b>", LETTERS_ONLY),
        ("Nino {{ 7*7 }}", LETTERS_ONLY),
        ("Please verify your account today", None),  # five words: a name as far as we know
        ("Please do verify your account right now", TOO_LONG),
    ],
)
def test_names_that_could_carry_a_message_are_refused(app, client, call, name, message):
    response = refused(client, call, name)
    if message is None:
        assert response.status_code == 302
        # Taken, but the desk's acknowledgement to that address does not repeat it.
        assert "verify" not in db.session.scalar(select(OutboxEmail.body_text))
        return
    assert response.status_code == 400
    assert error_summary(response.text) == [message]
    assert_nothing_stored(app)


@pytest.mark.parametrize(
    ("language", "message"),
    [
        (
            "de",
            "Vollständiger Name: Bitte schreiben Sie hier nur Ihren Namen, ohne Web- oder "
            "E-Mail-Adressen.",
        ),
        (
            "ru",
            "Полное имя: Пожалуйста, укажите здесь только своё имя, без веб-адресов и "
            "адресов электронной почты.",
        ),
    ],
)
def test_the_refusal_is_in_the_applicants_language(app, client, call, language, message):
    response = refused(client, call, PHISHING, language)
    assert response.status_code == 400
    assert error_summary(response.text) == [message]


@pytest.mark.parametrize(
    "name",
    [
        "ნინო ბერიძე",  # Georgian
        "Արամ Պետրոսյան",  # Armenian
        "Արմենուհի Եւգինեան",  # Armenian with the ligature և written out
        "Ани Арутюнян-Сафарян",  # Cyrillic with a hyphen
        "Ömer Əliyev",  # Azerbaijani Latin
        "Seán O'Brien",
        "Natʼela Ts’ereteli",  # modifier-letter and typographic apostrophes
        "J. R. R. Tolkien",
        "Beridze, Nino (Nina)",
        "Maria del Carmen García López",
    ],
)
def test_real_names_in_every_script_of_the_region_are_taken_as_written(client, call, name):
    response = post(client, call, application_form(client, call, full_name=name))
    assert response.status_code == 302, error_summary(response.text)
    assert db.session.scalar(select(Application.full_name)) == name


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("\u202eNino Beridze", "Nino Beridze"),  # right-to-left override
        ("Nino\u200b Beridze\ufeff", "Nino Beridze"),  # zero-width space, byte-order mark
        ("\u2067ნინო\u2069 \u200fბერიძე\u202c", "ნინო ბერიძე"),  # isolates, RLM, PDF
        ("Nino\u00a0\u2003Beridze", "Nino Beridze"),  # unusual spaces become one
        ("Ani\u200dArutyunyan\u200c", "AniArutyunyan"),  # joiners are invisible too
        ("Se\u0301an O'Brien", "Séan O'Brien"),  # combining accent: stored composed (NFC)
    ],
)
def test_invisible_and_direction_characters_are_removed_from_the_name(client, call, typed, stored):
    response = post(client, call, application_form(client, call, full_name=typed))
    assert response.status_code == 302
    application = db.session.scalar(select(Application))
    assert application.full_name == stored


def test_the_rule_holds_whoever_calls_submit_application(app, call):
    data = ApplicationData(
        full_name=PHISHING,
        email="victim@example.net",
        home_country="georgia",
        city="Kutaisi",
        regions=["georgia"],
        german_level="B2",
        topics=["politics"],
        preferred_language="en",
        cover_letter="Hello",
        writing_sample_url="https://example.org/piece",
    )
    with app.test_request_context("/?lang=en"), pytest.raises(SubmissionRejected) as refusal:
        submit_application(call, data, form_token="token-1")
    assert str(refusal.value.errors["full_name"]) == NO_ADDRESSES.removeprefix("Full name: ")
    assert db.session.scalar(select(OutboxEmail)) is None


def test_the_form_says_what_is_wrong_with_the_name_beside_every_other_mistake(app, client, call):
    data = application_form(client, call, full_name=PHISHING, city="")
    response = client.post("/apply/local-experts?lang=en", data=data)
    assert response.status_code == 400
    assert error_summary(response.text) == [
        NO_ADDRESSES,
        "City or town where you live: Name the city or town where you live.",
    ]
    assert_nothing_stored(app)
