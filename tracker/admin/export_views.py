"""Exporting the inbox's current list: the column picker, then the file, streamed."""

from __future__ import annotations

import tempfile
from datetime import date

from flask import Response, render_template, request, stream_with_context
from flask_login import current_user

from tracker.admin import bp
from tracker.admin.export_forms import ExportForm
from tracker.exports import (
    COLUMN_LABELS,
    export_rows,
    iter_file,
    record_export,
    write_csv,
    write_documents_zip,
    write_xlsx,
)
from tracker.extensions import db
from tracker.inbox.query import InboxFilter, count_filtered
from tracker.web.access import admin

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _attachment(response: Response, filename: str) -> Response:
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Lists of people: no shared or browser cache may keep a copy.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/export", methods=["GET", "POST"])
@admin
def export():
    """Show the column picker for an inbox filter (GET), or stream the export (POST)."""
    form = ExportForm()
    if request.method == "GET":
        form.source.data = request.args.get("from", "")
    inbox_filter = InboxFilter.from_query_string(form.source.data)
    if request.method == "GET" or not form.validate():
        return render_template(
            "admin/export.html",
            form=form,
            inbox_filter=inbox_filter,
            total=count_filtered(inbox_filter, user=current_user),
            labels=COLUMN_LABELS,
        ), (200 if request.method == "GET" else 400)
    stem = f"candidates-{date.today().isoformat()}"
    kind = form.format.data
    if kind == "documents":
        record_export("documents", inbox_filter, user=current_user)
        # Spooled to disk beyond 8 MB: the documents are never all in memory.
        archive = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
        write_documents_zip(inbox_filter, user=current_user, fileobj=archive)
        archive.seek(0)
        response = Response(iter_file(archive), mimetype="application/zip")
        return _attachment(response, f"{stem}-documents.zip")
    columns = form.columns.data
    record_export(kind, inbox_filter, user=current_user, columns=columns)
    # The CSV streams after this view returns, in a database session of its own: load the
    # user's attributes now (the audit commit expired them), so the stream can read them.
    user = current_user._get_current_object()
    db.session.refresh(user)
    rows = export_rows(inbox_filter, user=user, columns=columns)
    if kind == "xlsx":
        workbook = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
        write_xlsx(rows, workbook)
        workbook.seek(0)
        response = Response(iter_file(workbook), mimetype=XLSX_TYPE)
        return _attachment(response, f"{stem}.xlsx")
    response = Response(
        stream_with_context(write_csv(rows)), content_type="text/csv; charset=utf-8"
    )
    return _attachment(response, f"{stem}.csv")
