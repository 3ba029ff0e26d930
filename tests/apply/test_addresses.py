"""Only addresses our mail can reach: ASCII before the @, internationalised domains as punycode."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.applying import application_form, assert_nothing_stored, error_summary, post
from tests.conftest import hidden_fields
from tracker.extensions import db
from tracker.models import Application, OutboxEmail

NOT_ASCII = (
    "Email address: We can only write to addresses whose part before the @ uses Latin "
    "letters, digits and . _ - + signs. Please enter another address."
)


@pytest.mark.parametrize("address", ["üñí@exämple.org", "нино@example.org", "ნინო@example.ge"])
def test_an_address_with_letters_beyond_ascii_before_the_at_is_refused(app, client, call, address):
    response = client.post(
        "/apply/local-experts?lang=en", data=application_form(client, call, email=address)
    )
    assert response.status_code == 400
    assert error_summary(response.text) == [NOT_ASCII]
    assert_nothing_stored(app)


def test_the_refusal_is_in_german_and_russian_too(client, call):
    for language, expected in (
        ("de", "E-Mail-Adresse: Wir können nur an Adressen schreiben, deren Teil vor dem @"),
        ("ru", "Адрес электронной почты: Мы можем писать только на адреса, в которых часть до @"),
    ):
        data = application_form(client, call, email="üñí@exämple.org")
        response = client.post(f"/apply/local-experts?lang={language}", data=data)
        assert error_summary(response.text)[0].startswith(expected)


def test_an_internationalised_domain_is_stored_in_its_ascii_form(client, call):
    response = post(client, call, application_form(client, call, email="Nino@Exämple.org"))
    assert response.status_code == 302
    assert db.session.scalar(select(Application.email)) == "nino@xn--exmple-cua.org"
    assert db.session.scalar(select(OutboxEmail.to_address)) == "nino@xn--exmple-cua.org"


def test_a_new_status_link_for_such_addresses(client, app, make_application):
    make_application(email="nino@xn--exmple-cua.org")
    page = client.get("/status/reissue?lang=en")
    refused = client.post(
        "/status/reissue?lang=en", data={**hidden_fields(page.text), "email": "üñí@exämple.org"}
    )
    assert refused.status_code == 400
    assert error_summary(refused.text) == [NOT_ASCII]
    assert db.session.scalar(select(OutboxEmail)) is None

    # The Unicode form of the domain finds the application stored in ASCII.
    sent = client.post(
        "/status/reissue", data={**hidden_fields(page.text), "email": "Nino@exämple.org"}
    )
    assert sent.status_code == 302
    assert db.session.scalars(select(OutboxEmail.to_address)).all() == ["nino@xn--exmple-cua.org"]
