"""Admins edit the email templates: one version per kind of email and language."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker.admin import bp
from tracker.admin.email_template_forms import PLACEHOLDER_LABELS, EmailTemplateForm
from tracker.enums import EmailTemplateKey
from tracker.labels import TEMPLATE_LABELS
from tracker.mail.template_store import (
    find_template,
    save_or_preview,
    seed_templates,
    template_overview,
)
from tracker.mail.templates import TemplateValidationError, file_source, placeholders_for
from tracker.ui_languages import LANGUAGE_NAMES, UI_LANGUAGES
from tracker.web.access import admin
from tracker.web.forms_common import error_summary


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
        language_labels=LANGUAGE_NAMES,
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
        return _render_edit(
            template_key, language, _prefilled_form(template_key, language, row), row=row
        )
    form = EmailTemplateForm()
    if not form.validate():
        return _render_edit(template_key, language, form, row=row, status_code=400)
    save = request.form.get("action") == "save"
    try:
        user = current_user._get_current_object()
        preview = save_or_preview(template_key, language, **form.parts(), save=save, by=user)
    except TemplateValidationError as error:
        for name, messages in error.errors.items():
            form[name].errors = [*form[name].errors, *messages]
        return _render_edit(template_key, language, form, row=row, status_code=400)
    if not save:
        return _render_edit(template_key, language, form, row=row, preview=preview)
    labels = {"template": TEMPLATE_LABELS[template_key], "language": LANGUAGE_NAMES[language]}
    flash(_("“%(template)s” (%(language)s) saved.", **labels), "success")
    return redirect(url_for("admin.email_templates"))


def _prefilled_form(key: EmailTemplateKey, language: str, row) -> EmailTemplateForm:
    """Return the form filled with the saved version, or else with the seed file's text."""
    form = EmailTemplateForm(formdata=None)
    source = row or file_source(key.value, language)
    if source is not None:
        form.subject.data = source.subject
        form.body_text.data = source.body_text
        form.body_html.data = source.body_html or ""
    return form


def _render_edit(key, language, form, *, row, preview=None, status_code=200):
    errors = error_summary(form)
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
            language_labels=LANGUAGE_NAMES,
        ),
        status_code,
    )
