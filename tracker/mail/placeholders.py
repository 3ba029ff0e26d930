"""The values an email template may name, for one application, and rendering with them.

Every template email to an applicant — acknowledgement, editor emails, drafts, bulk
emails, status links — gets its placeholder values here (``{{ first_name }}``, the
status link, the rejection reason …) and is rendered by :func:`tracker.mail.templates.render`.
"""

from __future__ import annotations

import dataclasses

from flask import current_app
from markupsafe import escape
from sqlalchemy import select

from tracker.applications.status_links import status_link
from tracker.applications.versions import ordinal, version_number
from tracker.enums import EmailTemplateKey, RejectionReason, Status
from tracker.extensions import db
from tracker.mail.discretion import discretion_for
from tracker.mail.templates import (
    FALLBACK_LANGUAGE,
    RenderedEmail,
    TemplateSource,
    load_source,
    placeholders_for,
    render,
)
from tracker.models import Application, StatusChange, User
from tracker.privacy_notice import withdrawn_retention_days
from tracker.ui_languages import localized

# Sentences for {{ rejection_reason }}, in the applicant's language. They are email text
# like the seeded templates, so they live here rather than in the UI catalogues.
REJECTION_REASON_TEXTS = {
    RejectionReason.REGION_COVERED: {
        "de": "Für Ihre Region haben wir bereits genügend Expertinnen und Experten.",
        "en": "We already have enough experts for your region.",
        "ru": "В вашем регионе у нас уже достаточно экспертов.",
        "ka": "თქვენი რეგიონისთვის უკვე საკმარისი რაოდენობის ექსპერტი გვყავს.",
        "hy": "Ձեր տարածաշրջանի համար արդեն ունենք բավարար թվով փորձագետներ։",
        "az": "Regionunuz üzrə artıq kifayət qədər ekspertimiz var.",
    },
    RejectionReason.GERMAN_INSUFFICIENT: {
        "de": "Für diese Aufgabe brauchen wir sicherere Deutschkenntnisse im Schreiben.",
        "en": "For this work we need a more confident command of written German.",
        "ru": "Для этой работы нужен более уверенный письменный немецкий.",
        "ka": "ამ სამუშაოსთვის საჭიროა წერითი გერმანულის უფრო თავდაჯერებული ფლობა.",
        "hy": "Այս աշխատանքի համար անհրաժեշտ է գրավոր գերմաներենի ավելի վստահ իմացություն։",
        "az": "Bu iş üçün alman dilində daha inamlı yazmaq bacarığı lazımdır.",
    },
    RejectionReason.EXPERIENCE_INSUFFICIENT: {
        "de": "Für diese Aufgabe suchen wir mehr journalistische Erfahrung.",
        "en": "For this work we are looking for more journalistic experience.",
        "ru": "Для этой работы мы ищем больший журналистский опыт.",
        "ka": "ამ სამუშაოსთვის უფრო დიდ ჟურნალისტურ გამოცდილებას ვეძებთ.",
        "hy": "Այս աշխատանքի համար փնտրում ենք ավելի մեծ լրագրողական փորձ։",
        "az": "Bu iş üçün daha çox jurnalistika təcrübəsi axtarırıq.",
    },
    RejectionReason.SAMPLE_UNSUITABLE: {
        "de": "Ihre Arbeitsprobe passt nicht zu dem, was wir veröffentlichen.",
        "en": "Your writing sample does not fit what we publish.",
        "ru": "Ваш образец текста не подходит для наших публикаций.",
        "ka": "თქვენი ტექსტის ნიმუში არ შეესაბამება იმას, რასაც ვაქვეყნებთ.",
        "hy": "Ձեր տեքստի նմուշը չի համապատասխանում այն նյութերին, որոնք մենք հրապարակում ենք։",
        "az": "Yazı nümunəniz dərc etdiyimiz materiallara uyğun gəlmir.",
    },
    RejectionReason.NO_CAPACITY: {
        "de": "Derzeit können wir keine weiteren Expertinnen und Experten aufnehmen.",
        "en": "At the moment we cannot take on any more experts.",
        "ru": "Сейчас мы не можем привлечь новых экспертов.",
        "ka": "ამჟამად ახალი ექსპერტების მიღება არ შეგვიძლია.",
        "hy": "Այս պահին չենք կարող նոր փորձագետներ ներգրավել։",
        "az": "Hazırda yeni ekspertlər cəlb edə bilmirik.",
    },
    RejectionReason.OTHER: {
        "de": "Diesmal haben wir uns für andere Bewerbungen entschieden.",
        "en": "This time we have decided in favour of other applications.",
        "ru": "На этот раз мы выбрали других кандидатов.",
        "ka": "ამჯერად არჩევანი სხვა განაცხადებზე გავაკეთეთ.",
        "hy": "Այս անգամ նախապատվությունը տվել ենք այլ դիմումների։",
        "az": "Bu dəfə başqa müraciətlərə üstünlük verdik.",
    },
}


def rejection_reason_text(reason: str | None, language: str) -> str:
    """Return the sentence for a rejection *reason* in *language* ("" without a reason)."""
    if not reason or reason not in set(RejectionReason):
        return ""
    texts = REJECTION_REASON_TEXTS[RejectionReason(reason)]
    return texts.get(language) or texts[FALLBACK_LANGUAGE]


# {{ version_note }} in the acknowledgement of an address's second (third …) application to
# a call: (one earlier application, several earlier ones), in the applicant's language.
VERSION_NOTE_TEXTS = {
    "de": (
        "Dies ist Ihre {ordinal} Bewerbung auf diese Ausschreibung. Unsere Redaktion sieht "
        "sie zusammen mit Ihrer früheren Bewerbung.",
        "Dies ist Ihre {ordinal} Bewerbung auf diese Ausschreibung. Unsere Redaktion sieht "
        "sie zusammen mit Ihren früheren Bewerbungen.",
    ),
    "en": (
        "This is your {ordinal} application to this call. Our editors see it together with "
        "your earlier one.",
        "This is your {ordinal} application to this call. Our editors see it together with "
        "your earlier ones.",
    ),
    "ru": (
        "Это ваша {ordinal} заявка на этот конкурс. Редакция рассмотрит её вместе с вашей "
        "предыдущей заявкой.",
        "Это ваша {ordinal} заявка на этот конкурс. Редакция рассмотрит её вместе с вашими "
        "предыдущими заявками.",
    ),
    "ka": (
        "ეს არის თქვენი {ordinal} განაცხადი ამ კონკურსზე. ჩვენი რედაქცია მას თქვენს წინა "
        "განაცხადთან ერთად განიხილავს.",
        "ეს არის თქვენი {ordinal} განაცხადი ამ კონკურსზე. ჩვენი რედაქცია მას თქვენს წინა "
        "განაცხადებთან ერთად განიხილავს.",
    ),
    "hy": (
        "Սա այս մրցույթին Ձեր {ordinal} դիմումն է։ Մեր խմբագիրներն այն կդիտարկեն Ձեր "
        "նախորդ դիմումի հետ միասին։",
        "Սա այս մրցույթին Ձեր {ordinal} դիմումն է։ Մեր խմբագիրներն այն կդիտարկեն Ձեր "
        "նախորդ դիմումների հետ միասին։",
    ),
    "az": (
        "Bu, Sizin bu müsabiqəyə {ordinal} müraciətinizdir. Redaksiyamız onu əvvəlki "
        "müraciətinizlə birlikdə nəzərdən keçirəcək.",
        "Bu, Sizin bu müsabiqəyə {ordinal} müraciətinizdir. Redaksiyamız onu əvvəlki "
        "müraciətlərinizlə birlikdə nəzərdən keçirəcək.",
    ),
}


def version_note_text(number: int, language: str) -> str:
    """Return the sentence saying this is application *number* to the call ("" for the 1st)."""
    if number < 2:
        return ""
    if language not in VERSION_NOTE_TEXTS:
        language = FALLBACK_LANGUAGE
    one_earlier, several_earlier = VERSION_NOTE_TEXTS[language]
    text = one_earlier if number == 2 else several_earlier
    return text.format(ordinal=ordinal(number, language))


def latest_rejection_reason(application: Application) -> str | None:
    """Return the reason of the application's latest rejection, if any."""
    return db.session.scalar(
        select(StatusChange.reason)
        .where(
            StatusChange.application_id == application.id,
            StatusChange.to_status == Status.REJECTED.value,
        )
        .order_by(StatusChange.created_at.desc(), StatusChange.id.desc())
        .limit(1)
    )


def placeholder_values(
    application: Application,
    key: str,
    *,
    language: str,
    editor: User | None = None,
    reason: str | None = None,
) -> dict[str, str]:
    """Return the value of every placeholder template *key* may use for *application*."""
    config = current_app.config
    full_name = application.full_name or ""
    words = full_name.split()
    values = {
        "first_name": words[0] if words else full_name,
        "full_name": full_name,
        "call_title": localized(application.call.title, language),
        "reference": application.reference,
        "status_link": status_link(application),
        "editor_name": editor.name if editor is not None else "",
        "desk_email": config["DESK_EMAIL"],
        "site_name": config["SITE_NAME"],
    }
    if "rejection_reason" in placeholders_for(key):
        if reason is None:
            reason = latest_rejection_reason(application)
        values["rejection_reason"] = rejection_reason_text(reason, language)
    if "retention_days" in placeholders_for(key):
        values["retention_days"] = retention_days_text(config, at_risk=application.at_risk)
    if "version_note" in placeholders_for(key):
        values["version_note"] = version_note_text(version_number(application), language)
    return values


def retention_days_text(config, *, at_risk: bool = False) -> str:
    """Return the days a withdrawn application is kept, as text; "" if it is kept. An
    applicant at risk is kept RETENTION_DAYS_AT_RISK at most."""
    days = withdrawn_retention_days(config)
    if at_risk:
        shorter = config["RETENTION_DAYS_AT_RISK"]
        days = shorter if days is None else min(days, shorter)
    return "" if days is None else str(days)


def render_for(
    application: Application,
    key: str | EmailTemplateKey,
    *,
    editor: User | None = None,
    language: str | None = None,
    reason: str | None = None,
) -> RenderedEmail:
    """Render template *key* for *application* in its language (German if missing)."""
    source = load_source(key, language or application.preferred_language)
    values = placeholder_values(
        application, source.key, language=source.language, editor=editor, reason=reason
    )
    rendered = render(source, values, discretion=discretion_for(application))
    return with_version_note(source, rendered, values.get("version_note", ""))


def with_version_note(source: TemplateSource, rendered: RenderedEmail, note: str) -> RenderedEmail:
    """Return *rendered* with *note* as its second paragraph if the template does not place it.

    Templates saved before ``{{ version_note }}`` existed (an admin's edited acknowledgement)
    do not name it, yet the applicant must still be told that this is their second
    application. The note then follows the first paragraph (the greeting, in our texts),
    in the text part and, if there is one, in the HTML part.
    """
    if not note:
        return rendered
    body_text = rendered.body_text
    if "version_note" not in source.body_text:
        greeting, gap, rest = body_text.partition("\n\n")
        body_text = (
            f"{greeting}\n\n{note}\n\n{rest}" if gap else f"{body_text.rstrip()}\n\n{note}\n"
        )
    body_html = rendered.body_html
    if body_html and "version_note" not in (source.body_html or ""):
        paragraph = f"<p>{escape(note)}</p>"
        end = body_html.find("</p>")
        body_html = (
            f"{body_html[: end + 4]}\n{paragraph}{body_html[end + 4 :]}"
            if end >= 0
            else f"{body_html}\n{paragraph}"
        )
    return dataclasses.replace(rendered, body_text=body_text, body_html=body_html)
