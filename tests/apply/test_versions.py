"""One application per person and call: repeats find the first, later ones are versions.

Assertions on German page text need the merged catalogues (tr-versions.json); they are
marked. Email texts are not in the catalogues and are asserted in every language.
"""

from __future__ import annotations

import html
import io
import re
from datetime import timedelta

from sqlalchemy import func, select

from tests.applying import application_form, kept_on_disk, post, sample, stored_files
from tracker.extensions import db
from tracker.mail.template_store import seed_templates
from tracker.models import Application, EmailTemplate, OutboxEmail

NOTE_EN = (
    "This is your 2nd application to this call. Our editors see it together with your earlier one."
)
NOTE_DE = (
    "Dies ist Ihre 2. Bewerbung auf diese Ausschreibung. Unsere Redaktion sieht sie "
    "zusammen mit Ihrer früheren Bewerbung."
)


def send(client, call, **overrides):
    """Fetch the form (a fresh ticket, as Back then reload does) and send it."""
    return post(client, call, application_form(client, call, **overrides))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def applications() -> list[Application]:
    return list(db.session.scalars(select(Application).order_by(Application.id)))


def outbox() -> list[OutboxEmail]:
    return list(db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))


def text_of(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def test_back_and_send_again_gives_one_application(app, client, call):
    first = send(client, call)
    files = stored_files(app)
    # Back restores the page; the browser fetches it again, so the form has a new ticket.
    again = send(client, call, email=" NINO.BERIDZE@example.org")

    assert again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    assert count(Application) == 1
    assert len(outbox()) == 1
    # The second copy's files were staged and stored, then removed again (staging too).
    assert stored_files(app) == files
    assert len(files) == 2
    assert kept_on_disk(app) == []  # nor does it keep the repeat's chosen files


def test_the_same_documents_a_day_later_are_a_new_version(app, client, call):
    send(client, call)
    (first,) = applications()
    first.created_at -= timedelta(hours=24, seconds=1)
    db.session.commit()

    response = send(client, call)

    second = applications()[1]
    assert response.headers["Location"] == f"/apply/local-experts/thanks/{second.reference}"
    assert second.reference != first.reference
    assert len(outbox()) == 2
    assert NOTE_DE in outbox()[1].body_text


def test_another_cover_letter_within_a_day_is_a_new_version_told_everywhere(
    app, client, call, editor_client
):
    send(client, call)
    response = send(
        client, call, cover_letter="Seit 2015 berichte ich aus Kutaissi und Batumi.", city="Batumi"
    )

    first, second = applications()
    assert response.headers["Location"] == f"/apply/local-experts/thanks/{second.reference}"
    # The thanks page says so, and names the address the confirmation went to.
    page = client.get(response.headers["Location"] + "?lang=en").text
    assert f'<p class="version-note">{NOTE_EN}</p>' in page
    assert (
        "We have sent a confirmation to \u2068n***@example.org\u2069. If it has not arrived "
        "within an hour, please look in your spam folder." in html.unescape(page)
    )
    # So does the acknowledgement, as its own paragraph after the reference.
    email = outbox()[1]
    assert f"Ihre Referenz: {second.reference}\n\n{NOTE_DE}\n\nUnsere Redaktion" in (
        email.body_text
    )
    assert "Bewerbung auf diese Ausschreibung" not in outbox()[0].body_text
    # The editors see the number, the earlier one and what changed.
    markup = editor_client.get(f"/review/applications/{second.id}?lang=en").text
    section = re.search(r'<section class="candidate-section versions".*?</section>', markup, re.S)
    assert section, "no versions notice on the candidate page"
    assert f'<a href="/review/applications/{first.id}">{first.reference}</a>' in section.group(0)
    notice = text_of(section.group(0))
    assert notice.startswith(
        "2nd application from this address Earlier applications from this address to this "
        f"call: {first.reference} received "
    )
    assert notice.endswith(
        f"Changes since {first.reference} "
        "Lives in: Kutaisi, Georgia → Batumi, Georgia "
        "Cover letter: Ich schreibe seit zehn Jahren über Westgeorgien. → "
        "Seit 2015 berichte ich aus Kutaissi und Batumi. "
        "CV: unchanged Writing sample: unchanged"
    )
    # The earlier one points to the later one.
    earlier = editor_client.get(f"/review/applications/{first.id}?lang=en").text
    assert "Later application from this address" in earlier
    assert f'<a href="/review/applications/{second.id}">{second.reference}</a>' in earlier


def test_changed_and_new_documents_are_named(app, client, call, editor_client):
    send(client, call, writing_sample=None, writing_sample_url="https://example.org/story")
    send(
        client,
        call,
        cv=(io.BytesIO(sample("writing_sample.odt")), "cv-neu.odt"),
        writing_sample_url=None,
    )
    first, second = applications()
    notice = text_of(editor_client.get(f"/review/applications/{second.id}?lang=en").text)
    assert (
        "Writing sample link: https://example.org/story → not given "
        "CV: changed: Lebenslauf Nino.pdf → cv-neu.odt "
        "Writing sample: new: anaklia.odt"
    ) in notice


def test_a_third_application_says_3rd_and_earlier_ones(app, client, call):
    for letter in ("Erster Brief.", "Zweiter Brief.", "Dritter Brief."):
        response = send(client, call, cover_letter=letter, preferred_language="en")
    page = client.get(response.headers["Location"] + "?lang=en").text
    assert (
        "This is your 3rd application to this call. Our editors see it together with your "
        "earlier ones." in page
    )
    assert (
        "This is your 3rd application to this call. Our editors see it together with your "
        "earlier ones." in outbox()[2].body_text
    )


def test_another_address_with_the_same_documents_is_a_separate_application(
    app, client, call, editor_client
):
    first = send(client, call)
    second = send(client, call, email="nana@example.org")

    one, other = applications()
    assert first.headers["Location"] != second.headers["Location"]
    assert (one.email, other.email) == ("nino.beridze@example.org", "nana@example.org")
    assert [email.to_address for email in outbox()] == [one.email, other.email]
    page = client.get(second.headers["Location"] + "?lang=en").text
    assert 'class="version-note"' not in page
    assert "\u2068n***@example.org\u2069" in page
    assert (
        'class="candidate-section versions"'
        not in editor_client.get(f"/review/applications/{other.id}?lang=en").text
    )


def test_an_acknowledgement_template_saved_before_versions_still_says_2nd(app, client, call):
    # An admin's edited text from before {{ version_note }} existed, with an HTML part.
    db.session.add(
        EmailTemplate(
            key="acknowledgement",
            language="en",
            subject="Received ({{ reference }})",
            body_text="Hello,\n\nthank you. Your reference: {{ reference }}\n\nThe desk\n",
            body_html="<p>Hello,</p>\n<p>Your reference: {{ reference }}</p>",
        )
    )
    db.session.commit()
    send(client, call, preferred_language="en")
    send(client, call, preferred_language="en", cover_letter="Ein neuer Brief.")

    first, second = outbox()
    assert first.body_text == (
        f"Hello,\n\nthank you. Your reference: {applications()[0].reference}\n\nThe desk\n"
    )
    assert second.body_text == (
        f"Hello,\n\n{NOTE_EN}\n\nthank you. Your reference: {applications()[1].reference}"
        "\n\nThe desk\n"
    )
    assert second.body_html == (
        f"<p>Hello,</p>\n<p>{NOTE_EN}</p>\n<p>Your reference: {applications()[1].reference}</p>"
    )


def test_the_thanks_page_switches_language_and_keeps_the_reference(app, client, call):
    response = send(client, call)
    thanks = response.headers["Location"]
    page = client.get(thanks + "?lang=en").text
    assert "Thank you – we have received your application" in page
    switch = f'<a href="{thanks}?lang=de" lang="de" hreflang="de">Deutsch</a>'
    assert switch in page

    german = client.get(f"{thanks}?lang=de").text
    assert "Vielen Dank – Ihre Bewerbung ist bei uns eingegangen" in german
    assert '<html lang="de">' in german
    # The choice stays for the session: reloading without ?lang is still German.
    assert "Vielen Dank – Ihre Bewerbung ist bei uns eingegangen" in client.get(thanks).text
    reference = applications()[0].reference
    assert f'<p class="reference">{reference}</p>' in german
    for personal in ("Nino", "Beridze", "nino.beridze", "Kutaisi"):
        assert personal not in german


def test_the_seeded_acknowledgement_places_the_note_once(app, client, call):
    seed_templates()
    db.session.commit()
    send(client, call, preferred_language="ru")
    send(client, call, preferred_language="ru", cover_letter="Новое письмо.")

    first, second = outbox()
    reference = applications()[1].reference
    assert second.body_text.count("Это ваша") == 1
    assert (
        f"Номер вашей заявки: {reference}\n\nЭто ваша 2-я заявка на этот конкурс. Редакция "
        "рассмотрит её вместе с вашей предыдущей заявкой.\n\nРедакция читает каждую заявку."
    ) in second.body_text
    assert f"Номер вашей заявки: {applications()[0].reference}\n\nРедакция читает" in (
        first.body_text
    )
