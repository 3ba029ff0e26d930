"""Importing experts (admins): upload → dry run line by line → import in one transaction."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker.admin import bp
from tracker.admin.import_forms import ImportUploadForm, StagedImportForm
from tracker.experts.import_files import COLUMNS, REQUIRED_COLUMNS, ImportFileError
from tracker.experts.importing import ImportRefused
from tracker.experts.staging import check_upload, discard_upload, import_upload, stage_upload
from tracker.labels import IMPORT_OUTCOME_LABELS
from tracker.web.access import admin
from tracker.web.forms_common import flash_errors


@bp.route("/experts/import", methods=["GET", "POST"])
@admin
def import_experts():
    """Show the upload form (GET); keep an upload and show its dry run (POST)."""
    form = ImportUploadForm()
    if form.validate_on_submit():
        try:
            token = stage_upload(form.file.data.stream, form.file.data.filename or "")
        except ImportFileError as error:
            flash(str(error), "error")
        else:
            return redirect(url_for("admin.check_import", t=token))
    elif request.method == "POST":
        flash_errors(form)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "admin/import_experts.html", form=form, columns=COLUMNS, required=REQUIRED_COLUMNS
    ), status


@bp.get("/experts/import/check")
@admin
def check_import():
    """Show what importing the kept upload would do, line by line."""
    token = request.args.get("t", "")
    try:
        staged, report = check_upload(token)
    except ImportFileError as error:
        flash(str(error), "error")
        return redirect(url_for("admin.import_experts"))
    form = StagedImportForm(token=token)
    return render_template(
        "admin/import_check.html",
        staged=staged,
        report=report,
        form=form,
        outcome_labels=IMPORT_OUTCOME_LABELS,
    )


@bp.post("/experts/import/run")
@admin
def run_import():
    """Import the kept upload's good rows in one transaction, then forget the file."""
    form = StagedImportForm()
    if form.validate():
        try:
            report = import_upload(form.token.data, by=current_user._get_current_object())
        except (ImportFileError, ImportRefused) as error:
            flash(_("Nothing was imported: %(reason)s", reason=error), "error")
        else:
            flash(import_summary(report.counts), "success")
    else:
        flash_errors(form)
    return redirect(url_for("admin.import_experts"))


@bp.post("/experts/import/discard")
@admin
def discard_import():
    """Forget the kept upload without importing it."""
    form = StagedImportForm()
    if form.validate():
        discard_upload(form.token.data)
        flash(_("The upload was discarded; nothing was imported."), "success")
    return redirect(url_for("admin.import_experts"))


def import_summary(counts: dict[str, int]) -> str:
    """Say what an import did, in the page's language."""
    return _(
        "Import done: %(created)s experts created, %(updated)s completed, %(unchanged)s "
        "unchanged, %(refused)s rows refused.",
        created=counts["create"],
        updated=counts["update"],
        unchanged=counts["unchanged"],
        refused=counts["refused"],
    )
