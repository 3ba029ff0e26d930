"""Admins erase an applicant, or export everything stored about them (subject access)."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from tracker.admin import bp
from tracker.exports import iter_file
from tracker.extensions import db
from tracker.models import Application, Comment, Document, OutboxEmail, Rating, StatusChange
from tracker.privacy import erase_applicant
from tracker.subject_access import subject_access_archive
from tracker.web.access import admin


def _what_goes(application: Application) -> dict[str, int]:
    """Count the rows that erasing *application* removes, for the confirmation page."""
    counts = {}
    for name, model in (
        ("documents", Document),
        ("emails", OutboxEmail),
        ("ratings", Rating),
        ("comments", Comment),
        ("history", StatusChange),
    ):
        counts[name] = db.session.scalar(
            select(func.count()).select_from(model).where(model.application_id == application.id)
        )
    return counts


@bp.get("/applications/<int:application_id>/erase")
@admin
def confirm_erase(application_id: int):
    """Show what erasing the applicant removes, and ask for confirmation."""
    application = db.get_or_404(Application, application_id)
    return render_template(
        "admin/erase.html", application=application, counts=_what_goes(application)
    )


@bp.post("/applications/<int:application_id>/erase")
@admin
def erase(application_id: int):
    """Erase the applicant and every trace of them; only a tombstone stays in the audit log."""
    application = db.get_or_404(Application, application_id)
    erase_applicant(application, by=current_user, reason="admin")
    flash(_("The applicant's data has been erased."), "success")
    return redirect(url_for("review.inbox"))


@bp.get("/applications/<int:application_id>/subject-access")
@admin
def subject_access(application_id: int):
    """Download a ZIP of everything stored about the applicant (audited)."""
    application = db.get_or_404(Application, application_id)
    archive = subject_access_archive(application, by=current_user)
    response = Response(iter_file(archive), mimetype="application/zip")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="subject-access-{application.reference}.zip"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response
