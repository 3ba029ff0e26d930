"""The optional question of risk on the application form: asked in every language, stored
only on a yes, refused with a message (and nothing stored) when a yes asks for something
that cannot be, and kept through the check page and its "change" like every answer."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from tests.apply.test_flow import check_rows, send
from tests.applying import (
    application_form,
    assert_nothing_stored,
    check_page_fields,
    error_summary,
    is_check_page,
    post,
)
from tracker.applications.risk import SafetyAnswers
from tracker.applications.submit import ApplicationData, SubmissionRejected, submit_application
from tracker.extensions import db
from tracker.models import ApplicantSafety, Application
from tracker.ui_languages import UI_LANGUAGES

QUESTION_EN = (
    "Could publishing under your own name, or being known to work with us, put you at risk?"
)
# The question as each language asks it (the catalogues' translations).
QUESTIONS = {
    "de": "Könnte es Sie gefährden, unter Ihrem eigenen Namen zu veröffentlichen oder als "
    "jemand bekannt zu werden, der mit uns arbeitet?",
    "en": QUESTION_EN,
    "ru": "Может ли публикация под вашим собственным именем или известность о том, что вы "
    "работаете с нами, подвергнуть вас опасности?",
    "ka": "შეიძლება თუ არა თქვენი საკუთარი სახელით გამოქვეყნება ან ის, რომ ცნობილი გახდეს "
    "ჩვენთან თანამშრომლობა, საფრთხე შეგიქმნათ?",
    "hy": "Կարո՞ղ է ձեր սեփական անունով հրապարակելը կամ այն, որ հայտնի դառնա, թե աշխատում "
    "եք մեզ հետ, ձեզ վտանգի ենթարկել։",
    "az": "Öz adınızla dərc etmək və ya bizimlə işlədiyinizin bilinməsi sizi təhlükəyə ata "
    "bilərmi?",
}
# "…we erase your application 30 days after it is declined or withdrawn", in each language.
RETENTION_PROMISES = {
    "de": "Wenn wir nicht zusammenarbeiten, löschen wir Ihre Bewerbung 30 Tage, nachdem sie "
    "abgelehnt oder zurückgezogen wurde.",
    "en": "If we do not work together, we erase your application 30 days after it is "
    "declined or withdrawn.",
    "ru": "Если мы не будем работать вместе, мы удалим вашу заявку через 30 дней после "
    "того, как она будет отклонена или отозвана.",
    "ka": "თუ ერთად არ ვითანამშრომლებთ, თქვენს განაცხადს წავშლით უარყოფიდან ან "
    "გამოთხოვიდან 30 დღის შემდეგ.",
    "hy": "Եթե մենք միասին չաշխատենք, ձեր հայտը կջնջենք այն մերժվելուց կամ հետ "
    "կանչվելուց 30 օր հետո։",
    "az": "Birlikdə işləməsək, müraciətinizi rədd edildiyi və ya geri götürüldüyü gündən 30 "
    "gün sonra silirik.",
}


def yes(**changes) -> dict:
    answers = {
        "safety-at_risk": "yes",
        "safety-wants_pseudonym": "y",
        "safety-avoid_work_address": "y",
        "safety-safe_channel": "signal",
        "safety-safe_channel_handle": " @nino.77 ",
    }
    return {**answers, **changes}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def safety_rows() -> list[tuple]:
    return db.session.execute(
        select(
            ApplicantSafety.application_id,
            ApplicantSafety.call_id,
            ApplicantSafety.wants_pseudonym,
            ApplicantSafety.avoid_work_address,
            ApplicantSafety.safe_channel,
            ApplicantSafety.safe_channel_handle,
        )
    ).all()


@pytest.mark.parametrize("language", UI_LANGUAGES)
def test_every_language_asks_the_question_and_says_what_a_yes_changes(client, call, language):
    page = client.get(f"/apply/{call.slug}?lang={language}")
    assert page.status_code == 200
    assert f'<legend class="label">{QUESTIONS[language]}</legend>' in page.text
    assert f"<li>{RETENTION_PROMISES[language]}</li>" in page.text
    # Three answers, none required, "no answer" chosen until the applicant chooses.
    radios = re.findall(r'<input[^>]*name="safety-at_risk"[^>]*>', page.text)
    assert [re.search(r'value="([^"]*)"', radio).group(1) for radio in radios] == ["", "no", "yes"]
    assert ["checked" in radio for radio in radios] == [True, False, False]
    assert not any("required" in radio for radio in radios)


def test_the_promise_names_the_configured_retention(app, client, call):
    app.config["RETENTION_DAYS_AT_RISK"] = 14
    page = client.get(f"/apply/{call.slug}?lang=en")
    assert (
        "<li>If we do not work together, we erase your application 14 days after it is "
        "declined or withdrawn.</li>"
    ) in page.text


def test_a_yes_is_checked_then_stored_with_what_it_asks_for(app, client, call):
    data = application_form(client, call, **yes())
    check = send(client, call, data)
    assert is_check_page(check)
    assert (
        QUESTION_EN,
        "Yes\nI would like to publish under a pseudonym\n"
        "Please do not write to me at a work address\nSignal: @nino.77",
    ) in check_rows(check.text)
    assert count(ApplicantSafety) == 0

    sent = send(client, call, {**check_page_fields(check.text), "send": "1"})

    assert sent.status_code == 302
    application = db.session.scalars(select(Application)).one()
    assert safety_rows() == [(application.id, call.id, True, True, "signal", "@nino.77")]
    assert application.at_risk


def test_a_yes_alone_is_stored_as_at_risk_without_wishes(client, call):
    response = post(client, call, application_form(client, call, **{"safety-at_risk": "yes"}))
    assert response.status_code == 302
    application = db.session.scalars(select(Application)).one()
    assert safety_rows() == [(application.id, call.id, False, False, None, None)]


@pytest.mark.parametrize(("answer", "shown"), [("", None), ("no", "No")])
def test_another_answer_stores_nothing_whatever_was_ticked_below(client, call, answer, shown):
    data = application_form(client, call, **yes(**{"safety-at_risk": answer}))
    check = send(client, call, data)
    assert is_check_page(check)
    rows = dict(check_rows(check.text))
    assert rows.get(QUESTION_EN) == shown
    assert send(client, call, {**check_page_fields(check.text), "send": "1"}).status_code == 302
    assert count(Application) == 1
    assert count(ApplicantSafety) == 0


@pytest.mark.parametrize(
    ("changes", "summary"),
    [
        (
            {"safety-safe_channel": ""},
            "How can we reach you safely? (optional): Please choose the channel your contact "
            "is for, or leave the contact empty.",
        ),
        (
            {"safety-safe_channel": "other", "safety-safe_channel_handle": ""},
            "Your number, name or address on that channel (optional): Please name the channel "
            "and how we reach you on it, or choose another channel.",
        ),
        (
            {"safety-safe_channel_handle": "x" * 201},
            "Your number, name or address on that channel (optional): Please write your "
            "contact on one line, in at most 200 characters.",
        ),
        (
            {"safety-safe_channel": "carrier-pigeon"},
            "How can we reach you safely? (optional): Not a valid choice.",
        ),
        (
            {"safety-at_risk": "maybe"},
            f"{QUESTION_EN} Not a valid choice.",
        ),
    ],
)
def test_a_yes_asking_what_cannot_be_is_refused_with_a_message(app, client, call, changes, summary):
    response = send(client, call, application_form(client, call, **yes(**changes)))
    assert response.status_code == 400
    assert error_summary(response.text) == [summary]
    assert_nothing_stored(app)
    assert count(ApplicantSafety) == 0


def test_change_on_the_check_page_brings_the_answers_back_without_javascript(client, call):
    check = send(client, call, application_form(client, call, **yes()))
    answers = check_page_fields(check.text)
    assert answers["safety-at_risk"] == ["yes"]
    assert answers["safety-safe_channel_handle"] == ["@nino.77"]
    change = re.search(r'name="change" value="(safety-[^"]+)"', check.text).group(1)
    assert change == "safety-at_risk"

    form = send(client, call, {**answers, "change": change})

    assert form.status_code == 200
    assert 'id="safety-at_risk"' in form.text  # the fieldset "change" leads to
    assert re.search(r'<input checked[^>]*name="safety-at_risk"[^>]*value="yes"', form.text)
    assert re.search(r'<input checked[^>]*name="safety-wants_pseudonym"', form.text)
    assert re.search(r'<option selected value="signal">Signal</option>', form.text)
    assert re.search(r'name="safety-safe_channel_handle"[^>]*value="@nino.77"', form.text)
    # Changed to "Threema" on the form, checked again and sent.
    fixed = {**answers, "safety-safe_channel": "threema"}
    assert post(client, call, fixed).status_code == 302
    assert [row[4:] for row in safety_rows()] == [("threema", "@nino.77")]


def test_the_language_switch_keeps_the_answers(client, call):
    data = application_form(client, call, **yes())
    switched = send(client, call, {**data, "switch_language": "ka"}, query="")
    assert switched.status_code == 200
    assert QUESTIONS["ka"] in switched.text
    assert re.search(r'name="safety-safe_channel_handle"[^>]*value="@nino.77"', switched.text)


def test_submit_application_refuses_the_same_combinations_whoever_calls_it(call):
    data = ApplicationData(
        full_name="Nino Beridze",
        email="nino@example.org",
        home_country="georgia",
        city="Kutaisi",
        regions=["georgia"],
        german_level="B2",
        topics=["politics"],
        preferred_language="de",
        cover_letter="Ich schreibe.",
        writing_sample_url="https://example.org/piece",
        safety=SafetyAnswers(safe_channel_handle="@nino"),
    )
    with pytest.raises(SubmissionRejected) as refused, force_locale("en"):
        submit_application(call, data, form_token="t" * 32)
    with force_locale("en"):
        assert {name: str(text) for name, text in refused.value.errors.items()} == {
            "cv": "Please attach your CV.",
            "safety-safe_channel": "Please choose the channel your contact is for, or leave "
            "the contact empty.",
        }
    assert count(Application) == count(ApplicantSafety) == 0
