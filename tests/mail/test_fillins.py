"""Fill-in parts ([[…]]): the seeds carry them, the template check knows them, and neither
one-to-one compose nor bulk email queues anything while one is left."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from tests.conftest import hidden_fields
from tests.mail.test_compose import bulk, bulk_texts, compose_data, compose_page
from tracker.enums import EmailStatus
from tracker.extensions import db
from tracker.mail.fillins import unfilled_parts
from tracker.mail.template_store import seed_templates
from tracker.mail.templates import TemplateValidationError, check_template
from tracker.models import OutboxEmail

SEEDS = Path(__file__).parents[2] / "templates" / "mail"
REQUEST_INFO_MARKERS = {
    "de": "[[Bitte beschreiben Sie hier, was fehlt.]]",
    "en": "[[Please describe here what is missing.]]",
    "ru": "[[Опишите здесь, чего не хватает.]]",
}


@pytest.fixture
def seeded(app):
    seed_templates()


def emails() -> list[OutboxEmail]:
    return list(db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))


def test_seeds_mark_fill_in_parts_and_have_no_bare_brackets():
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        outside_markers = re.sub(r"\[\[.*?\]\]", "", text)
        assert re.findall(r"[\[\]]", outside_markers) == [], path.name
    for language, marker in REQUEST_INFO_MARKERS.items():
        text = (SEEDS / f"request_info.{language}.txt").read_text(encoding="utf-8")
        assert unfilled_parts(text) == [marker]


def test_the_template_check_refuses_an_unclosed_marker(app):
    with force_locale("en"), pytest.raises(TemplateValidationError) as refused:
        check_template("request_info", "Frage", "Hallo,\n[[Was fehlt?\nGruß\n", None)
    assert refused.value.errors == {
        "body_text": [
            "Line 2: a fill-in part opened with [[ is not closed with ]]. Write fill-in "
            "parts like [[Describe what is missing.]]."
        ]
    }
    check_template("request_info", "Frage", "Hallo,\n[[Was fehlt?]]\n", None)  # closed: fine


def test_old_single_bracket_seed_sentences_count_as_fill_in_parts():
    old = "Hallo,\n[Bitte beschreiben Sie hier, was fehlt.]\n"
    assert unfilled_parts(old) == ["[Bitte beschreiben Sie hier, was fehlt.]"]
    assert unfilled_parts("[[Please describe here what is missing.]] and [[x]]") == [
        "[[Please describe here what is missing.]]",
        "[[x]]",
    ]
    assert unfilled_parts("A [link] and a list [1, 2]") == []


def test_compose_lists_the_fill_in_part_refuses_it_and_sends_once_filled(
    app, editor_client, seeded, make_application
):
    application = make_application(preferred_language="ru", email="anna@example.org")
    page = compose_page(editor_client, application)
    assert "data-unfilled-parts" in page
    assert "<li><mark>[[Опишите здесь, чего не хватает.]]</mark></li>" in page
    data = compose_data(page)
    url = f"/review/applications/{application.id}/email?lang=en"

    refused = editor_client.post(url, data={**data, "action": "send"})

    assert refused.status_code == 400
    assert (
        "Fill in the marked parts before sending: [[Опишите здесь, чего не хватает.]]"
        in refused.text
    )
    assert emails() == []

    filled = data["body_text"].replace(REQUEST_INFO_MARKERS["ru"], "Пришлите резюме.")
    sent = editor_client.post(url, data={**data, "body_text": filled, "action": "send"})

    assert sent.status_code == 302
    (email,) = emails()
    assert email.body_text == filled.replace("\r\n", "\n")
    assert "Пришлите резюме.\n" in email.body_text
    assert "[[" not in email.body_text


@pytest.fixture
def two_languages(make_application):
    return [
        make_application(
            email="nino@example.org", full_name="Nino Beridze", preferred_language="de"
        ),
        make_application(
            email="anna@example.org", full_name="Анна Петросян", preferred_language="ru"
        ),
    ]


def open_bulk(client, applications, template="request_info"):
    ids = [str(application.id) for application in applications]
    page = bulk(client, ids=ids, scope="selected", template=template, action="preview")
    assert page.status_code == 200
    return ids, page.text


FILLED = {
    "subject_de": "Ihre Bewerbung {{ reference }}",
    "body_text_de": "Hallo {{ full_name }},\nbitte senden Sie Ihren Lebenslauf.\n",
    "subject_ru": "Ваша заявка {{ reference }}",
    "body_text_ru": "Здравствуйте, {{ full_name }}!\nПришлите, пожалуйста, резюме.\n",
}


def test_bulk_shows_a_text_per_language_and_refuses_an_unfilled_part(
    app, editor_client, seeded, two_languages
):
    ids, page = open_bulk(editor_client, two_languages)
    texts = bulk_texts(page)
    assert texts["loaded"] == "request_info"
    assert REQUEST_INFO_MARKERS["de"] in texts["body_text_de"]
    assert REQUEST_INFO_MARKERS["ru"] in texts["body_text_ru"]
    assert "subject_en" not in texts  # nobody writes in English
    assert "Write placeholders like {{ first_name }}: each candidate gets" in page
    assert f"<li><mark>{REQUEST_INFO_MARKERS['ru']}</mark></li>" in page
    assert 'data-preview="de"' in page
    assert 'data-preview="ru"' in page
    assert "Hallo Nino Beridze," in page
    assert "Здравствуйте, Анна Петросян!" in page
    ticket = hidden_fields(page)["ticket"]
    texts["body_text_de"] = texts["body_text_de"].replace(REQUEST_INFO_MARKERS["de"], "Es fehlt.")

    refused = bulk(
        editor_client,
        ids=ids,
        scope="selected",
        template="request_info",
        ticket=ticket,
        action="send",
        **texts,
    )

    assert refused.status_code == 400
    assert (
        f"Русский: Fill in the marked parts before sending: {REQUEST_INFO_MARKERS['ru']}"
        in refused.text
    )
    assert emails() == []


def test_bulk_sends_each_recipient_the_edited_text_of_their_language(
    app, editor_client, seeded, two_languages
):
    ids, page = open_bulk(editor_client, two_languages)
    ticket = hidden_fields(page)["ticket"]

    sent = bulk(
        editor_client,
        ids=ids,
        scope="selected",
        template="request_info",
        loaded="request_info",
        ticket=ticket,
        action="send",
        **FILLED,
    )

    assert sent.status_code == 302
    nino, anna = two_languages
    assert [(e.to_address, e.language, e.template, e.subject, e.body_text) for e in emails()] == [
        (
            "nino@example.org",
            "de",
            "request_info",
            f"Ihre Bewerbung {nino.reference}",
            "Hallo Nino Beridze,\nbitte senden Sie Ihren Lebenslauf.\n",
        ),
        (
            "anna@example.org",
            "ru",
            "request_info",
            f"Ваша заявка {anna.reference}",
            "Здравствуйте, Анна Петросян!\nПришлите, пожалуйста, резюме.\n",
        ),
    ]


@pytest.mark.parametrize("status", ["rejected", "withdrawn"])
def test_bulk_to_rejected_or_withdrawn_needs_a_confirmation(
    app, editor_client, seeded, make_application, status
):
    inactive = make_application(email="gone@example.org", preferred_language="de", status=status)
    ids, page = open_bulk(editor_client, [inactive])
    assert f'data-recipient-status="{status}"' in page
    assert "1 recipient was rejected or has withdrawn." in page
    ticket = hidden_fields(page)["ticket"]
    data = {
        "ids": ids,
        "scope": "selected",
        "template": "request_info",
        "loaded": "request_info",
        "ticket": ticket,
        "action": "send",
        **FILLED,
    }

    refused = bulk(editor_client, **data)

    assert refused.status_code == 400
    assert "Some recipients were rejected or have withdrawn." in refused.text
    assert emails() == []

    sent = bulk(editor_client, **data, inactive_confirmed="y")

    assert sent.status_code == 302
    assert [e.to_address for e in emails()] == ["gone@example.org"]


def test_a_draft_with_a_fill_in_part_is_not_released(app, editor_client, seeded, make_application):
    from tracker.mail.compose import queue_template_email
    from tracker.mail.drafts import OutboxActionError, release_draft, release_drafts

    application = make_application(preferred_language="en")
    with app.test_request_context():
        draft = queue_template_email(
            application, "request_info", by=editor_client.user, status=EmailStatus.DRAFT
        )
    db.session.commit()

    with force_locale("en"), pytest.raises(OutboxActionError) as refused:
        release_draft(draft.id, by=editor_client.user)
    assert str(refused.value) == (
        "Fill in the marked parts before sending: [[Please describe here what is missing.]]"
    )
    assert release_drafts(by=editor_client.user) == 0
    assert [email.status for email in emails()] == ["draft"]


def test_the_template_editor_explains_fill_in_parts(app, admin_client, seeded):
    page = admin_client.get("/admin/email-templates/request_info/de?lang=en").text
    hint = re.search(r"<p class=\"hint\" data-fill-in-hint>(.*?)</p>", page).group(1)
    assert hint == (
        "Text the editor must replace before sending goes in double square brackets: "
        "[[Describe what is missing.]]. Editors cannot send an email while one is left."
    )
