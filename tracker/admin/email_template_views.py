"""Admins edit the email templates: one version per kind of email and language."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker.admin import bp
from tracker.admin.email_template_forms import PLACEHOLDER_LABELS, EmailTemplateForm
from tracker.enums import UI_LANGUAGES, EmailTemplateKey
from tracker.extensions import db
from tracker.mail.templates import (
    LANGUAGE_LABELS,
    TEMPLATE_LABELS,
    TemplateSource,
    TemplateValidationError,
    check_template,
    file_source,
    find_template,
    normalise_newlines,
    placeholders_for,
    render,
    sample_values,
    save_template,
    seed_templates,
    template_overview,
)
from tracker.web.access import admin


@bp.get("/email-templates")
@admin
def email_templates():
    """List every kind of email with its version in each language."""
    overview = template_overview()
    missing = any(row is None for _key, rows in overview for row in rows.values())
    return render_template(
        "admin/email_templates.html",
        overview=overview,
        missing=missing,
        languages=UI_LANGUAGES,
        language_labels=LANGUAGE_LABELS,
        template_labels=TEMPLATE_LABELS,
    )


@bp.post("/email-templates/seed")
@admin
def seed_email_templates():
    """Create the versions the database lacks from templates/mail/."""
    report = seed_templates()
    flash(
        _("%(created)s template versions created from the files.", created=len(report.created)),
        "success",
    )
    return redirect(url_for("admin.email_templates"))


def _key_and_language(key: str, language: str) -> EmailTemplateKey:
    if key not in set(EmailTemplateKey) or language not in UI_LANGUAGES:
        abort(404)
    return EmailTemplateKey(key)


@bp.route("/email-templates/<key>/<language>", methods=["GET", "POST"])
@admin
def edit_email_template(key: str, language: str):
    """Edit one template version; "Preview" renders it with a made-up application."""
    template_key = _key_and_language(key, language)
    row = find_template(template_key.value, language)
    if request.method == "GET":
        form = EmailTemplateForm(formdata=None)
        source = row or file_source(template_key.value, language)
        if source is not None:
            form.subject.data = source.subject
            form.body_text.data = source.body_text
            form.body_html.data = source.body_html or ""
        return _render_edit(template_key, language, form, row=row)

    form = EmailTemplateForm()
    if not form.validate():
        return _render_edit(template_key, language, form, row=row, status_code=400)
    subject = form.subject.data or ""
    body_text = normalise_newlines(form.body_text.data) or ""
    body_html = normalise_newlines(form.body_html.data) or None
    user = current_user._get_current_object()
    try:
        if request.form.get("action") == "save":
            save_template(
                template_key,
                language,
                subject=subject,
                body_text=body_text,
                body_html=body_html,
                by=user,
            )
        else:
            check_template(template_key, subject, body_text, body_html)
    except TemplateValidationError as error:
        db.session.rollback()
        for name, messages in error.errors.items():
            form[name].errors = [*form[name].errors, *messages]
        return _render_edit(template_key, language, form, row=row, status_code=400)
    if request.form.get("action") == "save":
        flash(
            _(
                "“%(template)s” (%(language)s) saved.",
                template=TEMPLATE_LABELS[template_key],
                language=LANGUAGE_LABELS[language],
            ),
            "success",
        )
        return redirect(url_for("admin.email_templates"))
    preview = render(
        TemplateSource(template_key.value, language, subject, body_text, body_html),
        sample_values(template_key.value, language, editor=user),
    )
    return _render_edit(template_key, language, form, row=row, preview=preview)


def _render_edit(key, language, form, *, row, preview=None, status_code=200):
    errors = [
        (field.id, str(field.label.text), str(message))
        for field in form
        if field.name != "csrf_token"
        for message in field.errors
    ]
    return (
        render_template(
            "admin/email_template_edit.html",
            key=key,
            language=language,
            form=form,
            row=row,
            preview=preview,
            errors=errors,
            placeholders=[
                (name, "{{ %s }}" % name, PLACEHOLDER_LABELS[name])  # noqa: UP031 - braces
                for name in placeholders_for(key)
            ],
            template_labels=TEMPLATE_LABELS,
            language_labels=LANGUAGE_LABELS,
        ),
        status_code,
    )
